package dev.csum.format;

import java.util.Objects;

/**
 * Where every block of a volume lives: the mapping from a logical block to its data location and
 * its group's imd pair, the tuple log region and the backup superblock, for both
 * {@link MetadataPlacement placements}. Immutable and thread-safe.
 *
 * <p>Blocks of {@code B} bytes are grouped: a group has {@code T = (B - 16) / 8} data blocks
 * (62 for 512-byte blocks, 510 for 4096) whose tuples fill one imd block; every imd block has a
 * brother, and the pair is adjacent so one I/O reads both. The last group may be partial.
 *
 * <h2>Interleaved (one device), the seed's layout, then the log</h2>
 * <pre>
 * block:  0      1+g(T+2)  2+g(T+2)  3+g(T+2) ... 2+g(T+2)+T   ...   1+2G+D      ...   last
 *         +------+---------+---------+-------------------------+-----+-----------------+--------+
 *         | SB   | imd g.0 | imd g.1 | data gT ... data gT+T-1 | ... | log (L blocks)  | backup |
 *         +------+---------+---------+-------------------------+-----+-----------------+--------+
 * </pre>
 * Worked example, 512-byte blocks (T = 62, stride 64): logical block 100 is in group 1 at index 38;
 * its imd pair is at blocks 65, 66; its data at block 1 + 64 + 2 + 38 = 105, byte 53,760.
 *
 * <h2>Separate metadata device</h2>
 * <pre>
 * data device:     | SB (role data) | data 0 | data 1 | ... | data D-1 |
 * metadata device: | SB (role metadata) | imd 0.0 | imd 0.1 | ... | imd G-1.1 | log (L blocks) | backup SB |
 * </pre>
 * Logical block {@code L} is at data block {@code 1 + L}; group {@code g}'s pair at metadata blocks
 * {@code 1 + 2g}, {@code 2 + 2g}; the log follows the last pair, the backup superblock the log.
 *
 * <p>A geometry without a log ({@code logBlockCount} 0) is format version 1's layout: the backup
 * superblock right after the last group (interleaved) or the last pair (separate). Format version 2
 * always has a log of at least {@value #MIN_LOG_BLOCKS} blocks ({@link #defaultLogBlockCount}).
 */
public final class Geometry {

    /** Bytes of the imd block header. */
    static final int IMD_HEADER_BYTES = 16;
    /** Bytes per tuple. */
    static final int TUPLE_BYTES = 8;
    /** Largest group count: group numbers are stored as u32 in imd headers. */
    public static final long MAX_GROUP_COUNT = 1L << 32;
    /** The smallest tuple log a format version 2 volume has, in blocks. */
    public static final long MIN_LOG_BLOCKS = 16;
    /** The default log holds 1/64 of the data area ({@link #defaultLogBlockCount}). */
    static final long DEFAULT_LOG_DATA_FRACTION = 64;
    /** ... but at least {@value #DEFAULT_LOG_ROUND_BYTES} bytes, when that is at most 1/16 of the data area. */
    static final long DEFAULT_LOG_SMALL_VOLUME_FRACTION = 16;
    /**
     * The log size below which checkpoint rounds, not the device, set the write rate (64 MiB): a round
     * costs a few cache flushes and stalls the stream, and it comes once per log fill (docs/FORMAT.md §2.3).
     */
    public static final long DEFAULT_LOG_ROUND_BYTES = 64L << 20;
    /** The default log's smallest size in bytes: 256 KiB. */
    public static final long DEFAULT_LOG_MIN_BYTES = 256L << 10;
    /** The default log's largest size in bytes: 1 GiB. */
    public static final long DEFAULT_LOG_MAX_BYTES = 1L << 30;

    private final int blockSizeBytes;
    private final long dataBlockCount;
    private final MetadataPlacement placement;
    private final int tuplesPerGroup;
    private final long groupCount;
    /** Interleaved: blocks from one group's first imd block to the next's ({@code T + 2}). */
    private final long groupStrideBlocks;
    private final long logBlockCount;
    /** First block of the log on the metadata file: right after the last group (interleaved) or pair (separate). */
    private final long logOffsetBlocks;
    private final long dataFileSizeBytes;
    private final long metadataFileSizeBytes;

