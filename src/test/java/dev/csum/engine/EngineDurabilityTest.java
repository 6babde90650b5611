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
import dev.csum.format.Geometry;
import dev.csum.format.MetadataPlacement;
import dev.csum.io.FaultPlan;
import dev.csum.io.IoPort;
import dev.csum.io.SimMediaEvent;
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

    /**
     * A power loss while a checkpoint's two imd writes of a group sit in the device's volatile cache,
     * on a device that tears them (4096-byte blocks: an imd block is 8 sectors). Both writes must not
     * be exposed at once: the first must be durable before the second overwrites the last durable
     * copy, or both can tear and the group loses every tuple the log no longer holds (its blocks read
     * as integrity errors, and writes to it are refused).
     */
    @Test
    void powerLossTearingACheckpointKeepsTheTuplesOfItsGroup() throws IOException {
        SimulatedDisk disk = SimulatedDisk.builder(24).dataFileBytes(4L << 20)
            .faultPlan(FaultPlan.none().withCrash(1.0, 1.0)).build(); // every unflushed write persists, torn
        Geometry geometry = PortFormatter.format(disk, 4096, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED,
            new UUID(1, 24)).geometry();
        int blocks = geometry.blocksInGroup(0);
        Volume first = open(disk, Durability.DEFAULT);
        assertNull(run(first, true, 0, filled(blocks * 4096 / 2, 1)));
        assertNull(run(first, true, blocks * 4096L / 2, filled(blocks * 4096 / 2, 1)));
        first.close(); // block 0's tuple is now in both imd copies, and only there: the log is empty
        disk = disk.reopen();
        long pair = geometry.imdPairOffsetBytes(0);
        int[] imdWrites = {0};
        disk.mediaListener(event -> {
            if (event.kind() == SimMediaEvent.Kind.WRITE && event.offsetBytes() >= pair
                    && event.offsetBytes() < pair + 2 * 4096) {
                imdWrites[0]++;
            }
        });
        Volume volume = open(disk, Durability.DEFAULT);
        // New tuples in every sector of the group's imd block (blocks 1 .. last), then small writes
        // until the log is half full and a checkpoint round writes the pair; the power fails as soon
        // as both copies have been written.
        assertNull(run(volume, true, 4096, filled(blocks * 4096 / 2 - 4096, 2)));
        assertNull(run(volume, true, blocks * 4096L / 2, filled(blocks * 4096 / 2, 2)));
        for (int block = 1; imdWrites[0] == 0; block++) {
            assertTrue(block < blocks, "a checkpoint round started");
            Outcome wrote = new Outcome();
            volume.write((long) block * 4096, 4096, filled(4096, 3), null, wrote, 0);
            for (int step = 0; !wrote.done && imdWrites[0] == 0; step++) {
                assertTrue(step < 1_000_000);
                VolumeInternals.runUntilIdle(volume, 1);
            }
        }
        for (int step = 0; imdWrites[0] < 2; step++) {
            assertTrue(step < 1_000_000 && !VolumeInternals.runUntilIdle(volume, 1), "the round writes both copies");
        }
        disk.crash();

        Volume after = open(disk.reopen(), Durability.DEFAULT);
        MemorySegment back = arena.allocate(4096, 8);
        assertNull(run(after, false, 0, back), "block 0, not written since the pair's last checkpoint, verifies");
        assertArrayEquals(filled(4096, 1).toArray(ValueLayout.JAVA_BYTE), back.toArray(ValueLayout.JAVA_BYTE));
        assertNull(run(after, true, 0, filled(4096, 4)), "the group takes writes");
    }

    /**
     * Recovery at open rewrites both imd copies of each replayed group: as for a checkpoint, the
     * first copy must be durable (a sync of the metadata device) before the second overwrites the
     * last durable one, or a power loss during recovery could tear both.
     */
    @Test
    void recoveryMakesTheFirstCopyDurableBeforeWritingTheSecond() throws IOException {
        SimulatedDisk disk = SimulatedDisk.builder(25).dataFileBytes(4L << 20)
            .faultPlan(FaultPlan.none().withCrash(1.0, 0.0)).build(); // every unflushed write persists whole
        Geometry geometry = PortFormatter.format(disk, 4096, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED,
            new UUID(1, 25)).geometry();
        Volume volume = open(disk, Durability.DEFAULT);
        assertNull(run(volume, true, 0, filled(4 * 4096, 1)));
        disk.crash(); // the log holds the write; the pair was never checkpointed
        disk = disk.reopen();
        long pair = geometry.imdPairOffsetBytes(0);
        java.util.List<String> events = new java.util.ArrayList<>();
        disk.mediaListener(event -> {
            if (event.kind() == SimMediaEvent.Kind.FLUSH) {
                events.add("sync");
            } else if (event.offsetBytes() >= pair && event.offsetBytes() < pair + 2 * 4096) {
                events.add("copy " + (event.offsetBytes() - pair) / 4096);
            }
        });
        Volume after = open(disk, Durability.DEFAULT);
        int first = events.indexOf("copy 0") < events.indexOf("copy 1") ? events.indexOf("copy 0") : events.indexOf("copy 1");
        assertTrue(first >= 0 && events.size() > first + 2, "recovery wrote both copies: " + events);
        assertEquals("sync", events.get(first + 1), "a sync between the two copies: " + events);
        MemorySegment back = arena.allocate(4 * 4096, 8);
        assertNull(run(after, false, 0, back));
        assertArrayEquals(filled(4 * 4096, 1).toArray(ValueLayout.JAVA_BYTE), back.toArray(ValueLayout.JAVA_BYTE));
    }

    /**
     * The default mode's promise for a completed, unflushed write at a power loss: the block reads
     * as its older data, or (its data persisted without its record) as an integrity error. A
     * checkpoint must therefore not make a tuple durable before the data it describes: here block 5
     * is rewritten (never flushed), a checkpoint round writes both imd copies, and the power fails;
     * the copies persist, the device's volatile cache loses everything else. The older data, intact
     * on the media, read as an integrity error.
     */
    @Test
    void aCheckpointThatPersistsWithoutItsDataKeepsTheOlderDataReadable() throws IOException {
        SimulatedDisk disk = SimulatedDisk.builder(26).dataFileBytes(1L << 20)
            .faultPlan(FaultPlan.none().withCrash(0.0, 0.0)).build(); // a crash loses every unflushed write
        Geometry geometry = PortFormatter.format(disk, 512, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED,
            new UUID(1, 26)).geometry();
        Volume first = open(disk, Durability.DEFAULT);
        assertNull(run(first, true, 5 * 512L, filled(512, 1)));
        first.close(); // block 5 holds A, both imd copies its tuple; the log is empty
        disk = disk.reopen();
        long pair = geometry.imdPairOffsetBytes(0);
        java.util.List<SimMediaEvent> copies = new java.util.ArrayList<>();
        disk.mediaListener(event -> {
            if (event.kind() == SimMediaEvent.Kind.WRITE && event.offsetBytes() >= pair
                    && event.offsetBytes() < pair + 2 * 512) {
                copies.add(event);
            }
        });
        Volume volume = open(disk, Durability.DEFAULT);
        assertNull(run(volume, true, 5 * 512L, filled(512, 2))); // B, completed, never flushed
        // Small writes to group 1 until the log is half full and a checkpoint round writes group 0's pair.
        long other = geometry.firstBlockOfGroup(1);
        for (int i = 0; copies.size() < 2; i++) {
            assertTrue(i < geometry.blocksInGroup(1), "a checkpoint round wrote group 0's copies");
            Outcome wrote = new Outcome();
            volume.write((other + i) * 512, 512, filled(512, 3), null, wrote, 0);
            for (int step = 0; !wrote.done && copies.size() < 2; step++) {
                assertTrue(step < 1_000_000);
                VolumeInternals.runUntilIdle(volume, 1);
            }
        }
        disk.crash();
        for (SimMediaEvent copy : copies) { // the device had written the imd copies back, nothing else
            disk.writeRaw(IoPort.METADATA_FILE, copy.offsetBytes(), copy.data());
        }

        Volume after = open(disk.reopen(), Durability.DEFAULT);
        MemorySegment back = arena.allocate(512, 8);
        assertNull(run(after, false, 5 * 512L, back), "block 5 reads as A or B, not as an error");
        byte value = back.get(ValueLayout.JAVA_BYTE, 0);
        assertTrue(value == 1 || value == 2, "A or B, got " + value);
        assertArrayEquals(filled(512, value).toArray(ValueLayout.JAVA_BYTE), back.toArray(ValueLayout.JAVA_BYTE));
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
