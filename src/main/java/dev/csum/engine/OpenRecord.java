package dev.csum.engine;

/**
 * The log's open record: group commits waiting to be sealed into the next record, in the order they
 * joined (FIFO through {@link GroupState#nextInRecord}). A commit's entries are its pieces' blocks
 * ({@link GroupState#commitEntries}); a record takes commits from the front while their entries fit.
 *
 * <p>Event-loop only; no allocation.
 */
final class OpenRecord {
    private GroupState head;
    private GroupState tail;

    boolean isEmpty() {
        return head == null;
    }

    /** A group commit is ready (its tuples in {@code state.commitPieces}): it joins at the back. */
    void add(GroupState state) {
        assert state.nextInRecord == null && tail != state : "group already in a record";
        state.commitEntries = 0;
        for (Piece piece = state.commitPieces.head; piece != null; piece = piece.next) {
            state.commitEntries += piece.blockCount;
        }
        if (tail == null) {
            head = state;
        } else {
            tail.nextInRecord = state;
        }
        tail = state;
    }

    /** Takes {@code state}'s commit back out (it was never sealed, so nothing of it was written). */
    void withdraw(GroupState state) {
        GroupState previous = null;
        for (GroupState at = head; at != null; previous = at, at = at.nextInRecord) {
            if (at == state) {
                if (previous == null) {
                    head = state.nextInRecord;
                } else {
                    previous.nextInRecord = state.nextInRecord;
                }
                if (tail == state) {
                    tail = previous;
                }
                state.nextInRecord = null;
                return;
            }
        }
        throw new AssertionError("group " + state.group + " is not in the open record");
    }

    /**
     * The entries of the commits from the front whose entries together fit {@code maxEntries}: the
     * next record's, for {@link #take}. Never 0 while a commit waits (one group's commit always fits).
     */
    int entriesFitting(int maxEntries) {
        int entries = 0;
        for (GroupState state = head; state != null && entries + state.commitEntries <= maxEntries;
             state = state.nextInRecord) {
            entries += state.commitEntries;
        }
        assert head == null || entries > 0 : "one group's commit always fits a record";
        return entries;
    }

    /**
     * Takes the commits from the front that hold {@code entries} entries (as {@link #entriesFitting}
     * counted them) and returns the first; the taken chain ends with null.
     */
    GroupState take(int entries) {
        GroupState first = head;
        GroupState last = head;
        int taken = last.commitEntries;
        while (taken < entries) {
            last = last.nextInRecord;
            taken += last.commitEntries;
        }
        assert taken == entries : "commits taken hold " + taken + " entries, asked " + entries;
        head = last.nextInRecord;
        last.nextInRecord = null;
        if (head == null) {
            tail = null;
        }
        return first;
    }

    /** Takes every commit waiting and returns the first (null when none); the chain ends with null. */
    GroupState takeAll() {
        GroupState first = head;
        head = null;
        tail = null;
        return first;
    }
}
