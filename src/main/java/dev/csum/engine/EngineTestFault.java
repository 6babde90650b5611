package dev.csum.engine;

/**
 * Ordering bugs the engine can be told to commit, so that a test can show the torture harness
 * catches them (the harness must bite). Never set outside tests.
 */
public enum EngineTestFault {
    /** The engine is correct. */
    NONE,
    /** A commit's data writes are issued with its log record, not after the record completed. */
    DATA_BEFORE_RECORD,
    /** The log's tail moves past checkpointed entries before the checkpoint's sync completed. */
    TRIM_BEFORE_DURABLE,
    /** The log reuses the blocks of records the tail passed before a record carrying that tail is durable. */
    REUSE_BEFORE_TAIL_DURABLE
}
