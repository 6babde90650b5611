package dev.csum.engine;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Descriptors of device operations, from creation until completion, indexed by a slot number that
 * travels to the device as the operation's user data.
 *
 * <p>An operation is created when the engine decides on it, waits in the ready FIFO while the
 * device is at its queue depth, then is prepared on the port. A linked pair (an operation flagged
 * {@link #linkedToNext}) is created as two consecutive entries and always prepared together, so a
 * link never attaches to an unrelated operation. Grows (rarely) by doubling; event-loop only.
 */
final class OpTable {
    static final byte DATA_READ = 1;
    static final byte RECHECK_READ = 2;
    static final byte IMD_LOAD = 3;
    static final byte LOG_WRITE = 4;
    static final byte DATA_WRITE = 5;
    // 6 was RESOLVE_READ (version 1 crash-state resolution, now done by convert)
    static final byte FSYNC = 7;
    static final byte CHECKPOINT_WRITE = 8;
    static final byte CHECKPOINT_SYNC = 9;
    static final byte STRICT_SYNC = 10;
    static final byte CEILING_WRITE = 11;
    /** A discard's or write-zeroes' punch of a piece's data range: {@link #aux} holds its length in bytes. */
    static final byte DATA_PUNCH = 12;
    /** Close's read-back of the log's last record ({@link TupleLog#closeRecordVerified}). */
    static final byte LOG_VERIFY = 13;

    static final byte READ_OP = 1;
    static final byte WRITE_OP = 2;
    static final byte FSYNC_OP = 3;
    static final byte PUNCH_OP = 4;

    byte[] kind;
    byte[] portOp;
    Object[] target;
    int[] aux;
    int[] fileIndex;
    long[] offsetBytes;
    MemorySegment[] buffer;
    int[] flags;
    /** Entry is the first of a linked pair: prepare it together with the next ready entry. */
    boolean[] linkedToNext;
    private int[] freeSlots;
    private int freeCount;
    private int[] ready;
    private int readyHead;
    private int readyCount;

    OpTable(int initialCapacity) {
        allocate(initialCapacity);
        for (int i = initialCapacity - 1; i >= 0; i--) {
            freeSlots[freeCount++] = i;
        }
    }

    private void allocate(int capacity) {
        kind = kind == null ? new byte[capacity] : Arrays.copyOf(kind, capacity);
        portOp = portOp == null ? new byte[capacity] : Arrays.copyOf(portOp, capacity);
        target = target == null ? new Object[capacity] : Arrays.copyOf(target, capacity);
        aux = aux == null ? new int[capacity] : Arrays.copyOf(aux, capacity);
        fileIndex = fileIndex == null ? new int[capacity] : Arrays.copyOf(fileIndex, capacity);
        offsetBytes = offsetBytes == null ? new long[capacity] : Arrays.copyOf(offsetBytes, capacity);
        buffer = buffer == null ? new MemorySegment[capacity] : Arrays.copyOf(buffer, capacity);
        flags = flags == null ? new int[capacity] : Arrays.copyOf(flags, capacity);
        linkedToNext = linkedToNext == null ? new boolean[capacity] : Arrays.copyOf(linkedToNext, capacity);
        freeSlots = freeSlots == null ? new int[capacity] : Arrays.copyOf(freeSlots, capacity);
        int[] newReady = new int[capacity];
        for (int i = 0; i < readyCount; i++) {
            newReady[i] = ready[(readyHead + i) % ready.length];
        }
        ready = newReady;
        readyHead = 0;
    }

    int capacity() {
        return kind.length;
    }

    /** Creates an operation and appends it to the ready FIFO; returns its slot. */
    int create(byte opKind, byte op, Object owner, int auxValue, int file, long offset,
               MemorySegment data, int opFlags) {
        if (freeCount == 0) {
            int old = capacity();
            allocate(old * 2);
            for (int i = old * 2 - 1; i >= old; i--) {
                freeSlots[freeCount++] = i;
            }
        }
        int slot = freeSlots[--freeCount];
        kind[slot] = opKind;
        portOp[slot] = op;
        target[slot] = owner;
        aux[slot] = auxValue;
        fileIndex[slot] = file;
        offsetBytes[slot] = offset;
        buffer[slot] = data;
        flags[slot] = opFlags;
        linkedToNext[slot] = false;
        ready[(readyHead + readyCount) % ready.length] = slot;
        readyCount++;
        return slot;
    }

    int readyCount() {
        return readyCount;
    }

    int peekReady(int position) {
        return ready[(readyHead + position) % ready.length];
    }

    int pollReady() {
        int slot = ready[readyHead];
        readyHead = (readyHead + 1) % ready.length;
        readyCount--;
        return slot;
    }

    void release(int slot) {
        target[slot] = null;
        buffer[slot] = null;
        freeSlots[freeCount++] = slot;
    }
}
