package dev.csum.engine;

import static dev.csum.engine.SmallCacheVolume.BLOCK;
import static dev.csum.engine.SmallCacheVolume.GROUP_BLOCKS;
import static dev.csum.engine.SmallCacheVolume.blockOf;
import static dev.csum.engine.SmallCacheVolume.fill;
import static dev.csum.engine.SmallCacheVolume.open;
import static dev.csum.engine.SmallCacheVolume.readBack;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.IntegrityException;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.VolumeStats;
import dev.csum.format.Geometry;
import dev.csum.internal.VolumeInternals;
import dev.csum.io.FaultKind;
import dev.csum.io.IoPort;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Parked groups (design/TUPLE_LOG.md §4.1, {@link GroupParking}): a dirty group the imd cache
 * evicts keeps its dirty tuples in memory instead of forcing a checkpoint; a read or write of it
 * later, a checkpoint round under log pressure and close all get its tuples back; and nothing is lost
 * across a crash or a clean reopen.
 */
class ParkedGroupsTest {
    private Geometry geometry;

    @Test
    void evictingDirtyGroupsParksThemWithoutACheckpoint() throws IOException {
        SimulatedDisk disk = formattedDisk(1);
        int groups = 60;
        assertTrue(groups < 0.75 * geometry.logBlockCount(), "no round is due by the log in this test");
        Volume volume = open(disk);
        assertNull(ManualIo.write(volume, BLOCK * blockOf(0, 3), fill(1))); // the first record also raises the sequence ceiling
        VolumeStats before = volume.stats();
        for (int g = 1; g < groups; g++) {
            assertNull(ManualIo.write(volume, BLOCK * blockOf(g, 3), fill(g + 1)));
        }
        VolumeStats after = volume.stats();
        // 60 groups through 16 slots: 44 dirty evictions. Parked, they cost nothing; settled first,
        // each would have cost a round (two imd writes and its syncs).
        assertEquals(2L * (groups - 1), after.deviceWrites() - before.deviceWrites(), "a record and a data write per write");
        assertEquals(0, after.deviceFlushes() - before.deviceFlushes(), "no checkpoint round");
        for (int g = 0; g < groups; g++) {
            assertEquals(-1, readBack(volume, blockOf(g, 3)).mismatch(fill(g + 1)), "group " + g);
        }
        volume.close();
    }

    @Test
    void aWriteToAParkedGroupAppliesItsParkedTuplesFirst() throws IOException {
        SimulatedDisk disk = formattedDisk(2);
        Volume volume = open(disk);
        int groups = 60;
        for (int g = 0; g < groups; g++) {
            assertNull(ManualIo.write(volume, BLOCK * blockOf(g, 3), fill(g + 1)));
        }
        // Each group loads its pair again (block 3's tuple is only parked) and commits block 4 over it:
        // without the parked tuple applied, block 3 would read as never written holding data.
        for (int g = 0; g < groups; g++) {
            assertNull(ManualIo.write(volume, BLOCK * blockOf(g, 4), fill(100 + g)));
            assertEquals(-1, readBack(volume, blockOf(g, 3)).mismatch(fill(g + 1)), "group " + g + " block 3");
        }
        for (int g = 0; g < groups; g++) {
            assertEquals(-1, readBack(volume, blockOf(g, 3)).mismatch(fill(g + 1)), "group " + g + " block 3");
            assertEquals(-1, readBack(volume, blockOf(g, 4)).mismatch(fill(100 + g)), "group " + g + " block 4");
        }
        volume.close();
        SimulatedDisk again = disk.reopen();
        long writesBefore = again.stats().writes();
        Volume reopened = open(again);
        assertEquals(0, again.stats().writes() - writesBefore,
            "nothing to replay: close brought every parked group back and checkpointed it");
        for (int g = 0; g < groups; g++) {
            assertEquals(-1, readBack(reopened, blockOf(g, 3)).mismatch(fill(g + 1)), "reopened, group " + g);
            assertEquals(-1, readBack(reopened, blockOf(g, 4)).mismatch(fill(100 + g)), "reopened, group " + g);
        }
        reopened.close();
    }

