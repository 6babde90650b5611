package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.Durability;
import dev.csum.format.PortFormatter;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.format.MetadataPlacement;
import dev.csum.io.FaultPlan;
import dev.csum.io.SimulatedDisk;
import dev.csum.internal.VolumeInternals;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What survives a power loss: flushed writes in the default mode, every completed write in strict mode. */
class EngineDurabilityTest {
    private final Arena arena = Arena.ofAuto();


    private static Volume open(SimulatedDisk disk, Durability durability) throws IOException {
        return VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("sim")).withDurability(durability), true);
    }

    private IOException run(Volume volume, boolean isWrite, long offset, MemorySegment segment) throws IOException {
        Outcome outcome = new Outcome();
        if (isWrite) {
            volume.write(offset, segment.byteSize(), segment, null, outcome, 0);
        } else {
            volume.read(offset, segment.byteSize(), segment, null, outcome, 0);
        }
        assertTrue(VolumeInternals.runUntilIdle(volume, 1_000_000));
        assertTrue(outcome.done);
        return outcome.failure;
    }

    private MemorySegment filled(int bytes, int value) {
        return arena.allocate(bytes, 8).fill((byte) value);
    }

    private SimulatedDisk formattedDisk(long seed) throws IOException {
        SimulatedDisk disk = SimulatedDisk.builder(seed).dataFileBytes(2L << 20)
            .faultPlan(FaultPlan.none().withCrash(0.0, 0.0)).build(); // a crash loses every unflushed write
        PortFormatter.format(disk, 4096, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED, new UUID(1, seed));
        return disk;
    }

    @Test
    void flushMakesCompletedWritesSurvivePowerLossAndUnflushedOnesReadAsOldData() throws IOException {
        SimulatedDisk disk = formattedDisk(21);
        Volume volume = open(disk, Durability.DEFAULT);
        assertNull(run(volume, true, 0, filled(8192, 1)));
        Outcome flushed = new Outcome();
        volume.flush(flushed, 0);
        assertTrue(VolumeInternals.runUntilIdle(volume, 1_000_000));
        assertNull(flushed.failure);
        assertNull(run(volume, true, 0, filled(4096, 2))); // completed, never flushed
        disk.crash();

        Volume after = open(disk.reopen(), Durability.DEFAULT);
        MemorySegment back = arena.allocate(8192, 8);
        assertNull(run(after, false, 0, back), "the lost write leaves the flushed data, which verifies");
        assertArrayEquals(filled(8192, 1).toArray(ValueLayout.JAVA_BYTE), back.toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void strictModeMakesEveryCompletedWriteDurable() throws IOException {
        SimulatedDisk disk = formattedDisk(22);
        Volume volume = open(disk, Durability.STRICT);
        for (int i = 0; i < 20; i++) {
            assertNull(run(volume, true, (long) i * 4096, filled(4096, 10 + i)));
        }
        disk.crash(); // no flush at all

        Volume after = open(disk.reopen(), Durability.STRICT);
        for (int i = 0; i < 20; i++) {
            MemorySegment back = arena.allocate(4096, 8);
            assertNull(run(after, false, (long) i * 4096, back));
            assertEquals((byte) (10 + i), back.get(ValueLayout.JAVA_BYTE, 4095), "block " + i);
        }
    }

    @Test
    void applicationTagsAreStoredPerBlockAndReturnedByReads() throws IOException {
        SimulatedDisk disk = formattedDisk(23);
        Volume volume = open(disk, Durability.DEFAULT);
        short[] tags = {7, -2, 300};
        Outcome wrote = new Outcome();
        MemorySegment data = filled(3 * 4096, 5);
        volume.write(4096, data.byteSize(), data, tags, wrote, 0);
        assertTrue(VolumeInternals.runUntilIdle(volume, 1_000_000));
        assertNull(wrote.failure);
        short[] back = new short[4];
        Outcome read = new Outcome();
        volume.read(0, 4 * 4096, arena.allocate(4 * 4096), back, read, 0);
        assertTrue(VolumeInternals.runUntilIdle(volume, 1_000_000));
        assertNull(read.failure);
        assertArrayEquals(new short[] {0, 7, -2, 300}, back, "never-written block 0 has tag 0");
    }
}
