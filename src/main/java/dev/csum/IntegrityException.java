package dev.csum;

import java.io.IOException;
import java.util.Arrays;

/**
 * A read found data (or the metadata describing it) that does not match its stored checksum, even
 * after one re-read. The data was not returned.
 *
 * <p>A write fails with one too when both metadata copies of a block's group are damaged: without
 * them it cannot keep the group's checksums, so nothing of that group is written.
 *
 * <p>Names the request's byte offset and the logical block numbers that failed (block {@code n}
 * spans volume bytes {@code [n * blockSize, (n + 1) * blockSize)}).
 */
public final class IntegrityException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Byte offset in the volume of the request that failed. */
    private final long requestOffsetBytes;
    /** Logical block numbers that failed verification, ascending. */
    private final long[] badBlocks;
    /** The volume's block size in bytes. */
    private final int blockSizeBytes;

    /**
     * A failure naming its blocks. The volume makes these; the constructor is public for tests and
     * for code that wraps a volume.
     *
     * @param reason what failed, the start of the message (for example
     *     {@code "checksum mismatch reading 8192 bytes at offset 4096"})
     * @param requestOffsetBytes byte offset in the volume of the request that failed
     * @param badBlocks logical block numbers that failed verification, ascending (copied); the
     *     message lists the first eight with their byte offsets
     * @param blockSizeBytes the volume's block size in bytes, 512 or 4096
     * @throws NullPointerException when {@code reason} or {@code badBlocks} is null
     */
    public IntegrityException(String reason, long requestOffsetBytes, long[] badBlocks, int blockSizeBytes) {
        super(describe(reason, badBlocks, blockSizeBytes));
        this.requestOffsetBytes = requestOffsetBytes;
        this.badBlocks = badBlocks.clone();
        this.blockSizeBytes = blockSizeBytes;
    }

    private static String describe(String reason, long[] badBlocks, int blockSizeBytes) {
        StringBuilder text = new StringBuilder(reason).append(": block");
        if (badBlocks.length != 1) {
            text.append('s');
        }
        int shown = Math.min(badBlocks.length, 8);
        for (int i = 0; i < shown; i++) {
            text.append(i == 0 ? " " : ", ").append(badBlocks[i])
                .append(" (offset ").append(badBlocks[i] * blockSizeBytes).append(')');
        }
        if (shown < badBlocks.length) {
            text.append(" and ").append(badBlocks.length - shown).append(" more");
        }
        return text.toString();
    }

    /**
     * Where the failed request started.
     *
     * @return the byte offset in the volume of the request that failed
     */
    public long requestOffsetBytes() {
        return requestOffsetBytes;
    }

    /**
     * The blocks that failed.
     *
     * @return the logical block numbers that failed verification, ascending (a new array each call)
     */
    public long[] badBlocks() {
        return badBlocks.clone();
    }

    /**
     * Where the failed blocks are.
     *
     * @return the byte offsets in the volume of the failed blocks ({@code block * blockSizeBytes()}),
     *     ascending
     */
    public long[] badOffsetsBytes() {
        return Arrays.stream(badBlocks).map(block -> block * blockSizeBytes).toArray();
    }

    /**
     * The unit of {@link #badBlocks()}.
     *
     * @return the volume's block size in bytes, 512 or 4096
     */
    public int blockSizeBytes() {
        return blockSizeBytes;
    }
}
