package dev.csum.torture;

/**
 * One read of the torture workload as the {@link ReferenceModel} and the {@link SeedChecker} see it:
 * the acceptable versions of its blocks, fixed at issue and widened by writes issued while it runs,
 * and what the model and the media said of each block when it was issued (the media may change while
 * it runs).
 */
final class ReadTicket {
    final long firstBlock;
    final int blockCount;
    final LongSet[] acceptable;
    /** Whether an integrity error was allowed on each block, for the version the media held at issue. */
    final boolean[] cacheErrorAllowedAtIssue;
    /** The documented-limit evidence of each block when the read was issued (see SeedChecker). */
    final boolean[] droppedAtIssue;
    final boolean[] staleExcusableAtIssue;
    final boolean[] metadataSuspectAtIssue;
    /** The version the media held when the read was issued (filled by the checker). */
    final long[] mediaVersionAtIssue;
    /** The versions that are discards or write-zeroes: their blocks hold zeros ({@link BlockPattern#ZEROS}). */
    private final java.util.BitSet zeroVersions;

    ReadTicket(long firstBlock, int blockCount, java.util.BitSet zeroVersions) {
        this.zeroVersions = zeroVersions;
        this.firstBlock = firstBlock;
        this.blockCount = blockCount;
        this.acceptable = new LongSet[blockCount];
        this.cacheErrorAllowedAtIssue = new boolean[blockCount];
        this.droppedAtIssue = new boolean[blockCount];
        this.staleExcusableAtIssue = new boolean[blockCount];
        this.metadataSuspectAtIssue = new boolean[blockCount];
        this.mediaVersionAtIssue = new long[blockCount];
    }

    /** Whether the block may read as {@code version} (decoded from its bytes: a discard's version reads as zeros). */
    boolean accepts(int index, long version) {
        return acceptable[index].contains(version)
            || (version == BlockPattern.ZEROS && ReferenceModel.anyZeroVersion(acceptable[index], zeroVersions));
    }

    LongSet acceptable(int index) {
        return acceptable[index];
    }
}
