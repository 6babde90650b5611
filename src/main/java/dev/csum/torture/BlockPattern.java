package dev.csum.torture;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The self-describing contents the torture workload writes: every block carries the version of the
 * write that produced it and its own logical block number, followed by words derived from both. So
 * the checker can tell from the bytes alone which write a block came from, and that it belongs at
 * this address (a misdirected or torn block decodes as {@link #GARBAGE}).
 *
 * <p>Layout of a block (little-endian 8-byte words): word 0 the version (never 0 for written data),
 * word 1 the logical block number, word {@code k >= 2} {@code mix(version, block) + k * GOLDEN}.
 * Version {@link #ZEROS} is the never-written state: all zero bytes.
 */
final class BlockPattern {
    /** The version of a block never written: all zeros. */
    static final long ZEROS = 0;
    /** Returned by {@link #decode} for bytes that are no version of this block. */
    static final long GARBAGE = -1;

    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private BlockPattern() {
    }

    private static long mix(long version, long block) {
        long z = version * 0xBF58476D1CE4E5B9L ^ block * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Fills {@code blockSizeBytes} bytes of {@code target} at {@code offsetBytes} with {@code version} of {@code block}. */
    static void fill(MemorySegment target, long offsetBytes, int blockSizeBytes, long version, long block) {
        if (version == ZEROS) {
            target.asSlice(offsetBytes, blockSizeBytes).fill((byte) 0);
            return;
        }
        long base = mix(version, block);
        target.set(WORD, offsetBytes, version);
        target.set(WORD, offsetBytes + 8, block);
        int words = blockSizeBytes / 8;
        for (int k = 2; k < words; k++) {
            target.set(WORD, offsetBytes + 8L * k, base + k * GOLDEN);
        }
    }

    /**
     * The version of {@code block} these bytes hold, {@link #ZEROS} for all zeros, or {@link #GARBAGE}
     * when they are no version of this block (corrupted, torn, or another block's data).
     */
    static long decode(MemorySegment source, long offsetBytes, int blockSizeBytes, long block) {
        long version = source.get(WORD, offsetBytes);
        int words = blockSizeBytes / 8;
        if (version == ZEROS) {
            for (int k = 1; k < words; k++) {
                if (source.get(WORD, offsetBytes + 8L * k) != 0) {
                    return GARBAGE;
                }
            }
            return ZEROS;
        }
        if (version < 0 || source.get(WORD, offsetBytes + 8) != block) {
            return GARBAGE;
        }
        long base = mix(version, block);
        for (int k = 2; k < words; k++) {
            if (source.get(WORD, offsetBytes + 8L * k) != base + k * GOLDEN) {
                return GARBAGE;
            }
        }
        return version;
    }
}
