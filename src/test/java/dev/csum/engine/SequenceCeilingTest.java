package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.format.Geometry;
import dev.csum.format.LogRecord;
import dev.csum.format.LogRegion;
import dev.csum.format.MetadataPlacement;
import dev.csum.format.PortFormatter;
import dev.csum.format.Superblock;
import dev.csum.internal.VolumeInternals;
import dev.csum.io.FaultPlan;
import dev.csum.io.IoPort;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The log sequence ceiling (FORMAT.md §8.1): no session reuses a sequence, not even after a recovery
 * that could not read the newest records, and the ceiling is raised before records reach it.
 */
class SequenceCeilingTest {
    private static final int BLOCK = 4096;
    private final Arena arena = Arena.ofAuto();

    /** A valid record found in the log region: its sequence and the bytes of its first block. */
    private record Found(long sequence, long block, int crc) {
    }

    @Test
    void aRecoveryThatCannotReadTheNewestRecordsStartsAboveThem() throws IOException {
        SimulatedDisk disk = formattedDisk(5730);
        Geometry geometry = superblock(disk).geometry();
        Volume volume = open(disk);
        writeAndFlush(volume, 0, 40);
        disk.crash(); // the session's records stay: the next open replays them and writes its empty record
        disk = disk.reopen();
        Map<Long, Found> beforeFirstRecovery = scan(disk, geometry);
        volume = open(disk);
        writeAndFlush(volume, 100, 3);
        disk.crash();
        disk = disk.reopen();

        // Hide everything the first recovery and its session wrote: reads of those blocks fail now,
        // and succeed again once the next session is under way (a transient fault, healed).
        Map<Long, Found> hidden = new HashMap<>(scan(disk, geometry));
        hidden.values().removeIf(found -> found.equals(beforeFirstRecovery.get(found.sequence())));
        assertFalse(hidden.isEmpty(), "the first recovery wrote records");
        long newestHidden = hidden.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
        for (Found found : hidden.values()) {
            disk.injectLatentSectorError(IoPort.METADATA_FILE, superblock(disk).logRegion().blockOffsetBytes(found.block()) / 512);
        }
        Map<Long, Found> beforeSecondRecovery = scan(disk, geometry);
        volume = open(disk);
        disk.clearFaults();
        writeAndFlush(volume, 200, 5);
        volume.close();

        Map<Long, Found> now = scan(disk, geometry);
        long written = 0;
        for (Found found : now.values()) {
            if (!found.equals(beforeSecondRecovery.get(found.sequence())) && !found.equals(hidden.get(found.sequence()))) {
                written++;
                assertTrue(found.sequence() > newestHidden, "the second recovery's session wrote record " + found.sequence()
                    + " at block " + found.block() + ", not above the hidden records (newest " + newestHidden + ")");
            }
        }
        assertTrue(written > 0, "the second session wrote records");
    }

    @Test
    void theCeilingIsRaisedAheadOfTheRecordsInBothCopies() throws IOException {
        SimulatedDisk disk = formattedDisk(7);
        Superblock superblock = superblock(disk);
        Geometry geometry = superblock.geometry();
        assertEquals(0, storedCeiling(disk, geometry, 0), "format stores no ceiling");
        Volume volume = open(disk);
        long lease = CeilingCopies.leaseSequences(superblock.logRegion().blockCount());
        long highest = 0;
        for (int round = 0; round < 3 * lease && highest <= 2 * lease; round++) { // records for several raises
            writeAndFlush(volume, round % 500, 1);
            if (round % 16 != 0) {
                continue;
            }
            long newest = scan(disk, geometry).keySet().stream().mapToLong(Long::longValue).max().orElse(0);
            highest = Math.max(highest, newest);
            long primary = storedCeiling(disk, geometry, 0);
            long backup = storedCeiling(disk, geometry, geometry.backupSuperblockOffsetBytes());
            assertTrue(newest < primary && newest < backup, "record " + newest + " at or above a stored ceiling ("
                + primary + ", " + backup + ")");
        }
        volume.close();
        assertTrue(highest > lease, "records went past the first lease: " + highest);
        assertTrue(storedCeiling(disk, geometry, 0) > lease, "the ceiling was raised again");
    }

    @Test
    void aPrimaryTornWhileRaisingLeavesTheVolumeOpenableFromItsBackupAndTheCeilingKept() throws IOException {
        SimulatedDisk disk = formattedDisk(11);
        Geometry geometry = superblock(disk).geometry();
        Volume volume = open(disk);
        writeAndFlush(volume, 0, 4);
        long raised = storedCeiling(disk, geometry, geometry.backupSuperblockOffsetBytes());
        assertTrue(raised > 0, "the first record raised the ceiling");
        disk.crash();
        disk = disk.reopen();
        byte[] torn = new byte[BLOCK];
        java.util.Arrays.fill(torn, 0, 512, (byte) 0x5A); // the first sector of a raise landed as garbage
        disk.writeRaw(IoPort.DATA_FILE, 0, torn);
        volume = open(disk);
        writeAndFlush(volume, 10, 2);
        volume.close();
        for (Found found : scan(disk, geometry).values()) {
            assertTrue(found.sequence() < storedCeiling(disk, geometry, 0), "record " + found.sequence() + " above the restored primary's ceiling");
        }
        assertTrue(storedCeiling(disk, geometry, 0) >= raised, "the next raise rewrote the primary");
    }

