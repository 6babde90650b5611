package dev.csum.engine;

import dev.csum.format.Geometry;

/**
 * How much memory the engine gives its two metadata caches: imd pair slots ({@link GroupCache}: two
 * blocks per group, what writes, checkpoints and recently used groups need), sized by the
 * {@code VolumeOptions.imdCacheBytes} budget as always; and the dense tuple cache
 * ({@link DenseTuples}: about 4 bytes per block, what reads of the other groups need), sized from the
 * volume: every group the pair slots cannot hold, up to {@link #DENSE_CAP_BYTES} (64 GiB of
 * 4096-byte-block data). The dense cache does not take from the pairs' budget: with one budget, a
 * sixteenth kept for pairs made random writes over a 16 GiB volume with a 16 MiB budget 0.7× as
 * fast (128 slots instead of 2,048), and 4 slots instead of 32 five times slower on a 1 GiB volume
 * with 256 KiB (docs/PERFORMANCE.md, "Dense tuples").
 *
 * @param pairSlots   imd cache slots (at least 4)
 * @param denseGroups groups the dense cache holds (0: none, every group has a pair slot)
 */
record CacheSplit(long pairSlots, long denseGroups) {
    /** The smallest imd cache: a commit, a load and a checkpoint can each hold a slot. */
    static final long MIN_PAIR_SLOTS = 4;
    /** The most memory the dense tuple cache takes. */
    static final long DENSE_CAP_BYTES = 64L << 20;

    static CacheSplit of(long budgetBytes, Geometry geometry) {
        long pairBytes = 2L * geometry.blockSizeBytes();
        long groups = geometry.groupCount();
        long pairSlots = Math.max(MIN_PAIR_SLOTS, Math.min(groups + 1, budgetBytes / pairBytes));
        if (pairSlots > groups) {
            return new CacheSplit(pairSlots, 0);
        }
        long perGroup = DenseTuples.bytesPerGroup(geometry.tuplesPerGroup());
        return new CacheSplit(pairSlots, Math.min(groups, DENSE_CAP_BYTES / perGroup));
    }

    /** Bytes the dense tuple cache takes. */
    long denseBytes(Geometry geometry) {
        return denseGroups * DenseTuples.bytesPerGroup(geometry.tuplesPerGroup());
    }
}
