package dev.csum.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/** Helpers shared by the simulated-disk tests: aligned buffers, patterns, and driving a port to idle. */
final class SimHarness {

    static final int SECTOR = SimulatedDisk.SECTOR_SIZE_BYTES;

    /** A completion as the sink saw it. */
    record Completion(long userData, int result) {
    }

    private SimHarness() {
    }

    /** A native, 4096-aligned buffer of {@code bytes}, living as long as {@code arena}. */
    static MemorySegment buffer(Arena arena, long bytes) {
        return arena.allocate(bytes, 4096);
    }

    /** Fills {@code segment} with bytes derived from {@code seed} and the byte position (never all equal). */
    static MemorySegment fill(MemorySegment segment, int seed) {
        for (long i = 0; i < segment.byteSize(); i++) {
            segment.set(ValueLayout.JAVA_BYTE, i, (byte) (seed * 31 + i * 7 + (i >>> 9)));
        }
        return segment;
    }

    static byte[] bytes(MemorySegment segment) {
        return segment.toArray(ValueLayout.JAVA_BYTE);
    }

    static byte[] pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seed * 31 + i * 7 + (i >>> 9));
        }
        return bytes;
    }

    /** Submits and reaps until nothing is in flight; returns every completion in delivery order. */
    static List<Completion> drive(SimulatedDisk disk) {
        List<Completion> completions = new ArrayList<>();
        int rounds = 0;
        do {
            disk.submitAndReap(1, (userData, result) -> completions.add(new Completion(userData, result)));
            if (++rounds > 1_000_000) {
                throw new AssertionError("disk never went idle");
            }
        } while (disk.inFlight() > 0);
        return completions;
    }

    /** Result of the single completion with {@code userData}. */
    static int resultOf(List<Completion> completions, long userData) {
        int found = Integer.MIN_VALUE;
        for (Completion completion : completions) {
            if (completion.userData() == userData) {
                if (found != Integer.MIN_VALUE) {
                    throw new AssertionError("two completions for " + userData);
                }
                found = completion.result();
            }
        }
        if (found == Integer.MIN_VALUE) {
            throw new AssertionError("no completion for " + userData + " in " + completions);
        }
        return found;
    }

    /** Writes {@code data} at {@code offsetBytes} and drives the disk until it completed; returns the result. */
    static int write(SimulatedDisk disk, Arena arena, int fileIndex, long offsetBytes, byte[] data, int flags) {
        MemorySegment buffer = buffer(arena, data.length);
        MemorySegment.copy(data, 0, buffer, ValueLayout.JAVA_BYTE, 0, data.length);
        if (!disk.prepareWrite(fileIndex, offsetBytes, buffer, flags, 1)) {
            throw new AssertionError("queue full");
        }
        return resultOf(drive(disk), 1);
    }

    /** Reads {@code length} bytes; returns them, or throws with the errno when the read failed. */
    static byte[] read(SimulatedDisk disk, Arena arena, int fileIndex, long offsetBytes, int length) {
        MemorySegment buffer = buffer(arena, length);
        if (!disk.prepareRead(fileIndex, offsetBytes, buffer, 0, 2)) {
            throw new AssertionError("queue full");
        }
        int result = resultOf(drive(disk), 2);
        if (result != length) {
            throw new ReadFailed(result);
        }
        return bytes(buffer);
    }

    static int readResult(SimulatedDisk disk, Arena arena, int fileIndex, long offsetBytes, int length) {
        try {
            return read(disk, arena, fileIndex, offsetBytes, length).length;
        } catch (ReadFailed failed) {
            return failed.result;
        }
    }

    static int fsync(SimulatedDisk disk, int fileIndex) {
        if (!disk.prepareFsync(fileIndex, 0, 3)) {
            throw new AssertionError("queue full");
        }
        return resultOf(drive(disk), 3);
    }

    static byte[] raw(SimulatedDisk disk, int fileIndex, long offsetBytes, int length) {
        byte[] bytes = new byte[length];
        disk.readRaw(fileIndex, offsetBytes, bytes);
        return bytes;
    }

    static byte[] durable(SimulatedDisk disk, int fileIndex, long offsetBytes, int length) {
        byte[] bytes = new byte[length];
        disk.readDurable(fileIndex, offsetBytes, bytes);
        return bytes;
    }

    /** Thrown by {@link #read} when the read completed with something other than its length. */
    static final class ReadFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int result;

        ReadFailed(int result) {
            super("read completed with " + result);
            this.result = result;
        }
    }
}
