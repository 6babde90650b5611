package dev.csum.engine;

import java.io.IOException;

/**
 * The engine's failure of a request whose data (or the metadata describing it) did not match its
 * stored checksum, even after one re-read. The API above turns it into its own exception for the
 * caller; it carries what that needs.
 */
public final class ChecksumMismatchException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String reason;
    private final long requestOffsetBytes;
    private final long[] badBlocks;
    private final int blockSizeBytes;

    /**
     * @param reason what failed, for example "checksum mismatch reading 8192 bytes at offset 0"
     * @param requestOffsetBytes byte offset in the volume of the request that failed
     * @param badBlocks the logical block numbers that failed, ascending
     * @param blockSizeBytes the volume's block size
     */
    ChecksumMismatchException(String reason, long requestOffsetBytes, long[] badBlocks, int blockSizeBytes) {
        super(reason + " (" + badBlocks.length + " bad block(s))");
        this.reason = reason;
        this.requestOffsetBytes = requestOffsetBytes;
        this.badBlocks = badBlocks.clone();
        this.blockSizeBytes = blockSizeBytes;
    }

    public String reason() {
        return reason;
    }

    public long requestOffsetBytes() {
        return requestOffsetBytes;
    }

    /** The logical block numbers that failed, ascending (a copy). */
    public long[] badBlocks() {
        return badBlocks.clone();
    }

    public int blockSizeBytes() {
        return blockSizeBytes;
    }
}
