package dev.csum.torture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.IntegrityException;
import dev.csum.format.PortFormatter;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.format.Geometry;
import dev.csum.format.MetadataPlacement;
import dev.csum.io.FaultKind;
import dev.csum.io.FaultPlan;
import dev.csum.io.IoPort;
import dev.csum.io.SimulatedDisk;
import dev.csum.internal.VolumeInternals;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * One focused scenario per fault kind of DESIGN.md §6: how the engine detects it, or survives it.
 * (Lost writes, stale imd copies and crashes during recovery are pinned in {@link EngineRegressionTest}.)
 */
class FaultKindTest {
    private final Arena arena = Arena.ofAuto();
    private SimulatedDisk disk;
    private Geometry geometry;
    private Volume volume;

    private void open(long seed, FaultPlan plan) throws IOException {
        disk = SimulatedDisk.builder(seed).dataFileBytes(1 << 20).faultPlan(plan).build();
        geometry = PortFormatter.format(disk, 512, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED,
            new UUID(seed, 1)).geometry();
        disk.faultsEnabled(false); // only armed and injected faults
        volume = VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("faults")), true);
    }

    private MemorySegment pattern(long version, long firstBlock, int blocks) {
        MemorySegment data = arena.allocate(512L * blocks, 512);
        for (int i = 0; i < blocks; i++) {
            BlockPattern.fill(data, 512L * i, 512, version, firstBlock + i);
        }
        return data;
    }

    private IOException write(long firstBlock, MemorySegment data) throws IOException {
        IOException[] outcome = {null};
        volume.write(firstBlock * 512, data.byteSize(), data, null, (token, failure) -> outcome[0] = failure, 0);
        assertTrue(VolumeInternals.runUntilIdle(volume, 1_000_000));
        return outcome[0];
    }

    private IOException read(long firstBlock, MemorySegment into) throws IOException {
        IOException[] outcome = {null};
        volume.read(firstBlock * 512, into.byteSize(), into, null, (token, failure) -> outcome[0] = failure, 0);
        assertTrue(VolumeInternals.runUntilIdle(volume, 1_000_000));
        return outcome[0];
    }

    private long sector(long block) {
        return geometry.dataOffsetBytes(block) / 512;
    }

    @Test
    void readBitRotIsRetriedThenReportedForThatBlockOnly() throws IOException {
        open(1, FaultPlan.none());
        assertNull(write(20, pattern(1, 20, 4)));
        disk.injectReadBitRot(IoPort.DATA_FILE, sector(22), 77);
        MemorySegment back = arena.allocate(512 * 4, 512);
        IntegrityException failure = assertInstanceOf(IntegrityException.class, read(20, back));
        assertArrayEquals(new long[] {22}, failure.badBlocks(), "the re-read sees the same rot: reported");
        assertEquals(0, back.get(ValueLayout.JAVA_BYTE, 0), "nothing returned on failure");
        assertEquals(1, volume.stats().mismatches());
        // Survived once the sector is rewritten: the rot is a property of the old contents.
        assertNull(write(22, pattern(2, 22, 1)));
        assertNull(read(20, back));
        assertEquals(2, BlockPattern.decode(back, 1024, 512, 22));
    }

    @Test
    void writeBitRotIsDetectedOnRead() throws IOException {
        open(2, FaultPlan.none());
        disk.armNextWrite(FaultKind.WRITE_BIT_ROT, IoPort.DATA_FILE, sector(31));
        assertNull(write(30, pattern(1, 30, 3)), "the device reports success");
        MemorySegment back = arena.allocate(512 * 3, 512);
        IntegrityException failure = assertInstanceOf(IntegrityException.class, read(30, back));
        assertArrayEquals(new long[] {31}, failure.badBlocks());
        assertEquals(1, disk.stats().faults(FaultKind.WRITE_BIT_ROT));
    }

    @Test
    void latentSectorErrorIsAnIoErrorNeverData() throws IOException {
        open(3, FaultPlan.none());
        assertNull(write(40, pattern(1, 40, 2)));
        disk.injectLatentSectorError(IoPort.DATA_FILE, sector(41));
        MemorySegment back = arena.allocate(512 * 2, 512);
        IOException failure = read(40, back);
        assertNotNull(failure);
        assertFalse(failure instanceof IntegrityException, "a device error, not a checksum mismatch: " + failure);
        assertTrue(failure.getMessage().contains("EIO"), failure.getMessage());
        assertEquals(0, back.get(ValueLayout.JAVA_BYTE, 0), "nothing returned on failure");
        assertNull(read(40, back.asSlice(0, 512)), "the neighbour block still reads");
    }

    @Test
    void tornWriteLeavesDetectableBlocksAndIntactOnes() throws IOException {
        open(4, FaultPlan.none());
        assertNull(write(50, pattern(1, 50, 8)));
        disk.armTornWrite(IoPort.DATA_FILE, sector(50), 3); // only the first 3 of 8 sectors are stored
        assertNull(write(50, pattern(2, 50, 8)), "the device reports success");
        MemorySegment back = arena.allocate(512 * 8, 512);
        IntegrityException failure = assertInstanceOf(IntegrityException.class, read(50, back));
        assertArrayEquals(new long[] {53, 54, 55, 56, 57}, failure.badBlocks(), "the blocks not stored: old data");
        assertNull(read(50, back.asSlice(0, 512 * 3)));
        for (int i = 0; i < 3; i++) {
            assertEquals(2, BlockPattern.decode(back, 512L * i, 512, 50 + i), "the stored part is the new data");
        }
    }

    @Test
    void misdirectedWriteIsCaughtByTheAddressBoundChecksum() throws IOException {
        open(5, FaultPlan.none());
        assertNull(write(10, pattern(1, 10, 1)));
        assertNull(write(12, pattern(1, 12, 1)));
        // The new data of block 10 lands, intact, on block 12's location.
        disk.armMisdirectedWrite(IoPort.DATA_FILE, sector(10), geometry.dataOffsetBytes(12));
        assertNull(write(10, pattern(2, 10, 1)));
        MemorySegment back = arena.allocate(512, 512);
        assertInstanceOf(IntegrityException.class, read(10, back), "block 10 still holds its old data");
        IntegrityException victim = assertInstanceOf(IntegrityException.class, read(12, back),
            "well-formed data of block 10 at block 12's address does not verify there");
        assertArrayEquals(new long[] {12}, victim.badBlocks());
    }

    @Test
    void misdirectedReadIsSurvivedByTheReRead() throws IOException {
        open(6, FaultPlan.none());
        assertNull(write(60, pattern(1, 60, 1)));
        assertNull(write(70, pattern(1, 70, 1)));
        disk.armMisdirectedRead(IoPort.DATA_FILE, sector(60), geometry.dataOffsetBytes(70));
        MemorySegment back = arena.allocate(512, 512);
        assertNull(read(60, back), "the mismatch triggers one re-read, which is not misdirected");
        assertEquals(1, BlockPattern.decode(back, 0, 512, 60));
        assertEquals(1, volume.stats().recheckRecoveries());
        assertEquals(1, disk.stats().faults(FaultKind.MISDIRECTED_READ));
    }

    @Test
    void lostWriteIsDetectedByTheNextRead() throws IOException {
        open(7, FaultPlan.none());
        assertNull(write(80, pattern(1, 80, 2)));
        disk.armNextWrite(FaultKind.LOST_WRITE, IoPort.DATA_FILE, sector(80));
        assertNull(write(80, pattern(2, 80, 2)));
        IntegrityException failure = assertInstanceOf(IntegrityException.class, read(80, arena.allocate(1024, 512)));
        assertArrayEquals(new long[] {80, 81}, failure.badBlocks(), "old data under the new tuples");
    }

    @Test
    void crashTornWritesReadAsOldOrNewAndNeverAsErrorsInStrictMode() throws IOException {
        disk = SimulatedDisk.builder(8).dataFileBytes(1 << 20).faultPlan(FaultPlan.none().withCrash(1.0, 1.0)).build();
        geometry = PortFormatter.format(disk, 512, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED,
            new UUID(8, 1)).geometry();
        VolumeOptions strict = VolumeOptions.of(Path.of("strict")).withDurability(dev.csum.Durability.STRICT);
        volume = VolumeInternals.openOnPort(disk, strict, true);
        // Blocks 55..70 span groups 0 and 1 (62 blocks per group): one request, two pieces.
        assertNull(write(55, pattern(1, 55, 16)));
        long writesBefore = volume.stats().deviceWrites();
        volume.write(55 * 512, 512 * 16, pattern(2, 55, 16), null, (token, failure) -> { }, 0);
        // Both pieces' tuples share one log record; once it has completed their data writes start
        // together. Cut the power while they are in flight (one or both, depending on how many
        // completions the step reaped): a data write in flight reaches the media torn.
        for (int step = 0; step < 8 && volume.stats().deviceWrites() - writesBefore < 3; step++) {
            VolumeInternals.runUntilIdle(volume, 1);
        }
        assertEquals(3, volume.stats().deviceWrites() - writesBefore, "one record, two data writes");
        assertTrue(disk.inFlight() >= 1 && disk.inFlight() <= 2, "a data write is in flight: " + disk.inFlight());
        disk.crash();
        assertTrue(disk.stats().faults(FaultKind.CRASH_TORN_WRITE) > 0, "a write was torn at the crash");
        disk = disk.reopen();
        volume = VolumeInternals.openOnPort(disk, strict, true);
        MemorySegment back = arena.allocate(512 * 16, 512);
        assertNull(read(55, back), "no integrity error: each block is old or new");
        for (int i = 0; i < 16; i++) {
            long version = BlockPattern.decode(back, 512L * i, 512, 55 + i);
            assertTrue(version == 1 || version == 2, "block " + (55 + i) + " reads version " + version);
        }
    }
}