    private Geometry(int blockSizeBytes, long dataBlockCount, MetadataPlacement placement, long logBlockCount) {
        this.blockSizeBytes = blockSizeBytes;
        this.dataBlockCount = dataBlockCount;
        this.placement = placement;
        this.logBlockCount = logBlockCount;
        this.tuplesPerGroup = tuplesPerGroup(blockSizeBytes);
        this.groupCount = ceilDiv(dataBlockCount, tuplesPerGroup);
        this.groupStrideBlocks = tuplesPerGroup + 2L;
        if (groupCount > MAX_GROUP_COUNT) {
            throw new IllegalArgumentException(dataBlockCount + " data blocks need " + groupCount
                    + " groups; group numbers are 32-bit (at most " + MAX_GROUP_COUNT + ")");
        }
        try {
            // superblock + pairs (+ data, interleaved), then the log, then the backup superblock
            long pairsEnd = Math.addExact(1, Math.multiplyExact(2, groupCount));
            this.logOffsetBlocks = placement == MetadataPlacement.INTERLEAVED ? Math.addExact(pairsEnd, dataBlockCount) : pairsEnd;
            long metadataBlocks = Math.addExact(Math.addExact(logOffsetBlocks, logBlockCount), 1);
            this.metadataFileSizeBytes = Math.multiplyExact(metadataBlocks, blockSizeBytes);
            this.dataFileSizeBytes = placement == MetadataPlacement.INTERLEAVED ? metadataFileSizeBytes
                    : Math.multiplyExact(Math.addExact(1, dataBlockCount), blockSizeBytes);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(dataBlockCount + " data blocks and a log of " + logBlockCount + " blocks of "
                    + blockSizeBytes + " bytes overflow a 64-bit byte offset", e);
        }
    }

    /**
     * The geometry of a volume of {@code dataBlockCount} usable blocks and a tuple log of
     * {@code logBlockCount} blocks.
     *
     * @param blockSizeBytes 512 or 4096
     * @param dataBlockCount at least 1
     * @param placement      where the imd pairs and the log live
     * @param logBlockCount  blocks of the tuple log: 0 for a format version 1 layout (no log), else at
     *                       least {@value #MIN_LOG_BLOCKS}
     * @throws IllegalArgumentException for another block size, a data block count below 1, a log of 1
     *                                  to {@value #MIN_LOG_BLOCKS} - 1 blocks or a negative one, or a
     *                                  volume whose groups or byte offsets do not fit the format's integers
     */
    public static Geometry of(int blockSizeBytes, long dataBlockCount, MetadataPlacement placement, long logBlockCount) {
        requireBlockSize(blockSizeBytes);
        Objects.requireNonNull(placement, "placement");
        if (dataBlockCount < 1) {
            throw new IllegalArgumentException("data block count must be at least 1, got " + dataBlockCount);
        }
        if (logBlockCount != 0 && logBlockCount < MIN_LOG_BLOCKS) {
            throw new IllegalArgumentException("the tuple log needs at least " + MIN_LOG_BLOCKS + " blocks, got " + logBlockCount);
        }
        return new Geometry(blockSizeBytes, dataBlockCount, placement, logBlockCount);
    }

