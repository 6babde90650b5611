package dev.csum.engine;

/**
 * Receives what a {@link Request#COUNT} request counted, on the event loop, just before its callback
 * runs: the callback object of a count request implements this (the engine holds callbacks as opaque
 * objects, so it asks for this interface and nothing of the API).
 */
public interface TupleTally {
    /**
     * One count request's tallies.
     *
     * @param writtenBlocks blocks whose tuple is written
     * @param neverWrittenBlocks blocks never written since format
     * @param discardedBlocks blocks discarded or zeroed (tuple flag bit 1)
     * @param groupsWithDifferingCopies groups of the range whose two imd copies differed when loaded
     *     (one damaged, stale, or left different) and were not rewritten since
     * @param damagedGroups groups whose two copies are both unusable: their blocks are not counted
     * @param logLiveFraction the live share of the tuple log when the request started, or -1 when the
     *     volume is read-only (no log is written)
     * @param logGroupsReplayed groups whose tuples the open's recovery took from the log (on a read-only
     *     open: groups whose pairs on the media lag the log, which a writable open would rewrite)
     */
    void add(long writtenBlocks, long neverWrittenBlocks, long discardedBlocks, long groupsWithDifferingCopies,
             long damagedGroups, double logLiveFraction, long logGroupsReplayed);
}