    @Test
    void underLogPressureParkedGroupsAreReloadedAndCheckpointedSoTheLogWraps() throws IOException {
        SimulatedDisk disk = formattedDisk(3);
        Volume volume = open(disk);
        int groupCount = (int) geometry.groupCount();
        int writes = 6 * (int) geometry.logBlockCount(); // the log wraps several times
        byte[][] model = new byte[groupCount * GROUP_BLOCKS][];
        SplittableRandom random = new SplittableRandom(3);
        VolumeStats before = volume.stats();
        for (int i = 0; i < writes; i++) {
            int g = random.nextInt(groupCount);
            int index = random.nextInt(GROUP_BLOCKS);
            long block = blockOf(g, index);
            if (block >= geometry.dataBlockCount()) {
                continue;
            }
            MemorySegment data = fill((i % 250) + 1);
            assertNull(ManualIo.write(volume, BLOCK * block, data), "write " + i);
            model[(int) block] = data.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
        assertTrue(volume.stats().deviceFlushes() > before.deviceFlushes(), "rounds ran");
        verify(volume, model);
        volume.close();
        SimulatedDisk again = disk.reopen();
        long writesBefore = again.stats().writes();
        Volume reopened = open(again);
        assertEquals(0, again.stats().writes() - writesBefore, "nothing to replay after close");
        verify(reopened, model);
        reopened.close();
    }

    @Test
    void aPowerLossWithParkedGroupsKeepsEveryFlushedWrite() throws IOException {
        SimulatedDisk disk = formattedDisk(4);
        Volume volume = open(disk);
        int groups = 100;
        for (int g = 0; g < groups; g++) {
            assertNull(ManualIo.write(volume, BLOCK * blockOf(g, 5), fill(g + 1)));
        }
        assertNull(ManualIo.flush(volume));
        disk.crash(); // the parked tuples were only in memory; the log holds them
        SimulatedDisk again = disk.reopen();
        long writesBefore = again.stats().writes();
        Volume reopened = open(again);
        assertTrue(again.stats().writes() - writesBefore >= 2L * groups / 2, "recovery replayed the log into the pairs");
        for (int g = 0; g < groups; g++) {
            assertEquals(-1, readBack(reopened, blockOf(g, 5)).mismatch(fill(g + 1)), "group " + g);
        }
        reopened.close();
    }

    /**
     * A parked group whose pair is damaged on both copies cannot be checkpointed: close leaves its
     * entries in the log. Its last record must then carry the watermark close's syncs raised, or the
     * next open takes a lost data write flushed before close for a write in flight and returns the
     * block's old data as good (found by torture seed 14).
     */
    @Test
    void aCloseThatLeavesEntriesInTheLogRecordsThatEverythingBeforeItIsDurable() throws IOException {
        SimulatedDisk disk = formattedDisk(5);
        Volume volume = open(disk);
        assertNull(ManualIo.write(volume, BLOCK * blockOf(2, 3), fill(3))); // the oldest entry: the log keeps all after it
        assertNull(ManualIo.write(volume, BLOCK * blockOf(1, 3), fill(1)));
        assertNull(ManualIo.flush(volume));
        for (int g = 3; g < 40; g++) { // groups 1.. are parked as later ones take the 16 slots
            assertNull(ManualIo.write(volume, BLOCK * blockOf(g, 3), fill(g + 1)));
        }
        // Group 1's second write: its record is written, its data write is lost by the device.
        disk.armNextWrite(FaultKind.LOST_WRITE, IoPort.DATA_FILE, geometry.dataOffsetBytes(blockOf(1, 3)) / BLOCK);
        assertNull(ManualIo.write(volume, BLOCK * blockOf(1, 3), fill(50)));
        for (int g = 40; g < 60; g++) { // parks group 1 again
            assertNull(ManualIo.write(volume, BLOCK * blockOf(g, 3), fill(g + 1)));
        }
        // Both copies of group 2's pair destroyed while it is parked: close cannot checkpoint it.
        byte[] garbage = new byte[2 * BLOCK];
        java.util.Arrays.fill(garbage, (byte) 0x5A);
        disk.writeRaw(IoPort.METADATA_FILE, geometry.imdPairOffsetBytes(2), garbage);
        volume.close(); // syncs: group 1's second write is durable as far as the engine knows
        assertEquals(1, disk.stats().faults(FaultKind.LOST_WRITE));

        Volume reopened = open(disk.reopen());
        Outcome outcome = new Outcome();
        volume = reopened;
        reopened.read(blockOf(1, 3) * BLOCK, BLOCK, MemorySegment.ofArray(new byte[BLOCK]), null, outcome, 0);
        assertTrue(VolumeInternals.runUntilIdle(reopened, 1_000_000));
        assertInstanceOf(IntegrityException.class, outcome.failure,
            "the lost write is detected, not its old data returned");
        reopened.close();
    }

    /**
     * The parked pool's own pressure, with the log far from its trigger: once under a quarter of the
     * pool is free, parked groups are reloaded and a round checkpoints them, freeing the pool (before,
     * a full pool refused pair-less writes, which then read their pairs one by one).
     */
    @Test
    void aNearlyFullParkedPoolGetsGroupsReloadedAndCheckpointedWithoutLogPressure() throws IOException {
        SimulatedDisk disk = formattedDisk(9);
        VolumeOptions fourSlots = VolumeOptions.of(Path.of("sim")).withImdCacheBytes(4 * 1024);
        Volume volume = VolumeInternals.openOnPort(disk, fourSlots, true);
        int poolEntries = ParkedTuples.entriesFor(CacheSplit.of(fourSlots.imdCacheBytes(), geometry), geometry);
        // 28 blocks a write: a record of 28 entries is one 512-byte log block (64 + 28 × 16 bytes).
        int blocksPerWrite = (BLOCK - dev.csum.format.LogRecord.HEADER_BYTES) / dev.csum.format.LogRecord.ENTRY_BYTES;
        int groups = 3 * poolEntries / 4 / blocksPerWrite + 8; // past three quarters of the pool, beside the 4 cached
        assertTrue(groups < 0.6 * geometry.logBlockCount(), groups + " one-block records keep the log under its trigger");
        VolumeStats before = volume.stats();
        MemorySegment blocks = java.lang.foreign.Arena.ofAuto().allocate((long) blocksPerWrite * BLOCK, 8);
        for (int g = 0; g < groups; g++) {
            blocks.fill((byte) (g + 1));
            assertNull(ManualIo.write(volume, BLOCK * blockOf(g, 0), blocks));
        }
        VolumeStats after = volume.stats();
        assertEquals((long) groups * blocksPerWrite, after.logEntries() - before.logEntries());
        assertTrue(after.logRecords() - before.logRecords() < 0.6 * geometry.logBlockCount(),
            "the log stayed under its trigger: " + (after.logRecords() - before.logRecords()) + " records");
        assertTrue(after.groupsParked() - before.groupsParked() > 0, "groups were parked");
        assertTrue(after.parkedReloads() - before.parkedReloads() > 0, "the pool's pressure reloaded parked groups");
        assertTrue(after.checkpointRounds() - before.checkpointRounds() > 0, "and a round checkpointed them");
        for (int g = 0; g < groups; g++) {
            assertEquals(-1, readBack(volume, blockOf(g, 0)).mismatch(fill(g + 1)), "group " + g);
        }
        volume.close();
        Volume reopened = open(disk.reopen());
        for (int g = 0; g < groups; g++) {
            assertEquals(-1, readBack(reopened, blockOf(g, blocksPerWrite - 1)).mismatch(fill(g + 1)),
                "reopened, group " + g);
        }
        reopened.close();
    }

    /**
     * A group reloaded into a reserved slot and held there by its checkpoint (its round waits for a
     * sync): a write to it waits until the group is written and leaves the slot — and holds up no write
     * of another group meanwhile. (It did: it waited first in the line for slots, and every later piece
     * behind it, so one round's three syncs stalled every write.) Writes to the held group keep their
     * order.
     */
    @Test
    void aWriteToAGroupHeldInAReservedSlotHoldsUpOnlyItsOwnGroup() throws IOException {
        HeldSyncPort port = new HeldSyncPort(formattedDisk(6));
        Volume volume = open(port);
        int parkedGroups = 60;
        int held = parkUntilAReload(volume, port, parkedGroups, false);

        Outcome first = startWrite(volume, blockOf(held, 3), 200);
        Outcome second = startWrite(volume, blockOf(held, 3), 201);
        Outcome other = startWrite(volume, blockOf(parkedGroups + 5, 7), 202);
        assertTrue(!VolumeInternals.runUntilIdle(volume, 5_000), "the round waits for its held sync");
        assertTrue(other.done, "a write to another group went on");
        assertNull(other.failure);
        assertTrue(!first.done && !second.done, "writes to the held group wait for it to leave its slot");

        port.release();
        assertTrue(VolumeInternals.runUntilIdle(volume, 1_000_000));
        assertTrue(first.done && second.done);
        assertNull(first.failure);
        assertNull(second.failure);
        assertEquals(-1, readBack(volume, blockOf(held, 3)).mismatch(fill(201)), "the later write is the block's data");
        assertEquals(-1, readBack(volume, blockOf(parkedGroups + 5, 7)).mismatch(fill(202)));
        volume.close();
        Volume reopened = open(port.disk().reopen());
        assertEquals(-1, readBack(reopened, blockOf(held, 3)).mismatch(fill(201)), "reopened");
        for (int g = 0; g < parkedGroups; g++) {
            if (g != held) {
                assertEquals(-1, readBack(reopened, blockOf(g, 3)).mismatch(fill(g + 1)), "reopened, group " + g);
            }
        }
        reopened.close();
    }

    /**
     * The reload of a parked group into a reserved slot fails while a write waits for the group to
     * leave the slot: the failed load frees the slot, and the write goes on as a write to an uncached
     * group (pair-less, over the group's parked tuples); nothing is lost, across a reopen too. (Found by
     * torture: the waiting piece was left pointing at a slot that no longer held its group.)
     */
    @Test
    void aWriteWaitingForAGroupWhoseReloadFailsGoesOn() throws IOException {
        HeldSyncPort port = new HeldSyncPort(formattedDisk(8));
        Volume volume = open(port);
        int parkedGroups = 60;
        int held = parkUntilAReload(volume, port, parkedGroups, true);

        Outcome waiting = startWrite(volume, blockOf(held, 9), 210);
        Outcome other = startWrite(volume, blockOf(parkedGroups + 5, 7), 211);
        assertTrue(!VolumeInternals.runUntilIdle(volume, 5_000), "the reload's read is held");
        assertTrue(other.done, "a write to another group went on");
        assertTrue(!waiting.done, "the write to the reloading group waits");

        port.release(); // the reload's read fails: its slot is freed with the write waiting
        assertTrue(VolumeInternals.runUntilIdle(volume, 1_000_000));
        assertTrue(waiting.done);
        assertNull(waiting.failure, "the write went on without the failed load");
        assertNull(other.failure);
        port.healReads();
        assertEquals(-1, readBack(volume, blockOf(held, 9)).mismatch(fill(210)));
        assertEquals(-1, readBack(volume, blockOf(held, 3)).mismatch(fill(held + 1)), "its parked tuple survived");
        volume.close();
        Volume reopened = open(port.disk().reopen());
        assertEquals(-1, readBack(reopened, blockOf(held, 9)).mismatch(fill(210)), "reopened");
        for (int g = 0; g < parkedGroups; g++) {
            assertEquals(-1, readBack(reopened, blockOf(g, 3)).mismatch(fill(g + 1)), "reopened, group " + g);
        }
        assertEquals(-1, readBack(reopened, blockOf(parkedGroups + 5, 7)).mismatch(fill(211)));
        reopened.close();
    }

    /**
     * Writes block 3 of the first {@code parkedGroups} groups (all but the last four are parked as the
     * 16 slots turn over), then writes the last four until the log's pressure makes the reloader read a
     * parked group's pair into a reserved slot; from then on {@code port} holds syncs (and, when
     * {@code failReload}, that read, to fail it). Returns the reloaded group.
     */
    private int parkUntilAReload(Volume volume, HeldSyncPort port, int parkedGroups, boolean failReload)
            throws IOException {
        java.util.Set<Long> pairOffsets = new java.util.HashSet<>();
        for (int g = 0; g < parkedGroups; g++) {
            assertNull(ManualIo.write(volume, BLOCK * blockOf(g, 3), fill(g + 1)));
            if (g < parkedGroups - 4) { // parked; the last four stay cached (written below)
                pairOffsets.add(geometry.imdPairOffsetBytes(g));
            }
        }
        port.holdSyncsAfterReadOf(pairOffsets);
        if (failReload) {
            port.holdWatchedReadsFailing(2 * BLOCK);
        }
        for (int writes = 0; !port.holding(); writes++) {
            assertTrue(writes < 4 * geometry.logBlockCount(), "no reload in " + writes + " writes");
            Outcome outcome = startWrite(volume, blockOf(parkedGroups - 4 + writes % 4, 10 + writes % 50),
                70 + writes % 100);
            assertTrue(VolumeInternals.runUntilIdle(volume, 100_000) || port.holding(), "write " + writes);
            assertTrue(outcome.done, "write " + writes + " (it needs no sync)");
            assertNull(outcome.failure);
        }
        int held = (int) ((port.triggeringReads().getFirst() / BLOCK - 1) / (GROUP_BLOCKS + 2));
        assertEquals(geometry.imdPairOffsetBytes(held), port.triggeringReads().getFirst(), "group " + held + "'s pair");
        return held;
    }

    /** Starts a write of one block of {@code value} bytes without running the engine. */
    private static Outcome startWrite(Volume volume, long block, int value) {
        Outcome outcome = new Outcome();
        volume.write(BLOCK * block, BLOCK, fill(value), null, outcome, 0);
        return outcome;
    }

    private void verify(Volume volume, byte[][] model) throws IOException {
        for (int block = 0; block < model.length && block < geometry.dataBlockCount(); block++) {
            MemorySegment back = readBack(volume, block);
            MemorySegment expected = model[block] == null ? MemorySegment.ofArray(new byte[BLOCK])
                : MemorySegment.ofArray(model[block]);
            assertEquals(-1, back.mismatch(expected), "block " + block);
        }
    }

    private SimulatedDisk formattedDisk(long seed) throws IOException {
        SmallCacheVolume volume = SmallCacheVolume.format(seed, 5);
        geometry = volume.geometry();
        return volume.disk();
    }

}
