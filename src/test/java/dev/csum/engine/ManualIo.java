package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.Volume;
import dev.csum.internal.VolumeInternals;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * One request at a time on a manually driven volume (a simulated disk): issues it, runs the engine
 * until idle, and returns its failure (null on success). For tests of the engine's device traffic
 * and state, where each step must be complete before the next.
 */
final class ManualIo {
    private ManualIo() {
    }

    /** Writes {@code data} at {@code offsetBytes}. */
    static IOException write(Volume volume, long offsetBytes, MemorySegment data) throws IOException {
        Outcome outcome = new Outcome();
        volume.write(offsetBytes, data.byteSize(), data, null, outcome, 0);
        return finish(volume, outcome);
    }

    /** Reads {@code into.byteSize()} bytes at {@code offsetBytes} into {@code into}. */
    static IOException read(Volume volume, long offsetBytes, MemorySegment into) throws IOException {
        Outcome outcome = new Outcome();
        volume.read(offsetBytes, into.byteSize(), into, null, outcome, 0);
        return finish(volume, outcome);
    }

    static IOException flush(Volume volume) throws IOException {
        Outcome outcome = new Outcome();
        volume.flush(outcome, 0);
        return finish(volume, outcome);
    }

    private static IOException finish(Volume volume, Outcome outcome) throws IOException {
        assertTrue(VolumeInternals.runUntilIdle(volume, 1_000_000), "the engine went idle");
        assertTrue(outcome.done, "the request completed");
        return outcome.failure;
    }
}
