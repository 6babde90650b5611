package dev.csum.testkit;

/**
 * An ordering bug the engine can be told to commit, to show that a test (the torture run above all)
 * catches it: the harness must bite (docs/RELIABILITY.md §3). Each is one volume's setting
 * ({@link SimulationOptions#withHarnessFault}, {@link TortureOptions#withHarnessFault}); other
 * volumes of the JVM are unaffected. Never set outside such a test.
 */
public enum HarnessFault {
    /** The engine is correct. */
    NONE,
    /**
     * A commit's data writes are issued together with its log record instead of after the record
     * completed: after a power loss a block may hold data whose tuple never reached the log.
     */
    DATA_BEFORE_RECORD,
    /**
     * The log's tail moves past checkpointed entries as soon as both imd copies were written, before
     * the checkpoint's sync completed: a power loss may then drop the checkpoint writes while the
     * log already forgot the entries they held.
     */
    TRIM_BEFORE_DURABLE,
    /**
     * The log reuses the blocks of records its tail passed as soon as the tail moves, before a record
     * carrying the new tail is durable: a power loss may then leave recovery starting from the older
     * tail with a hole torn in what it replays, and recover a block to an older logged tuple.
     */
    REUSE_BEFORE_TAIL_DURABLE
}
