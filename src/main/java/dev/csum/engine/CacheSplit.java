package dev.csum.engine;

import dev.csum.format.Geometry;

/**
 * How the imd cache budget ({@code VolumeOptions.imdCacheBytes}) is shared between imd pair slots
 * ({@link GroupCache}: two blocks per group, what writes, checkpoints and recently used groups need)
 * and the dense tuple cache ({@link DenseTuples}: about 4 bytes per block, what reads of other
 * groups need). When every group's pair fits, pairs take it all. Otherwise the dense cache covers as
 * many groups as it can with fifteen sixteenths of the budget (every group, when that is enough, the
 * rest going back to pairs), and pairs get the rest: a 64 MiB budget then serves reads of about
 * 60 GiB of 4096-byte-block data from memory, against 16 GiB with pairs alone.
 *
 * @param pairSlots   imd cache slots (at least 4)
 * @param denseGroups groups the dense cache holds (0: none)
 */
record CacheSplit(long pairSlots, long denseGroups) {
    /** The smallest imd cache: a commit, a load and a checkpoint can each hold a slot. */
    static final long MIN_PAIR_SLOTS = 4;
    /** The share of the budget kept for pairs when the dense cache cannot cover every group. */
    static final int PAIR_SHARE_DIVISOR = 16;

    static CacheSplit of(long budgetBytes, Geometry geometry) {
        long pairBytes = 2L * geometry.blockSizeBytes();
        long groups = geometry.groupCount();
        if (budgetBytes >= (groups + 1) * pairBytes) {
            return new CacheSplit(Math.max(MIN_PAIR_SLOTS, Math.min(groups + 1, budgetBytes / pairBytes)), 0);
        }
        long perGroup = DenseTuples.bytesPerGroup(geometry.tuplesPerGroup());
        long denseGroups = Math.min(groups, (budgetBytes - budgetBytes / PAIR_SHARE_DIVISOR) / perGroup);
        long pairSlots = Math.max(MIN_PAIR_SLOTS, (budgetBytes - denseGroups * perGroup) / pairBytes);
        return new CacheSplit(Math.min(groups + 1, pairSlots), denseGroups);
    }
}
