package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.internal.VolumeInternals;
import dev.csum.Volume;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * A read whose data is older than its delivery: it ran before writes to its blocks landed, and its
 * completion came after the writer had completed commit after commit (as on the portable port,
 * whose completions come from threads that may be preempted). It must read as old or new data,
 * never as a mismatch.
 */
class RacedReadTest {
    private static final int BLOCK = 4096;
    private static final long BLOCK_INDEX = 5;

    private final Arena arena = Arena.ofAuto();
    private Volume volume;

    private void step(BooleanSupplier until) throws IOException {
        for (int steps = 0; !until.getAsBoolean(); steps++) {
            assertTrue(steps < 100_000, "the engine made no progress");
            VolumeInternals.runUntilIdle(volume, 1);
        }
    }

    /** Writes {@code version} into every byte of the block and runs until the write completed. */
    private void write(int version) throws IOException {
        Outcome outcome = new Outcome();
        volume.write(BLOCK_INDEX * BLOCK, BLOCK, arena.allocate(BLOCK).fill((byte) version), null, outcome, 0);
        step(() -> outcome.done);
        assertNull(outcome.failure);
    }

    @Test
    void aReReadDeliveredAfterTwoMoreCommitsIsReadAgainNotReportedAsAMismatch() throws IOException {
        HeldReadPort port = HeldReadPort.overFreshVolume(21);
        volume = port.open();
        write(1);

        // The read runs now (version 1) and is delivered after versions 2 and 3 were committed.
        port.holdReadsAt(port.dataOffsetBytes(BLOCK_INDEX));
        Outcome read = new Outcome();
        MemorySegment into = arena.allocate(BLOCK);
        volume.read(BLOCK_INDEX * BLOCK, BLOCK, into, null, read, 0);
        step(() -> port.heldCount() == 1);
        write(2);
        write(3);
        port.release();
        // Its data matches no state the group still keeps: the engine re-reads, and that re-read too
        // runs now (version 3) and is delivered after versions 4 and 5.
        step(() -> port.heldCount() == 1);
        write(4);
        write(5);
        port.holdReadsAt(-1);
        port.release();
        step(() -> read.done);

        assertNull(read.failure, "a read racing commits is old or new data, never a mismatch");
        assertEquals(5, into.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(5, into.get(ValueLayout.JAVA_BYTE, BLOCK - 1));
        assertEquals(0, volume.stats().mismatches());
        assertEquals(1, volume.stats().recheckRecoveries(), "the one block that failed the first check");
        volume.close();
    }
}
