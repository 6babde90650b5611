package dev.csum.engine;

import java.lang.foreign.MemorySegment;

/**
 * The log records being written ({@link TupleLog}): a fixed number of slots, each with its buffer
 * (carved once from the log's slab) and what its completion needs — the record's sequence, length,
 * place, the tail it carries and the group commits it holds. Event-loop only; no allocation after
 * construction.
 */
final class RecordSlots {
    private final MemorySegment[] buffers;
    private final long[] sequence;
    private final long[] lengthBytes;
    private final long[] startBlock;
    private final long[] carriedTail;
    private final GroupState[] groups;
    private final boolean[] busy;
    private int inFlight;

    /** {@code slotCount} slots of {@code slotBytes}, from the start of {@code slab}. */
    RecordSlots(MemorySegment slab, int slotCount, long slotBytes) {
        buffers = new MemorySegment[slotCount];
        for (int i = 0; i < slotCount; i++) {
            buffers[i] = slab.asSlice(i * slotBytes, slotBytes);
        }
        sequence = new long[slotCount];
        lengthBytes = new long[slotCount];
        startBlock = new long[slotCount];
        carriedTail = new long[slotCount];
        groups = new GroupState[slotCount];
        busy = new boolean[slotCount];
    }

    int inFlight() {
        return inFlight;
    }

    boolean full() {
        return inFlight == buffers.length;
    }

    /** A free slot's number (one must be free: check {@link #full()}). */
    int free() {
        for (int i = 0; i < buffers.length; i++) {
            if (!busy[i]) {
                return i;
            }
        }
        throw new IllegalStateException("no free record slot with " + inFlight + " in flight");
    }

    MemorySegment buffer(int slot) {
        return buffers[slot];
    }

    /** Slot {@code slot} now holds a record being written. */
    void take(int slot, long recordSequence, long recordLengthBytes, long recordStartBlock, long recordCarriedTail,
              GroupState firstCommit) {
        assert !busy[slot] : "record slot " + slot + " taken twice";
        busy[slot] = true;
        sequence[slot] = recordSequence;
        lengthBytes[slot] = recordLengthBytes;
        startBlock[slot] = recordStartBlock;
        carriedTail[slot] = recordCarriedTail;
        groups[slot] = firstCommit;
        inFlight++;
    }

    /** The record's write completed: frees the slot and returns the first group commit it held (null: none). */
    GroupState release(int slot) {
        GroupState first = groups[slot];
        groups[slot] = null;
        busy[slot] = false;
        inFlight--;
        return first;
    }

    long sequence(int slot) {
        return sequence[slot];
    }

    long lengthBytes(int slot) {
        return lengthBytes[slot];
    }

    long startBlock(int slot) {
        return startBlock[slot];
    }

    long carriedTail(int slot) {
        return carriedTail[slot];
    }
}
