package dev.csum;

import java.io.IOException;
import java.util.Arrays;

/**
 * A read found data (or the metadata describing it) that does not match its stored checksum, even
 * after one re-read. The data was not returned.
 *
 * <p>Names the request's byte offset and the logical block numbers that failed (block {@code n}
 * spans volume bytes {@code [n * blockSize, (n + 1) * blockSize)}).
 */
public final class IntegrityException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long requestOffsetBytes;
    private final long[] badBlocks;
    private final int blockSizeBytes;

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

    /** Byte offset in the volume of the read request that failed. */
    public long requestOffsetBytes() {
        return requestOffsetBytes;
    }

    /** Logical block numbers that failed verification, ascending. */
    public long[] badBlocks() {
        return badBlocks.clone();
    }

    /** Byte offsets in the volume of the failed blocks, ascending. */
    public long[] badOffsetsBytes() {
        return Arrays.stream(badBlocks).map(block -> block * blockSizeBytes).toArray();
    }

    public int blockSizeBytes() {
        return blockSizeBytes;
    }
}
