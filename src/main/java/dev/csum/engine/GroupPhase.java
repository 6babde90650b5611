package dev.csum.engine;

/**
 * The three state machines of a cached group ({@link GroupState}): its imd pair's load, its commit
 * and its checkpoint. They run side by side (a checkpoint may run while a commit is in flight); each
 * moves only along the transitions {@code canMoveTo} allows, and {@link GroupState#assertInvariants}
 * checks how they combine at every move.
 */
final class GroupPhase {
    private GroupPhase() {
    }

    /** The imd pair in the cache slot. */
    enum Load {
        /** The slot holds no group (new, or its load failed and it was discarded). */
        UNASSIGNED,
        /**
         * Assigned without reading the pair (a write to a group the cache did not hold): the committed
         * half holds only the tuples commits wrote since (its dirty tuples), zeros elsewhere. Commits run;
         * reads, counts and checkpoints first load the pair in place, which applies the dirty tuples over
         * it ({@link GroupParking#loadInPlace}). design/TUPLE_LOG.md §4.3.
         */
        PAIRLESS,
        /** The pair's first read is in flight. */
        LOADING,
        /** The pair was not two VALID copies: the second read of its suspect copies is in flight. */
        CONFIRMING,
        /**
         * Loaded, on a version 1 volume (read-only): two valid copies whose tuples differ (a crash
         * state): reads accept either.
         */
        DUAL,
        /** Loaded; one set of tuples describes the group. */
        LOADED,
        /** Loaded; neither copy is valid: reads and writes of the group fail with an integrity error. */
        DAMAGED;

        boolean canMoveTo(Load to) {
            return switch (this) {
                case UNASSIGNED -> to == LOADING || to == PAIRLESS;
                case PAIRLESS -> to == LOADING;
                case LOADING -> to == CONFIRMING || to == DUAL || to == LOADED || to == DAMAGED || to == UNASSIGNED;
                case CONFIRMING -> to == DUAL || to == LOADED || to == DAMAGED || to == UNASSIGNED;
                case DUAL, LOADED, DAMAGED -> false; // only reassignment leaves them (GroupState.assign)
            };
        }
    }

    /** The group's commit: its tuples go through the log record, then its data writes. */
    enum Commit {
        NONE,
        /** Waiting in the log's open record. */
        IN_OPEN_RECORD,
        /** Its record is sealed and being written. */
        RECORD_IN_FLIGHT,
        /** Its record completed; its data writes are in flight. */
        DATA_IN_FLIGHT,
        /** Strict mode: its data writes completed; it waits for the data device's sync. */
        AWAITING_SYNC;

        boolean canMoveTo(Commit to) {
            return switch (this) {
                case NONE -> to == IN_OPEN_RECORD;
                case IN_OPEN_RECORD -> to == RECORD_IN_FLIGHT || to == NONE; // NONE: failed, never logged
                // NONE or AWAITING_SYNC straight from the record: it failed, or (test fault) its data went first
                case RECORD_IN_FLIGHT -> to == DATA_IN_FLIGHT || to == NONE || to == AWAITING_SYNC;
                case DATA_IN_FLIGHT -> to == NONE || to == AWAITING_SYNC;
                case AWAITING_SYNC -> to == NONE;
            };
        }
    }

    /** The group's checkpoint: both imd copies, then the round's sync. */
    enum Checkpoint {
        IDLE,
        /** In a round, waiting for a checkpoint buffer. */
        QUEUED,
        /** The snapshot is being written over the older copy's slot. */
        FIRST_COPY,
        /** The first copy is whole; the snapshot is being written over the other slot. */
        SECOND_COPY,
        /** Both writes done (or one failed); waiting for the round's sync. */
        AWAITING_SYNC;

        boolean canMoveTo(Checkpoint to) {
            return switch (this) {
                case IDLE -> to == QUEUED;
                case QUEUED -> to == FIRST_COPY;
                case FIRST_COPY -> to == SECOND_COPY || to == AWAITING_SYNC;
                case SECOND_COPY -> to == AWAITING_SYNC;
                case AWAITING_SYNC -> to == IDLE;
            };
        }
    }
}
