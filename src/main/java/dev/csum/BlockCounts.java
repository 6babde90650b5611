package dev.csum;

/**
 * What {@link Volume#countBlocks()} found: every block by the state of its tuple, and the state of
 * the metadata.
 *
 * @param writtenBlocks blocks written (their tuple holds a checksum)
 * @param neverWrittenBlocks blocks never written since format (they read as zeros)
 * @param discardedBlocks blocks discarded or zeroed ({@link Volume#discard}, {@link Volume#writeZeroes};
 *     they read as zeros)
 * @param groupsWithDifferingCopies groups whose two metadata copies differed when read (one damaged,
 *     stale, or left different) and were not rewritten since; a writable open rewrites them as it
 *     checkpoints, {@code csum scrub --repair-metadata} does it at once
 * @param damagedGroups groups whose two metadata copies are both unusable: their blocks read as
 *     integrity errors and are in none of the block counts
 * @param logLiveFraction the live share of the tuple log (entries not yet checkpointed into the
 *     metadata pairs), 0 to 1; NaN on a volume open read-only (it writes no log)
 * @param logGroupsReplayed groups whose tuples this open's recovery took from the tuple log: on a
 *     read-only open, the groups whose metadata pairs on the media lag the log (0 after a clean close),
 *     which the counts include and a writable open would rewrite
 * @param seconds how long the count took
 */
public record BlockCounts(long writtenBlocks, long neverWrittenBlocks, long discardedBlocks,
                          long groupsWithDifferingCopies, long damagedGroups, double logLiveFraction,
                          long logGroupsReplayed, double seconds) {
    /**
     * Blocks that hold no written data.
     *
     * @return never-written plus discarded blocks
     */
    public long unwrittenBlocks() {
        return neverWrittenBlocks + discardedBlocks;
    }
}
