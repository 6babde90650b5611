package dev.csum.io;

import java.lang.foreign.MemorySegment;

/**
 * The operation table of the {@link FileChannelIoPort}: one slot per operation that may be
 * outstanding ({@code 0..queueDepth-1}), as parallel arrays, so that an operation costs no object.
 * The slot number is what travels between the event loop and the workers.
 *
 * <p>Threading: the event loop writes a slot's operation fields before it queues the slot's chain to
 * the workers; a worker writes {@link #result} before it queues the slot back; the two queues'
 * monitors order each side's writes before the other side's reads ({@link ChannelWorkers}).
 */
final class PortableSlots {

    static final byte READ = 0;
    static final byte WRITE = 1;
    static final byte FSYNC = 2;
    /** A punch ({@link IoPort#preparePunch}): no buffer, its length in {@link #punchBytes}. */
    static final byte PUNCH = 3;
    /** The end of a chain in {@link #next}. */
    static final int NONE = -1;

    final byte[] opcode;
    final int[] fileIndex;
    final long[] offsetBytes;
    final MemorySegment[] buffer;    // null for an fsync, and once delivered
    final int[] flags;               // IoPort.FLAG_*; a chain's head also carries FLAG_DRAIN of any member
    final long[] userData;
    final int[] result;
    final int[] next;                // the next operation of the chain, or NONE
    final int[] chainLength;         // of a chain's head: how many operations the chain has
    final long[] punchBytes;         // a punch's length

    PortableSlots(int count) {
        opcode = new byte[count];
        fileIndex = new int[count];
        offsetBytes = new long[count];
        buffer = new MemorySegment[count];
        flags = new int[count];
        userData = new long[count];
        result = new int[count];
        next = new int[count];
        chainLength = new int[count];
        punchBytes = new long[count];
    }

    /** What io_uring counts as success for a link: no error, and a read or write moved every byte. */
    boolean completedInFull(int slot, int operationResult) {
        return operationResult >= 0 && (opcode[slot] == FSYNC || opcode[slot] == PUNCH
            || operationResult == buffer[slot].byteSize());
    }
}
