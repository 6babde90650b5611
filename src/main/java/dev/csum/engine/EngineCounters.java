package dev.csum.engine;

/**
 * Counters written by the event loop only and read by any thread (single writer: plain increments
 * published with release stores through volatile fields).
 */
public final class EngineCounters {
    volatile long reads;
    volatile long writes;
    volatile long flushes;
    volatile long bytesRead;
    volatile long bytesWritten;
    volatile long mismatches;
    volatile long recheckRecoveries;
    volatile long metadataFallbacks;
    /** imd pairs read a second time because the first read was not two VALID copies. */
    volatile long imdConfirmReads;
    volatile long imdCacheHits;
    volatile long imdCacheMisses;
    volatile long imdCommits;
    volatile long requestsInFlight;
    volatile long callbackFailures;
    /** Groups a read-only session found with copies a writable one would rewrite (damaged, stale, or left different by a crash). */
    volatile long imdRepairsDeferred;
    /** Metadata repairs (settles: rewrites with no new tuples) whose write failed; the volume went on. */
    volatile long imdRepairFailures;

    public long reads() { return reads; }
    public long writes() { return writes; }
    public long flushes() { return flushes; }
    public long bytesRead() { return bytesRead; }
    public long bytesWritten() { return bytesWritten; }
    public long mismatches() { return mismatches; }
    public long recheckRecoveries() { return recheckRecoveries; }
    public long metadataFallbacks() { return metadataFallbacks; }
    public long imdConfirmReads() { return imdConfirmReads; }
    public long imdCacheHits() { return imdCacheHits; }
    public long imdCacheMisses() { return imdCacheMisses; }
    public long imdCommits() { return imdCommits; }
    public long requestsInFlight() { return requestsInFlight; }
    public long callbackFailures() { return callbackFailures; }
    public long imdRepairsDeferred() { return imdRepairsDeferred; }
    public long imdRepairFailures() { return imdRepairFailures; }
}