    /**
     * The tuple log format gives a volume of {@code dataBlockCount} blocks unless told otherwise: 1/64
     * of the data area, but at least {@value #DEFAULT_LOG_ROUND_BYTES} bytes or 1/16 of the data area,
     * whichever is smaller; then at least {@value #DEFAULT_LOG_MIN_BYTES} bytes and at most
     * {@value #DEFAULT_LOG_MAX_BYTES}, in whole blocks. Since {@code B} is a multiple of 64 that is
     * {@code clamp(max(ceil(D / 64), min(ceil(D / 16), 64 MiB / B)), 256 KiB / B, 1 GiB / B)} blocks:
     * 512 to 2,097,152 blocks of 512 bytes, 64 to 262,144 blocks of 4096. A 256 MiB data area gets a
     * 16 MiB log, 1 to 4 GiB get 64 MiB, 64 GiB and more get 1 GiB. Why: docs/FORMAT.md §2.3.
     *
     * <p>{@code L} never decreases as {@code D} grows, and grows by at most one block per data block.
     *
     * @param blockSizeBytes 512 or 4096
     * @param dataBlockCount the data blocks, at least 0
     * @return the log's length in blocks, at least {@value #MIN_LOG_BLOCKS}
     */
    public static long defaultLogBlockCount(int blockSizeBytes, long dataBlockCount) {
        requireBlockSize(blockSizeBytes);
        long blocks = Math.max(0, dataBlockCount);
        long proportional = ceilDiv(blocks, DEFAULT_LOG_DATA_FRACTION);
        long roundFloor = Math.min(ceilDiv(blocks, DEFAULT_LOG_SMALL_VOLUME_FRACTION), DEFAULT_LOG_ROUND_BYTES / blockSizeBytes);
        return Math.clamp(Math.max(proportional, roundFloor), DEFAULT_LOG_MIN_BYTES / blockSizeBytes,
            DEFAULT_LOG_MAX_BYTES / blockSizeBytes);
    }

    /** Tuples (data blocks) per group: {@code (blockSizeBytes - 16) / 8}, 62 for 512 and 510 for 4096. */
    public static int tuplesPerGroup(int blockSizeBytes) {
        requireBlockSize(blockSizeBytes);
        return (blockSizeBytes - IMD_HEADER_BYTES) / TUPLE_BYTES;
    }

    /** Whether {@code blockSizeBytes} is one the format supports (512 or 4096). */
    public static boolean isSupportedBlockSize(int blockSizeBytes) {
        return blockSizeBytes == 512 || blockSizeBytes == 4096;
    }

    private static void requireBlockSize(int blockSizeBytes) {
        if (!isSupportedBlockSize(blockSizeBytes)) {
            throw new IllegalArgumentException("block size must be 512 or 4096 bytes, got " + blockSizeBytes);
        }
    }

    /**
     * The most data blocks for {@code placement} on a data device of {@code deviceSizeBytes} when the
     * log has its {@linkplain #defaultLogBlockCount default size}, which grows with the data: the
     * largest {@code D} whose whole layout, its default log included, fits; 0 when not even one data
     * block does. Separate placement: every block of the data device but the superblock (the log is
     * on the metadata device, which is sized from the result).
     *
     * <p>Interleaved, with {@code N = floor(deviceSizeBytes / B)}, the layout of {@code D} blocks needs
     * {@code f(D) = 2 + 2 ceil(D / T) + D + L(D)} blocks ({@code L} the default log), and {@code f} never
     * decreases as {@code D} grows; the answer is the largest {@code D} with {@code f(D) <= N}, found by
     * bisection. Worked example, 1 MiB with 512-byte blocks: N = 2048; any D up to 8,192 gets the
     * smallest default log, 512 blocks, leaving 2048 - 2 - 512 = 1534 blocks for groups: 23 full groups
     * of 64 blocks use 1472, the remaining 62 hold a pair and 60 data blocks: D = 23 × 62 + 60 = 1486,
     * f(1486) = 2 + 48 + 1486 + 512 = 2048, no block left over. docs/FORMAT.md §2.1 works 64 GiB.
     *
     * <p>At most three whole blocks (plus a partial one) are left over: {@code f(D + 1) - f(D)} is at
     * most 4 (a new group's pair, the block, one more log block).
     *
     * @param deviceSizeBytes the data device's size
     * @param blockSizeBytes  512 or 4096
     * @param placement       where the imd pairs and the log live
     * @return the data block count, 0 when none fits
     */
    public static long dataBlocksFitting(long deviceSizeBytes, int blockSizeBytes, MetadataPlacement placement) {
        requireBlockSize(blockSizeBytes);
        long blocks = Math.max(0, deviceSizeBytes) / blockSizeBytes;
        if (placement == MetadataPlacement.SEPARATE) {
            return Math.max(0, blocks - 1);
        }
        long low = 0; // fits (the empty layout is not a volume, but bounds the search)
        long high = blocks; // f(D) > D, so D = N never fits
        while (high - low > 1) {
            long middle = low + (high - low) / 2;
            if (interleavedBlocksNeeded(blockSizeBytes, middle, defaultLogBlockCount(blockSizeBytes, middle)) <= blocks) {
                low = middle;
            } else {
                high = middle;
            }
        }
        return low;
    }