    @Test
    void aRaiseTheDeviceRefusesFailsTheWriteOnceAndCloseStillEnds() throws IOException {
        SimulatedDisk disk = formattedDisk(13);
        dev.csum.io.PowerCutPort port = new dev.csum.io.PowerCutPort(disk);
        Volume volume = VolumeInternals.openOnPort(port, VolumeOptions.of(Path.of("sim")), true);
        port.cut(); // every operation fails from now on: the first record's raise of the ceiling too
        Outcome outcome = new Outcome();
        volume.write(0, BLOCK, arena.allocate(BLOCK, 8).fill((byte) 1), null, outcome, 0);
        assertTrue(VolumeInternals.runUntilIdle(volume, 100_000), "the engine settles instead of raising forever");
        assertTrue(outcome.done && outcome.failure != null, "the write fails: " + outcome.failure);
        try {
            volume.close();
        } catch (IOException expected) {
            // Closing on a dead device fails; it must end.
        }
    }

    private void writeAndFlush(Volume volume, long firstBlock, int writes) throws IOException {
        for (int i = 0; i < writes; i++) {
            MemorySegment data = arena.allocate(BLOCK, 8).fill((byte) (firstBlock + i + 1));
            Outcome outcome = new Outcome();
            volume.write((firstBlock + i) * BLOCK, BLOCK, data, null, outcome, 0);
            assertTrue(VolumeInternals.runUntilIdle(volume, 1_000_000));
            assertTrue(outcome.done && outcome.failure == null, "write failed: " + outcome.failure);
        }
        Outcome flushed = new Outcome();
        volume.flush(flushed, 0);
        assertTrue(VolumeInternals.runUntilIdle(volume, 1_000_000));
        assertTrue(flushed.done && flushed.failure == null, "flush failed: " + flushed.failure);
    }

    /** Every valid record in the log region, by sequence (the log's blocks as the superblock cuts them: 512 bytes here). */
    private static Map<Long, Found> scan(SimulatedDisk disk, Geometry geometry) {
        Map<Long, Found> found = new HashMap<>();
        LogRegion log = superblock(disk).logRegion();
        assertEquals(geometry.logOffsetBytes(), log.offsetBytes());
        byte[] bytes = new byte[Math.toIntExact(log.lengthBytes())];
        disk.readRaw(IoPort.METADATA_FILE, log.offsetBytes(), bytes);
        MemorySegment region = MemorySegment.ofArray(bytes);
        int tag = superblock(disk).volumeTag();
        for (long block = 0; block < log.blockCount(); block++) {
            MemorySegment at = region.asSlice(block * log.blockBytes());
            if (LogRecord.validLengthBlocksAt(at, log.blockBytes(), tag, log.blockOffsetBytes(block)) > 0) {
                Found record = new Found(LogRecord.sequence(at), block, at.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, 8));
                assertEquals(null, found.put(record.sequence(), record), "sequence " + record.sequence() + " twice in the region");
            }
        }
        return found;
    }

    private static long storedCeiling(SimulatedDisk disk, Geometry geometry, long offsetBytes) {
        byte[] bytes = new byte[BLOCK];
        disk.readRaw(IoPort.METADATA_FILE, offsetBytes, bytes);
        MemorySegment block = MemorySegment.ofArray(bytes);
        assertEquals(dev.csum.format.SuperblockValidity.VALID, Superblock.inspect(block).validity());
        return Superblock.sequenceCeiling(block);
    }

    private static Superblock superblock(SimulatedDisk disk) {
        byte[] bytes = new byte[BLOCK];
        disk.readRaw(IoPort.DATA_FILE, 0, bytes);
        return Superblock.inspect(MemorySegment.ofArray(bytes)).superblock();
    }

    private static SimulatedDisk formattedDisk(long seed) throws IOException {
        SimulatedDisk disk = SimulatedDisk.builder(seed).dataFileBytes(4L << 20)
            .faultPlan(FaultPlan.none().withCrash(0.0, 0.0)).build(); // a crash loses every unflushed write
        PortFormatter.format(disk, BLOCK, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED, new UUID(3, seed));
        return disk;
    }

    private static Volume open(SimulatedDisk disk) throws IOException {
        return VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("sim")), true);
    }
}
