package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.Volume;
import dev.csum.internal.VolumeInternals;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * An in-place read whose caller closed the destination's arena after the device read into it but
 * before the engine verified it (the caller broke {@code Volume.readInPlace}'s contract): that read
 * fails with an {@link IOException} saying so, and the event loop, and every later request, go on.
 */
class InPlaceReadClosedArenaTest {
    private static final int BLOCK = 4096;
    private static final long BLOCK_INDEX = 5;

    private Volume volume;

    private void step(BooleanSupplier until) throws IOException {
        for (int steps = 0; !until.getAsBoolean(); steps++) {
            assertTrue(steps < 100_000, "the engine made no progress");
            VolumeInternals.runUntilIdle(volume, 1);
        }
    }

    @Test
    void theReadFailsAloneAndTheVolumeGoesOn() throws IOException {
        HeldReadPort port = HeldReadPort.overFreshVolume(33);
        volume = port.open();
        Arena live = Arena.ofAuto();
        Outcome written = new Outcome();
        volume.write(BLOCK_INDEX * BLOCK, BLOCK, live.allocate(BLOCK).fill((byte) 7), null, written, 0);
        step(() -> written.done);
        assertNull(written.failure);

        port.holdReadsAt(port.dataOffsetBytes(BLOCK_INDEX));
        Arena doomed = Arena.ofShared();
        Outcome read = new Outcome();
        volume.readInPlace(BLOCK_INDEX * BLOCK, BLOCK, doomed.allocate(BLOCK, volume.directAlignmentBytes()), null,
            read, 0);
        step(() -> port.heldCount() == 1); // the device read into it; the completion is held
        doomed.close();
        port.holdReadsAt(-1);
        port.release();
        step(() -> read.done);
        assertTrue(read.failure != null && read.failure.getMessage().contains("no longer accessible"),
            String.valueOf(read.failure));

        MemorySegment again = live.allocate(BLOCK, volume.directAlignmentBytes());
        Outcome second = new Outcome();
        volume.readInPlace(BLOCK_INDEX * BLOCK, BLOCK, again, null, second, 0);
        step(() -> second.done);
        assertNull(second.failure, "the loop goes on");
        assertEquals(7, again.get(ValueLayout.JAVA_BYTE, BLOCK - 1));
        volume.close();
    }
}
