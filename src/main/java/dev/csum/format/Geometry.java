package dev.csum.format;

import java.util.Objects;

/**
 * Where every block of a volume lives: the mapping from a logical block to its data location and
 * its group's imd pair, for both {@link MetadataPlacement placements}. Immutable and thread-safe.
 *
 * <p>Blocks of {@code B} bytes are grouped: a group has {@code T = (B - 16) / 8} data blocks
 * (62 for 512-byte blocks, 510 for 4096) whose tuples fill one imd block; every imd block has a
 * brother, and the pair is adjacent so one I/O reads both. The last group may be partial.
 *
 * <h2>Interleaved (one device), the seed's layout</h2>
 * <pre>
 * block:  0      1+g(T+2)  2+g(T+2)  3+g(T+2) ... 2+g(T+2)+T   ...   last
 *         +------+---------+---------+----------------------+-------+--------+
 *         | SB   | imd g.0 | imd g.1 | data gT ... data gT+T-1 | ...   | backup |
 *         +------+---------+---------+----------------------+-------+--------+
 * </pre>
 * Worked example, 512-byte blocks (T = 62, stride 64): logical block 100 is in group 1 at index 38;
 * its imd pair is at blocks 65, 66; its data at block 1 + 64 + 2 + 38 = 105, byte 53,760.
 *
 * <h2>Separate metadata device</h2>
 * <pre>
 * data device:     | SB (role data) | data 0 | data 1 | ... | data D-1 |
 * metadata device: | SB (role metadata) | imd 0.0 | imd 0.1 | imd 1.0 | imd 1.1 | ... | backup SB |
 * </pre>
 * Logical block {@code L} is at data block {@code 1 + L}; group {@code g}'s pair at metadata blocks
 * {@code 1 + 2g}, {@code 2 + 2g}; the backup superblock follows the last pair.
 */
public final class Geometry {

    /** Bytes of the imd block header. */
    static final int IMD_HEADER_BYTES = 16;
    /** Bytes per tuple. */
    static final int TUPLE_BYTES = 8;
    /** Largest group count: group numbers are stored as u32 in imd headers. */
    public static final long MAX_GROUP_COUNT = 1L << 32;

    private final int blockSizeBytes;
    private final long dataBlockCount;
    private final MetadataPlacement placement;
    private final int tuplesPerGroup;
    private final long groupCount;
    /** Interleaved: blocks from one group's first imd block to the next's ({@code T + 2}). */
    private final long groupStrideBlocks;
    private final long dataFileSizeBytes;
    private final long metadataFileSizeBytes;

    private Geometry(int blockSizeBytes, long dataBlockCount, MetadataPlacement placement) {
        this.blockSizeBytes = blockSizeBytes;
        this.dataBlockCount = dataBlockCount;
        this.placement = placement;
        this.tuplesPerGroup = tuplesPerGroup(blockSizeBytes);
        this.groupCount = ceilDiv(dataBlockCount, tuplesPerGroup);
        this.groupStrideBlocks = tuplesPerGroup + 2L;
        if (groupCount > MAX_GROUP_COUNT) {
            throw new IllegalArgumentException(dataBlockCount + " data blocks need " + groupCount
                    + " groups; group numbers are 32-bit (at most " + MAX_GROUP_COUNT + ")");
        }
        try {
            if (placement == MetadataPlacement.INTERLEAVED) {
                // superblock + pairs + data + backup superblock
                long blocks = Math.addExact(Math.addExact(1, Math.multiplyExact(2, groupCount)), Math.addExact(dataBlockCount, 1));
                this.dataFileSizeBytes = Math.multiplyExact(blocks, blockSizeBytes);
                this.metadataFileSizeBytes = dataFileSizeBytes;
            } else {
                this.dataFileSizeBytes = Math.multiplyExact(Math.addExact(1, dataBlockCount), blockSizeBytes);
                this.metadataFileSizeBytes = Math.multiplyExact(Math.addExact(2, Math.multiplyExact(2, groupCount)), blockSizeBytes);
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(dataBlockCount + " blocks of " + blockSizeBytes + " bytes overflow a 64-bit byte offset", e);
        }
    }

    /**
     * The geometry of a volume of {@code dataBlockCount} usable blocks.
     *
     * @param blockSizeBytes 512 or 4096
     * @param dataBlockCount at least 1
     * @throws IllegalArgumentException for another block size, a count below 1, or a volume whose
     *                                  groups or byte offsets do not fit the format's integers
     */
    public static Geometry of(int blockSizeBytes, long dataBlockCount, MetadataPlacement placement) {
        requireBlockSize(blockSizeBytes);
        Objects.requireNonNull(placement, "placement");
        if (dataBlockCount < 1) {
            throw new IllegalArgumentException("data block count must be at least 1, got " + dataBlockCount);
        }
        return new Geometry(blockSizeBytes, dataBlockCount, placement);
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
     * Interleaved placement: the most data blocks whose whole layout (superblock, groups, backup
     * superblock) fits in {@code deviceSizeBytes}; 0 when not even one data block fits.
     *
     * <p>Worked example, 1 MiB with 512-byte blocks: 2048 blocks, 2046 after the two superblocks;
     * 31 full groups of 64 blocks use 1984, the remaining 62 hold a pair and 60 data blocks:
     * 31 × 62 + 60 = 1982 data blocks, no block left over.
     */
    public static long dataBlocksFitting(long deviceSizeBytes, int blockSizeBytes) {
        int tuples = tuplesPerGroup(blockSizeBytes);
        long available = Math.max(0, deviceSizeBytes) / blockSizeBytes - 2;
        long stride = tuples + 2L;
        if (available < 3) {
            return 0;
        }
        long fullGroups = available / stride;
        long rest = available % stride;
        return fullGroups * tuples + Math.max(0, rest - 2);
    }

    /**
     * The most data blocks for {@code placement} on a data device of {@code deviceSizeBytes}
     * (separate placement: every block but the superblock; the metadata device is sized from the result).
     */
    public static long dataBlocksFitting(long deviceSizeBytes, int blockSizeBytes, MetadataPlacement placement) {
        if (placement == MetadataPlacement.INTERLEAVED) {
            return dataBlocksFitting(deviceSizeBytes, blockSizeBytes);
        }
        requireBlockSize(blockSizeBytes);
        return Math.max(0, Math.max(0, deviceSizeBytes) / blockSizeBytes - 1);
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

    /** Byte offset of the backup superblock: the last block of the metadata file's minimum size. */
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
        return (x + y - 1) / y;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Geometry g && g.blockSizeBytes == blockSizeBytes
                && g.dataBlockCount == dataBlockCount && g.placement == placement;
    }

    @Override
    public int hashCode() {
        return Objects.hash(blockSizeBytes, dataBlockCount, placement);
    }

    @Override
    public String toString() {
        return "Geometry[" + placement.name().toLowerCase(java.util.Locale.ROOT) + ", " + blockSizeBytes + "-byte blocks, "
                + dataBlockCount + " data blocks, " + groupCount + " groups of " + tuplesPerGroup + "]";
    }
}
