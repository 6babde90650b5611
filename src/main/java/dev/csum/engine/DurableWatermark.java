package dev.csum.engine;

/**
 * The tuple log's durable watermark (DURABILITY.md): which records have completed all their
 * commits, so that a flush issued now covers them, and the highest sequence a completed flush did
 * cover, carried by every later record. A record is <em>outstanding</em> from sealing until every
 * group commit in it has completed its data writes. Event-loop only.
 */
final class DurableWatermark {
    /** Commits not yet completed per outstanding record, ring indexed by sequence from {@link #oldestOutstanding}. */
    private int[] outstandingCommits = new int[64];
    private long oldestOutstanding;
    /** One past the last sealed record's sequence. */
    private long nextSequence;
    private long durableWatermark;
    private boolean frozen;

    DurableWatermark(long firstSequence, long durableWatermark) {
        this.oldestOutstanding = firstSequence;
        this.nextSequence = firstSequence;
        this.durableWatermark = durableWatermark;
    }

    /** Record {@code sequence} (the next one) was sealed with {@code commits} group commits. */
    void onSealed(long sequence, int commits) {
        assert sequence == nextSequence : "records sealed out of order";
        nextSequence = sequence + 1;
        long span = sequence - oldestOutstanding + 1;
        if (span > outstandingCommits.length) {
            int[] grown = new int[Integer.highestOneBit((int) span) << 1];
            for (long s = oldestOutstanding; s < sequence; s++) {
                grown[(int) (s & (grown.length - 1))] = outstandingCommits[(int) (s & (outstandingCommits.length - 1))];
            }
            outstandingCommits = grown;
        }
        outstandingCommits[(int) (sequence & (outstandingCommits.length - 1))] = commits;
        retireCompleted();
    }

    /** A group commit of record {@code sequence} completed (its data writes done or failed). */
    void onCommitDone(long sequence) {
        int index = (int) (sequence & (outstandingCommits.length - 1));
        assert sequence >= oldestOutstanding && outstandingCommits[index] > 0 : "commit done twice for " + sequence;
        outstandingCommits[index]--;
        retireCompleted();
    }

    private void retireCompleted() {
        while (oldestOutstanding < nextSequence
                && outstandingCommits[(int) (oldestOutstanding & (outstandingCommits.length - 1))] == 0) {
            oldestOutstanding++;
        }
    }

    /**
     * The highest sequence such that every record at or below it has completed all its writes: a
     * flush issued now makes them durable.
     */
    long completedThrough() {
        return oldestOutstanding - 1;
    }

    /** A flush that covered everything through {@code watermark} completed. */
    void onFlushDurable(long watermark) {
        if (!frozen) {
            durableWatermark = Math.max(durableWatermark, watermark);
        }
    }

    /** A record write failed: the watermark stays where it is for the rest of the session. */
    void freeze() {
        frozen = true;
    }

    long value() {
        return durableWatermark;
    }
}
