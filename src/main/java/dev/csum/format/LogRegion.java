package dev.csum.format;

/**
 * Where the tuple log's records go (docs/FORMAT.md §2.3, §8): the region on the metadata device (the
 * device, interleaved) and the <em>log blocks</em> it is cut into, the unit of every record's place
 * and length. A log block is 512 bytes on a volume with {@link Superblock#FLAG_LOG_SECTORS}, else a
 * block of the volume; the region is the same either way.
 *
 * @param offsetBytes byte offset of the region's first log block on the metadata device, a multiple of {@code blockBytes}
 * @param blockBytes  bytes of one log block: 512, or the volume's block size
 * @param blockCount  log blocks in the region
 */
public record LogRegion(long offsetBytes, int blockBytes, long blockCount) {

    public LogRegion {
        if (Integer.bitCount(blockBytes) != 1 || blockBytes < Superblock.MIN_BLOCK_BYTES || offsetBytes % blockBytes != 0
                || blockCount < 0) {
            throw new IllegalArgumentException("log region at byte " + offsetBytes + " of " + blockCount + " blocks of "
                + blockBytes + " bytes");
        }
    }

    /** Byte offset on the metadata device of the region's log block {@code block}. */
    public long blockOffsetBytes(long block) {
        return offsetBytes + block * blockBytes;
    }

    /**
     * Why direct I/O of {@code alignmentBytes} cannot write log blocks of {@code logBlockBytes}, or
     * null when it can: the one wording of format's and open's refusal.
     */
    public static String unalignedReason(int logBlockBytes, int alignmentBytes) {
        return alignmentBytes <= logBlockBytes ? null : "log blocks of " + logBlockBytes + " bytes need " + logBlockBytes
            + "-byte direct I/O; the metadata device needs " + alignmentBytes + "-byte alignment";
    }

    /** Bytes of the whole region. */
    public long lengthBytes() {
        return blockCount * blockBytes;
    }
}
