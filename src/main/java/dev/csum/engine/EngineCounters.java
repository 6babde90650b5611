package dev.csum.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The engine's counters: written by the event loop only, read by any thread.
 *
 * <p>Single writer, as Agrona's counters: the loop reads its own last value plainly and publishes
 * the new one with a <em>release</em> store ({@link #add}); a reader loads with <em>acquire</em>
 * ({@link #get}), which pairs with that release, so a reader that sees a count also sees everything
 * the loop did before it. A release store is a plain store on x86 (no fence), where the volatile
 * {@code ++} this replaces cost a locked instruction per increment on the completion path. Each
 * value is individually consistent; a snapshot of several is not atomic.
 */
public final class EngineCounters {
    static final int READS = 0;
    static final int WRITES = 1;
    static final int FLUSHES = 2;
    static final int BYTES_READ = 3;
    static final int BYTES_WRITTEN = 4;
    static final int MISMATCHES = 5;
    static final int RECHECK_RECOVERIES = 6;
    static final int METADATA_FALLBACKS = 7;
    /** imd pairs read a second time because the first read was not two VALID copies. */
    static final int IMD_CONFIRM_READS = 8;
    static final int IMD_CACHE_HITS = 9;
    static final int IMD_CACHE_MISSES = 10;
    static final int IMD_COMMITS = 11;
    /** A gauge, not a count: requests started and not yet completed. */
    static final int REQUESTS_IN_FLIGHT = 12;
    static final int CALLBACK_FAILURES = 13;
    /** Groups a read-only session found with copies a writable one would rewrite (damaged, stale, or left different by a crash). */
    static final int IMD_REPAIRS_DEFERRED = 14;
    /** Checkpoint writes (or their syncs) that failed; the volume went on, its log not trimmed past them. */
    static final int IMD_REPAIR_FAILURES = 15;
    /*
     * Device operations: counted when the engine hands them to the port (Engine.prepare), data and
     * metadata devices together, whatever their outcome. I/O outside the engine is not counted: the
     * superblock reads at open (and, for a writable open of a volume whose primary superblock was
     * damaged, its restore from the backup) run before the engine exists.
     */
    static final int DEVICE_READS = 16;
    static final int DEVICE_WRITES = 17;
    static final int DEVICE_BYTES_READ = 18;
    static final int DEVICE_BYTES_WRITTEN = 19;
    /** fdatasyncs of a device: one per device for a flush request and for the close's final sync. */
    static final int DEVICE_FLUSHES = 20;
    /** Tuple-log records written. */
    static final int LOG_RECORDS = 21;
    /** Entries in the tuple-log records written (one per block written). */
    static final int LOG_ENTRIES = 22;
    /** imd copies written by checkpoints (two per group checkpointed). */
    static final int CHECKPOINT_WRITES = 23;
    /** Checkpoint rounds completed (each ends with a sync of the devices). */
    static final int CHECKPOINT_ROUNDS = 24;
    /** Discard and write-zeroes requests completed. */
    static final int DISCARDS = 25;
    /** Bytes of successful discards and write-zeroes. */
    static final int BYTES_DISCARDED = 26;
    /** Punches (discard, write-zeroes) submitted to the data device. */
    static final int DEVICE_PUNCHES = 27;
    /** Punches the device refused where nothing depends on them (a volume without {@code DATA_ZEROED}). */
    static final int PUNCHES_REFUSED = 28;
    /** Dirty groups the imd cache evicted by parking their dirty tuples instead of checkpointing them first. */
    static final int GROUPS_PARKED = 29;
    /** Parked groups loaded again by the reloader (log pressure, close) so a checkpoint can write them. */
    static final int PARKED_RELOADS = 30;
    /** Close's last log record written again because it did not read back intact. */
    static final int CLOSE_RECORDS_REWRITTEN = 31;
    /** Commits of groups whose imd pair was not in the cache and was not read first (pair-less). */
    static final int PAIRLESS_COMMITS = 32;
    /** Pairs of pair-less groups read in place (a read, count or checkpoint needed the group's other tuples). */
    static final int PAIRLESS_LOADS = 33;
    /** Nanoseconds checkpoint rounds were in progress (from a round's start to its closing sync's completion). */
    static final int CHECKPOINT_NANOS = 34;
    /** Nanoseconds of those spent waiting for the rounds' syncs (data syncs, copy barriers, closing syncs). */
    static final int CHECKPOINT_SYNC_NANOS = 35;
    private static final int COUNTERS = 36;

    private static final VarHandle VALUE = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] values = new long[COUNTERS];

    /** Event loop only: adds {@code delta} (release store: see the class comment). */
    void add(int counter, long delta) {
        VALUE.setRelease(values, counter, values[counter] + delta);
    }

    /** Event loop only: adds one. */
    void increment(int counter) {
        add(counter, 1);
    }

    /** Event loop only: sets a gauge (release store). */
    void set(int counter, long value) {
        VALUE.setRelease(values, counter, value);
    }

    /** Any thread: the counter's latest published value (acquire load, pairs with the loop's release). */
    long get(int counter) {
        return (long) VALUE.getAcquire(values, counter);
    }

    public long reads() { return get(READS); }
    public long writes() { return get(WRITES); }
    public long flushes() { return get(FLUSHES); }
    public long bytesRead() { return get(BYTES_READ); }
    public long bytesWritten() { return get(BYTES_WRITTEN); }
    public long mismatches() { return get(MISMATCHES); }
    public long recheckRecoveries() { return get(RECHECK_RECOVERIES); }
    public long metadataFallbacks() { return get(METADATA_FALLBACKS); }
    public long imdConfirmReads() { return get(IMD_CONFIRM_READS); }
    public long imdCacheHits() { return get(IMD_CACHE_HITS); }
    public long imdCacheMisses() { return get(IMD_CACHE_MISSES); }
    public long imdCommits() { return get(IMD_COMMITS); }
    public long requestsInFlight() { return get(REQUESTS_IN_FLIGHT); }
    public long callbackFailures() { return get(CALLBACK_FAILURES); }
    public long imdRepairsDeferred() { return get(IMD_REPAIRS_DEFERRED); }
    public long imdRepairFailures() { return get(IMD_REPAIR_FAILURES); }
    public long deviceReads() { return get(DEVICE_READS); }
    public long deviceWrites() { return get(DEVICE_WRITES); }
    public long deviceBytesRead() { return get(DEVICE_BYTES_READ); }
    public long deviceBytesWritten() { return get(DEVICE_BYTES_WRITTEN); }
    public long deviceFlushes() { return get(DEVICE_FLUSHES); }
    public long discards() { return get(DISCARDS); }
    public long bytesDiscarded() { return get(BYTES_DISCARDED); }
    public long devicePunches() { return get(DEVICE_PUNCHES); }
    public long punchesRefused() { return get(PUNCHES_REFUSED); }
    public long logRecords() { return get(LOG_RECORDS); }
    public long logEntries() { return get(LOG_ENTRIES); }
    public long checkpointWrites() { return get(CHECKPOINT_WRITES); }
    public long checkpointRounds() { return get(CHECKPOINT_ROUNDS); }
    public long groupsParked() { return get(GROUPS_PARKED); }
    public long parkedReloads() { return get(PARKED_RELOADS); }
    public long closeRecordsRewritten() { return get(CLOSE_RECORDS_REWRITTEN); }
    public long pairlessCommits() { return get(PAIRLESS_COMMITS); }
    public long pairlessLoads() { return get(PAIRLESS_LOADS); }
    public long checkpointNanos() { return get(CHECKPOINT_NANOS); }
    public long checkpointSyncNanos() { return get(CHECKPOINT_SYNC_NANOS); }
}
