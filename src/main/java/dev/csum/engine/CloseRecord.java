package dev.csum.engine;

/**
 * Close's last log record ({@link TupleLog#writeCloseRecord}, {@link TupleLog#closeRecordVerified}):
 * the empty record that carries the session's last watermark, and the read-back that makes sure the
 * next open finds it. The open trusts the newest record it finds: had the device lost, misdirected or
 * torn the last one, an older head's tail and watermark would make recovery replay the session's last
 * writes as if they were in flight (torture seed 6317; 6301, 8927 with parking).
 *
 * <p>An explicit state machine: {@code IDLE} (nothing due; the session's last empty record, if any,
 * not read back yet) → {@code WRITE_DUE} (close asked for a record, or the read-back asked for a
 * rewrite) → {@code IDLE} once it is issued; {@code IDLE} → {@code VERIFYING} (the read-back in
 * flight) → {@code VERIFIED} (intact, or given up after {@link #ATTEMPTS} tries) or back to
 * {@code WRITE_DUE}; {@code WRITE_DUE} → {@code VERIFIED} when no record can be written (no room).
 * Each move is checked.
 *
 * <p>Event-loop only.
 */
final class CloseRecord {
    /** Times close writes its last record before it gives up making it read back intact. */
    static final int ATTEMPTS = 3;

    enum Phase { IDLE, WRITE_DUE, VERIFYING, VERIFIED }

    private Phase phase = Phase.IDLE;
    /** Close found nothing live in the log: the record's tail is itself. */
    private boolean clean;
    private int failedReadBacks;
    /** The last empty record this session issued: its sequence ({@link TupleLog#NONE}: none) and first block. */
    private long lastSequence = TupleLog.NONE;
    private long lastStartBlock;

    /** Close asks for its record; {@code nothingLive}: the log holds nothing to replay (then none is written). */
    void ask(boolean nothingLive) {
        assert phase == Phase.IDLE : "close asked twice: " + phase;
        clean = nothingLive;
        if (!nothingLive) {
            move(Phase.WRITE_DUE);
        }
    }

    /** Whether an empty record is due for close (the next tail record is it). */
    boolean due() {
        return phase == Phase.WRITE_DUE;
    }

    /** The due record is being issued; returns whether nothing is live (its tail must be itself). */
    boolean issue() {
        move(Phase.IDLE);
        return clean;
    }

    /** An empty record (a tail record, close's included) was issued at {@code startBlock}. */
    void emptyRecordIssued(long sequence, long startBlock) {
        lastSequence = sequence;
        lastStartBlock = startBlock;
    }

    /** Whether this session issued an empty record (one to read back). */
    boolean hasRecord() {
        return lastSequence != TupleLog.NONE;
    }

    long lastSequence() {
        return lastSequence;
    }

    long lastStartBlock() {
        return lastStartBlock;
    }

    void startReadBack() {
        move(Phase.VERIFYING);
    }

    boolean readingBack() {
        return phase == Phase.VERIFYING;
    }

    /**
     * The read-back completed; returns true when close's record is settled (intact, or given up after
     * {@link #ATTEMPTS} tries), false when another record is due.
     */
    boolean readBack(boolean intact) {
        if (intact || ++failedReadBacks >= ATTEMPTS) {
            move(Phase.VERIFIED);
            return true;
        }
        move(Phase.WRITE_DUE);
        return false;
    }

    /** The due record cannot be written (no room, nothing in flight to make some): the log stays as it is. */
    void giveUp() {
        move(Phase.VERIFIED);
    }

    boolean verified() {
        return phase == Phase.VERIFIED;
    }

    private void move(Phase to) {
        boolean allowed = switch (phase) {
            case IDLE -> to == Phase.WRITE_DUE || to == Phase.VERIFYING;
            case WRITE_DUE -> to == Phase.IDLE || to == Phase.VERIFIED;
            case VERIFYING -> to == Phase.VERIFIED || to == Phase.WRITE_DUE;
            case VERIFIED -> false;
        };
        if (!allowed) {
            throw new IllegalStateException("close record: " + phase + " -> " + to);
        }
        phase = to;
    }
}