    /**
     * The most data blocks for {@code placement} on a data device of {@code deviceSizeBytes} with a log
     * of exactly {@code logBlockCount} blocks (0: a version 1 layout, no log); 0 when not even one data
     * block fits. Separate placement: every block but the superblock.
     *
     * <p>Interleaved, with {@code N = floor(deviceSizeBytes / B)} and {@code A = N - 2 - L} (both
     * superblocks and the log), {@code q = A div (T + 2)}, {@code r = A mod (T + 2)}:
     * {@code D = q T + max(0, r - 2)}; at most two whole blocks (plus a partial one) are left over.
     * Worked example, 1 MiB with 512-byte blocks and no log: A = 2046, q = 31, r = 62, D = 31 × 62 + 60
     * = 1982.
     *
     * @param deviceSizeBytes the data device's size
     * @param blockSizeBytes  512 or 4096
     * @param placement       where the imd pairs and the log live
     * @param logBlockCount   the log's length in blocks, at least 0
     * @return the data block count, 0 when none fits
     */
    public static long dataBlocksFitting(long deviceSizeBytes, int blockSizeBytes, MetadataPlacement placement, long logBlockCount) {
        requireBlockSize(blockSizeBytes);
        if (logBlockCount < 0) {
            throw new IllegalArgumentException("log block count must not be negative, got " + logBlockCount);
        }
        long blocks = Math.max(0, deviceSizeBytes) / blockSizeBytes;
        if (placement == MetadataPlacement.SEPARATE) {
            return Math.max(0, blocks - 1);
        }
        long available = blocks - 2 - logBlockCount;
        if (available < 3) {
            return 0;
        }
        long stride = tuplesPerGroup(blockSizeBytes) + 2L;
        return available / stride * (stride - 2) + Math.max(0, available % stride - 2);
    }

    /** Blocks an interleaved layout of {@code dataBlockCount} blocks and its log fill: {@code 2 + 2G + D + L}. */
    private static long interleavedBlocksNeeded(int blockSizeBytes, long dataBlockCount, long logBlockCount) {
        return 2 + 2 * ceilDiv(dataBlockCount, tuplesPerGroup(blockSizeBytes)) + dataBlockCount + logBlockCount;
    }

    public int blockSizeBytes() {
        return blockSizeBytes;
    }

    public long dataBlockCount() {
        return dataBlockCount;
    }

    public int tuplesPerGroup() {
        return tuplesPerGroup;
    }

    public long groupCount() {
        return groupCount;
    }

    public MetadataPlacement placement() {
        return placement;
    }

    /** Blocks of the tuple log region; 0 for a format version 1 layout (no log). */
    public long logBlockCount() {
        return logBlockCount;
    }

    /**
     * Byte offset of the tuple log's first block on the metadata file (interleaved: the one device),
     * right after the last group's data (interleaved) or the last imd pair (separate); the log's
     * {@link #logBlockCount()} blocks end where the backup superblock starts. Without a log, the
     * backup superblock's offset.
     */
    public long logOffsetBytes() {
        return logOffsetBlocks * blockSizeBytes;
    }

    /** The log's first block on the metadata file, in blocks: {@link #logOffsetBytes()} / {@link #blockSizeBytes()}. */
    public long logOffsetBlocks() {
        return logOffsetBlocks;
    }

