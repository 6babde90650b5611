package dev.csum.engine;

import java.lang.foreign.MemorySegment;

/**
 * The part of a request that falls in one group (the seed's "nice bio"): a contiguous run of blocks
 * covered by one imd pair, so it needs one data I/O and at most one imd pair. Pooled.
 */
final class Piece {
    Request request;
    GroupState group;
    /** Index in the group of the first block. */
    int firstIndex;
    int blockCount;
    long firstBlock;
    /** Index in the request of the first block (into its buffer, checksums and tags). */
    int firstBlockInRequest;
    /** This piece's part of the request buffer. */
    MemorySegment data;
    boolean dataDone;
    /** The group's imd pair could not be read: finish with the request's failure when the data arrives. */
    boolean groupFailed;
    /** Blocks that failed the first verification, counted as recoveries if the re-read verifies. */
    int mismatchesBeforeRecheck;
    /** For reads: the group's {@link GroupState#commitsCompleted} when the data read or re-read was issued. */
    int commitsAtIssue;
    MemorySegment recheckBuffer;
    /** A read verified against the dense tuple cache ({@link DenseTuples}): {@link #group} is null. */
    boolean dense;
    /** A read the dense cache did not verify: routed through the imd cache, never the dense one again. */
    boolean denseRefused;
    /** Next piece in whichever group list holds this one (waiters, pending writes, commit, fenced re-reads). */
    Piece next;

    void reset() {
        request = null;
        group = null;
        firstIndex = 0;
        blockCount = 0;
        firstBlock = 0;
        firstBlockInRequest = 0;
        data = null;
        dataDone = false;
        groupFailed = false;
        mismatchesBeforeRecheck = 0;
        commitsAtIssue = 0;
        recheckBuffer = null;
        dense = false;
        denseRefused = false;
        next = null;
    }

    long lengthBytes(int blockSizeBytes) {
        return (long) blockCount * blockSizeBytes;
    }
}