    /** The group holding logical block {@code logicalBlock}'s tuple. */
    public long groupOf(long logicalBlock) {
        checkLogicalBlock(logicalBlock);
        return logicalBlock / tuplesPerGroup;
    }

    /** The tuple index of {@code logicalBlock} within its group's imd block. */
    public int indexInGroup(long logicalBlock) {
        checkLogicalBlock(logicalBlock);
        return (int) (logicalBlock % tuplesPerGroup);
    }

    /** The first logical block of {@code group}. */
    public long firstBlockOfGroup(long group) {
        checkGroup(group);
        return group * tuplesPerGroup;
    }

    /** Data blocks in {@code group}: {@link #tuplesPerGroup()} except possibly for the last group. */
    public int blocksInGroup(long group) {
        checkGroup(group);
        return (int) Math.min(tuplesPerGroup, dataBlockCount - group * tuplesPerGroup);
    }

    /** Byte offset of {@code logicalBlock} on the data file. A group's data blocks are contiguous. */
    public long dataOffsetBytes(long logicalBlock) {
        checkLogicalBlock(logicalBlock);
        if (placement == MetadataPlacement.SEPARATE) {
            return (1 + logicalBlock) * blockSizeBytes;
        }
        long group = logicalBlock / tuplesPerGroup;
        long index = logicalBlock % tuplesPerGroup;
        return (1 + group * groupStrideBlocks + 2 + index) * blockSizeBytes;
    }

    /**
     * Byte offset of {@code group}'s imd copy 0 on the metadata file; copy 1 is at
     * {@code + blockSizeBytes()}, so the pair is one contiguous {@code 2 × blockSizeBytes()} read.
     */
    public long imdPairOffsetBytes(long group) {
        checkGroup(group);
        if (placement == MetadataPlacement.SEPARATE) {
            return (1 + 2 * group) * blockSizeBytes;
        }
        return (1 + group * groupStrideBlocks) * blockSizeBytes;
    }

    /** Minimum size of the data file (interleaved: the whole volume, equal to {@link #metadataFileSizeBytes()}). */
    public long dataFileSizeBytes() {
        return dataFileSizeBytes;
    }

    /** Minimum size of the metadata file (interleaved: the data file itself). */
    public long metadataFileSizeBytes() {
        return metadataFileSizeBytes;
    }

    /** Byte offset of the backup superblock: the last block of the metadata file's minimum size, right after the log. */
    public long backupSuperblockOffsetBytes() {
        return metadataFileSizeBytes - blockSizeBytes;
    }

    /** Bytes the volume offers its users: {@code dataBlockCount × blockSizeBytes}. */
    public long usableBytes() {
        return dataBlockCount * blockSizeBytes;
    }

    private void checkLogicalBlock(long logicalBlock) {
        if (logicalBlock < 0 || logicalBlock >= dataBlockCount) {
            throw new IndexOutOfBoundsException("logical block " + logicalBlock + " outside [0, " + dataBlockCount + ")");
        }
    }

    private void checkGroup(long group) {
        if (group < 0 || group >= groupCount) {
            throw new IndexOutOfBoundsException("group " + group + " outside [0, " + groupCount + ")");
        }
    }

    private static long ceilDiv(long x, long y) {
        return Math.ceilDiv(x, y);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Geometry g && g.blockSizeBytes == blockSizeBytes
                && g.dataBlockCount == dataBlockCount && g.placement == placement && g.logBlockCount == logBlockCount;
    }

    @Override
    public int hashCode() {
        return Objects.hash(blockSizeBytes, dataBlockCount, placement, logBlockCount);
    }

    @Override
    public String toString() {
        return "Geometry[" + placement.name().toLowerCase(java.util.Locale.ROOT) + ", " + blockSizeBytes + "-byte blocks, "
                + dataBlockCount + " data blocks, " + groupCount + " groups of " + tuplesPerGroup + ", log of " + logBlockCount + " blocks]";
    }
}
