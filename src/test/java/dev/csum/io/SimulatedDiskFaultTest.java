package dev.csum.io;

import static dev.csum.io.SimHarness.SECTOR;
import static dev.csum.io.SimHarness.pattern;
import static dev.csum.io.SimHarness.raw;
import static dev.csum.io.SimHarness.read;
import static dev.csum.io.SimHarness.readResult;
import static dev.csum.io.SimHarness.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each fault kind, armed or drawn from a plan, has exactly the effect its documentation states. */
class SimulatedDiskFaultTest {

    private static final int FILE_BYTES = 256 * 1024;

    private final Arena arena = Arena.ofAuto();

    private static SimulatedDisk disk(long seed) {
        return SimulatedDisk.builder(seed).dataFileBytes(FILE_BYTES).build();
    }

    /** Indexes of the bits that differ between two equally long arrays. */
    private static List<Integer> differingBits(byte[] expected, byte[] actual) {
        assertEquals(expected.length, actual.length);
        List<Integer> bits = new ArrayList<>();
        for (int i = 0; i < expected.length; i++) {
            int difference = (expected[i] ^ actual[i]) & 0xff;
            for (int bit = 0; bit < 8; bit++) {
                if ((difference & (1 << bit)) != 0) {
                    bits.add(i * 8 + bit);
                }
            }
        }
        return bits;
    }

    private static byte[] sectorsOf(byte[] bytes, int firstSector, int count) {
        return Arrays.copyOfRange(bytes, firstSector * SECTOR, (firstSector + count) * SECTOR);
    }

    // ---- Bit rot on read.

    @Test
    void readBitRotFlipsTheSameBitOnEveryReadUntilTheSectorIsRewritten() {
        SimulatedDisk disk = disk(1);
        byte[] data = pattern(4096, 1);
        write(disk, arena, IoPort.DATA_FILE, 0, data, 0);

        disk.injectReadBitRot(IoPort.DATA_FILE, 3, 17);
        byte[] first = read(disk, arena, IoPort.DATA_FILE, 0, 4096);
        byte[] second = read(disk, arena, IoPort.DATA_FILE, 0, 4096);

        assertEquals(List.of(3 * SECTOR * 8 + 17), differingBits(data, first));
        assertArrayEquals(first, second, "a retry returns the same corruption");
        assertArrayEquals(data, raw(disk, IoPort.DATA_FILE, 0, 4096), "the stored bytes are intact");
        assertEquals(1, disk.stats().faults(FaultKind.READ_BIT_ROT));

        write(disk, arena, IoPort.DATA_FILE, 3 * SECTOR, sectorsOf(data, 3, 1), 0);
        assertArrayEquals(data, read(disk, arena, IoPort.DATA_FILE, 0, 4096), "a rewrite heals the sector");
    }

    @Test
    void plannedReadBitRotIsStickyPerSector() {
        SimulatedDisk disk = disk(2);
        byte[] data = pattern(4096, 2);
        write(disk, arena, IoPort.DATA_FILE, 0, data, 0);
        disk.faultPlan(FaultPlan.none().with(FaultKind.READ_BIT_ROT, 1.0));

        byte[] first = read(disk, arena, IoPort.DATA_FILE, 0, 4096);
        disk.faultsEnabled(false);
        byte[] second = read(disk, arena, IoPort.DATA_FILE, 0, 4096);

        assertEquals(8, differingBits(data, first).size(), "one flipped bit per sector");
        for (int sector = 0; sector < 8; sector++) {
            assertEquals(1, differingBits(sectorsOf(data, sector, 1), sectorsOf(first, sector, 1)).size());
        }
        assertArrayEquals(first, second, "disabling new faults does not heal old ones");
        assertEquals(8, disk.stats().faults(FaultKind.READ_BIT_ROT));

        disk.clearFaults();
        assertArrayEquals(data, read(disk, arena, IoPort.DATA_FILE, 0, 4096));
    }

    // ---- Bit rot on write.

    @Test
    void writeBitRotStoresTheSectorWithOneFlippedBit() {
        SimulatedDisk disk = disk(3);
        byte[] data = pattern(4096, 3);

        disk.armNextWrite(FaultKind.WRITE_BIT_ROT, IoPort.DATA_FILE, 5);
        write(disk, arena, IoPort.DATA_FILE, 0, data, 0);

        byte[] stored = raw(disk, IoPort.DATA_FILE, 0, 4096);
        List<Integer> bits = differingBits(data, stored);
        assertEquals(1, bits.size());
        assertEquals(5, bits.get(0) / (SECTOR * 8), "the flipped bit is in sector 5");
        assertArrayEquals(stored, read(disk, arena, IoPort.DATA_FILE, 0, 4096));
        assertEquals(1, disk.stats().faults(FaultKind.WRITE_BIT_ROT));

        write(disk, arena, IoPort.DATA_FILE, 0, data, 0);
        assertArrayEquals(data, raw(disk, IoPort.DATA_FILE, 0, 4096), "armed faults fire once");
    }

    @Test
    void plannedWriteBitRotCorruptsEverySectorWritten() {
        SimulatedDisk disk = SimulatedDisk.builder(4).dataFileBytes(FILE_BYTES)
                .faultPlan(FaultPlan.none().with(FaultKind.WRITE_BIT_ROT, 1.0)).build();
        byte[] data = pattern(2048, 4);

        write(disk, arena, IoPort.DATA_FILE, 8192, data, 0);

        assertEquals(4, differingBits(data, raw(disk, IoPort.DATA_FILE, 8192, 2048)).size());
        assertEquals(4, disk.stats().faults(FaultKind.WRITE_BIT_ROT));
    }

    // ---- Latent sector errors.

    @Test
    void aLatentSectorErrorFailsEveryReadTouchingItUntilRewritten() {
        SimulatedDisk disk = disk(5);
        byte[] data = pattern(4096, 5);
        write(disk, arena, IoPort.DATA_FILE, 0, data, 0);

        disk.injectLatentSectorError(IoPort.DATA_FILE, 5);

        assertEquals(-SimulatedDisk.EIO, readResult(disk, arena, IoPort.DATA_FILE, 0, 4096));
        assertEquals(-SimulatedDisk.EIO, readResult(disk, arena, IoPort.DATA_FILE, 5 * SECTOR, SECTOR));
        assertArrayEquals(sectorsOf(data, 0, 5), read(disk, arena, IoPort.DATA_FILE, 0, 5 * SECTOR), "neighbours read");
        assertEquals(2, disk.stats().readErrors());

        write(disk, arena, IoPort.DATA_FILE, 5 * SECTOR, sectorsOf(data, 5, 1), 0);
        assertArrayEquals(data, read(disk, arena, IoPort.DATA_FILE, 0, 4096));
    }

    @Test
    void plannedLatentSectorErrorsAreSticky() {
        SimulatedDisk disk = SimulatedDisk.builder(6).dataFileBytes(FILE_BYTES)
                .faultPlan(FaultPlan.none().with(FaultKind.LATENT_SECTOR_ERROR, 1.0)).build();

        assertEquals(-SimulatedDisk.EIO, readResult(disk, arena, IoPort.DATA_FILE, 0, 1024));
        disk.faultsEnabled(false);
        assertEquals(-SimulatedDisk.EIO, readResult(disk, arena, IoPort.DATA_FILE, 512, 512));
        assertEquals(2, disk.stats().faults(FaultKind.LATENT_SECTOR_ERROR));
    }

    // ---- Lost writes.

    @Test
    void aLostWriteCompletesSuccessfullyAndStoresNothing() {
        SimulatedDisk disk = disk(7);
        byte[] before = pattern(4096, 70);
        write(disk, arena, IoPort.DATA_FILE, 4096, before, 0);

        disk.armNextWrite(FaultKind.LOST_WRITE, IoPort.DATA_FILE, 9);
        assertEquals(4096, write(disk, arena, IoPort.DATA_FILE, 4096, pattern(4096, 71), 0));

        assertArrayEquals(before, read(disk, arena, IoPort.DATA_FILE, 4096, 4096));
        assertEquals(1, disk.stats().faults(FaultKind.LOST_WRITE));
    }

    @Test
    void aWriteNotTouchingTheArmedSectorIsNotLost() {
        SimulatedDisk disk = disk(8);

        disk.armNextWrite(FaultKind.LOST_WRITE, IoPort.DATA_FILE, 100);
        write(disk, arena, IoPort.DATA_FILE, 0, pattern(4096, 8), 0);

        assertArrayEquals(pattern(4096, 8), raw(disk, IoPort.DATA_FILE, 0, 4096));
        assertEquals(0, disk.stats().faults(FaultKind.LOST_WRITE));
    }

    // ---- Torn writes.

    @Test
    void anArmedTornWriteStoresOnlyItsFirstSectors() {
        SimulatedDisk disk = disk(9);
        byte[] before = pattern(4096, 90);
        byte[] after = pattern(4096, 91);
        write(disk, arena, IoPort.DATA_FILE, 0, before, 0);

        disk.armTornWrite(IoPort.DATA_FILE, 4, 3);
        assertEquals(4096, write(disk, arena, IoPort.DATA_FILE, 0, after, 0));

        byte[] stored = raw(disk, IoPort.DATA_FILE, 0, 4096);
        assertArrayEquals(sectorsOf(after, 0, 3), sectorsOf(stored, 0, 3));
        assertArrayEquals(sectorsOf(before, 3, 5), sectorsOf(stored, 3, 5));
    }

    @Test
    void plannedTornWritesApplyAPrefixOrASuffixAtSectorGranularity() {
        SimulatedDisk disk = SimulatedDisk.builder(10).dataFileBytes(FILE_BYTES)
                .faultPlan(FaultPlan.none().with(FaultKind.TORN_WRITE, 1.0)).build();
        boolean sawPrefix = false;
        boolean sawSuffix = false;
        for (int round = 0; round < 32; round++) {
            byte[] before = raw(disk, IoPort.DATA_FILE, 0, 4096);
            byte[] after = pattern(4096, 100 + round);
            write(disk, arena, IoPort.DATA_FILE, 0, after, 0);
            byte[] stored = raw(disk, IoPort.DATA_FILE, 0, 4096);

            StringBuilder shape = new StringBuilder(); // 'n' new sector, 'o' old sector
            for (int sector = 0; sector < 8; sector++) {
                byte[] got = sectorsOf(stored, sector, 1);
                boolean isNew = Arrays.equals(got, sectorsOf(after, sector, 1));
                boolean isOld = Arrays.equals(got, sectorsOf(before, sector, 1));
                assertTrue(isNew || isOld, "a sector is wholly old or wholly new");
                shape.append(isNew ? 'n' : 'o');
            }
            assertTrue(shape.toString().matches("n+o+|o+n+"), "torn at one boundary: " + shape);
            sawPrefix |= shape.charAt(0) == 'n';
            sawSuffix |= shape.charAt(0) == 'o';
        }
        assertTrue(sawPrefix && sawSuffix);
        assertEquals(32, disk.stats().faults(FaultKind.TORN_WRITE));
    }

    @Test
    void aSingleSectorWriteCannotTear() {
        SimulatedDisk disk = SimulatedDisk.builder(11).dataFileBytes(FILE_BYTES)
                .faultPlan(FaultPlan.none().with(FaultKind.TORN_WRITE, 1.0)).build();

        write(disk, arena, IoPort.DATA_FILE, 0, pattern(512, 11), 0);

        assertArrayEquals(pattern(512, 11), raw(disk, IoPort.DATA_FILE, 0, 512));
        assertEquals(0, disk.stats().faults(FaultKind.TORN_WRITE));
    }

    // ---- Misdirected writes and reads.

    @Test
    void aMisdirectedWriteLandsIntactElsewhereAndLeavesItsTargetUnchanged() {
        SimulatedDisk disk = disk(12);
        byte[] before = pattern(4096, 120);
        write(disk, arena, IoPort.DATA_FILE, 0, before, 0);

        disk.armMisdirectedWrite(IoPort.DATA_FILE, 0, 64 * 1024);
        assertEquals(4096, write(disk, arena, IoPort.DATA_FILE, 0, pattern(4096, 121), 0));

        assertArrayEquals(before, read(disk, arena, IoPort.DATA_FILE, 0, 4096));
        assertArrayEquals(pattern(4096, 121), read(disk, arena, IoPort.DATA_FILE, 64 * 1024, 4096));
        assertEquals(1, disk.stats().faults(FaultKind.MISDIRECTED_WRITE));
    }

    @Test
    void aPlannedMisdirectedWriteLandsAtExactlyOneOtherAlignedOffset() {
        SimulatedDisk disk = SimulatedDisk.builder(13).dataFileBytes(FILE_BYTES).alignmentBytes(4096)
                .faultPlan(FaultPlan.none().with(FaultKind.MISDIRECTED_WRITE, 1.0)).build();
        byte[] data = pattern(4096, 13);

        write(disk, arena, IoPort.DATA_FILE, 8192, data, 0);

        byte[] image = raw(disk, IoPort.DATA_FILE, 0, FILE_BYTES);
        List<Integer> landed = new ArrayList<>();
        for (int offset = 0; offset + 4096 <= FILE_BYTES; offset += SECTOR) {
            if (Arrays.equals(data, Arrays.copyOfRange(image, offset, offset + 4096))) {
                landed.add(offset);
            }
        }
        assertEquals(1, landed.size(), "landed at " + landed);
        assertTrue(landed.get(0) != 8192 && landed.get(0) % 4096 == 0, "landed at " + landed);
        assertArrayEquals(new byte[4096], Arrays.copyOfRange(image, 8192, 8192 + 4096));
    }

    @Test
    void aPlannedMisdirectedWriteNeverOverlapsItsIntendedLocation() {
        for (long seed = 1; seed <= 64; seed++) {
            SimulatedDisk disk = SimulatedDisk.builder(seed).dataFileBytes(32 * 1024)
                    .faultPlan(FaultPlan.none().with(FaultKind.MISDIRECTED_WRITE, 1.0)).build();

            write(disk, arena, IoPort.DATA_FILE, 16 * SECTOR, pattern(8 * SECTOR, 1), 0);

            assertArrayEquals(new byte[8 * SECTOR], raw(disk, IoPort.DATA_FILE, 16 * SECTOR, 8 * SECTOR), "seed " + seed);
            assertEquals(1, disk.stats().faults(FaultKind.MISDIRECTED_WRITE));
        }
    }

    @Test
    void aMisdirectedReadReturnsAnotherOffsetsDataOnce() {
        SimulatedDisk disk = disk(14);
        write(disk, arena, IoPort.DATA_FILE, 0, pattern(1024, 140), 0);
        write(disk, arena, IoPort.DATA_FILE, 8192, pattern(1024, 141), 0);

        disk.armMisdirectedRead(IoPort.DATA_FILE, 1, 8192);

        assertArrayEquals(pattern(1024, 141), read(disk, arena, IoPort.DATA_FILE, 0, 1024));
        assertArrayEquals(pattern(1024, 140), read(disk, arena, IoPort.DATA_FILE, 0, 1024));
        assertEquals(1, disk.stats().faults(FaultKind.MISDIRECTED_READ));
    }

    @Test
    void plannedMisdirectedReadsReturnOtherData() {
        SimulatedDisk disk = disk(15);
        for (int block = 0; block < FILE_BYTES / 4096; block++) {
            write(disk, arena, IoPort.DATA_FILE, block * 4096L, pattern(4096, block), 0);
        }
        disk.faultPlan(FaultPlan.none().with(FaultKind.MISDIRECTED_READ, 1.0));

        byte[] got = read(disk, arena, IoPort.DATA_FILE, 0, 4096);

        assertFalse(Arrays.equals(pattern(4096, 0), got));
        assertEquals(1, disk.stats().faults(FaultKind.MISDIRECTED_READ));
    }

    // ---- Switches and bookkeeping.

    @Test
    void disabledFaultsLeaveEveryOperationClean() {
        SimulatedDisk disk = SimulatedDisk.builder(16).dataFileBytes(FILE_BYTES).faultPlan(FaultPlan.all(1.0)).build();
        disk.faultsEnabled(false);

        write(disk, arena, IoPort.DATA_FILE, 0, pattern(8192, 16), 0);

        assertArrayEquals(pattern(8192, 16), read(disk, arena, IoPort.DATA_FILE, 0, 8192));
        assertEquals(0, disk.stats().faultsTotal());
    }

    @Test
    void armingRejectsFaultsOfTheWrongDirectionAndSectorsOutsideTheFile() {
        SimulatedDisk disk = disk(17);

        assertThrows(IllegalArgumentException.class, () -> disk.armNextWrite(FaultKind.MISDIRECTED_READ, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> disk.armNextRead(FaultKind.LOST_WRITE, 0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> disk.armNextWrite(FaultKind.LOST_WRITE, 0, FILE_BYTES / SECTOR));
        assertThrows(IllegalArgumentException.class, () -> disk.injectLatentSectorError(5, 0));
    }

    @Test
    void writeRawChangesWhatReadsSeeAndIsDurable() {
        SimulatedDisk disk = disk(18);
        write(disk, arena, IoPort.DATA_FILE, 0, pattern(512, 18), 0);

        disk.writeRaw(IoPort.DATA_FILE, 100, new byte[] {1, 2, 3});

        byte[] expected = pattern(512, 18);
        expected[100] = 1;
        expected[101] = 2;
        expected[102] = 3;
        assertArrayEquals(expected, read(disk, arena, IoPort.DATA_FILE, 0, 512));
        assertArrayEquals(Arrays.copyOfRange(expected, 100, 103), Arrays.copyOfRange(disk.durableImage(IoPort.DATA_FILE), 100, 103));
    }

    @Test
    void theListenerSeesEveryMediaChangeInOrderWhereItLanded() {
        SimulatedDisk disk = disk(19);
        List<SimMediaEvent> events = new ArrayList<>();
        disk.mediaListener(events::add);

        write(disk, arena, IoPort.DATA_FILE, 0, pattern(512, 1), 0);
        disk.armMisdirectedWrite(IoPort.DATA_FILE, 1, 4096);
        write(disk, arena, IoPort.DATA_FILE, 512, pattern(512, 2), IoPort.FLAG_DSYNC);
        disk.armNextWrite(FaultKind.LOST_WRITE, IoPort.DATA_FILE, 2);
        write(disk, arena, IoPort.DATA_FILE, 1024, pattern(512, 3), 0);
        SimHarness.fsync(disk, IoPort.DATA_FILE);

        assertEquals(List.of(SimMediaEvent.Kind.WRITE, SimMediaEvent.Kind.WRITE_DURABLE, SimMediaEvent.Kind.FLUSH),
                events.stream().map(SimMediaEvent::kind).toList());
        assertEquals(List.of(0L, 1L, 2L), events.stream().map(SimMediaEvent::sequence).toList());
        assertEquals(4096, events.get(1).offsetBytes());
        assertArrayEquals(pattern(512, 2), events.get(1).data());
    }

    @Test
    void aBufferChangedWhileItsWriteIsInFlightIsCountedAndTheStartingBytesStored() {
        SimulatedDisk disk = SimulatedDisk.builder(20).dataFileBytes(FILE_BYTES).latencyTicks(10, 10).build();
        var buffer = SimHarness.fill(SimHarness.buffer(arena, 512), 20);
        byte[] original = SimHarness.bytes(buffer);

        disk.prepareWrite(IoPort.DATA_FILE, 0, buffer, 0, 1);
        disk.submitAndReap(0, (userData, result) -> { });
        buffer.fill((byte) 0x55);
        SimHarness.drive(disk);

        assertEquals(1, disk.stats().unstableWriteBuffers());
        assertArrayEquals(original, raw(disk, IoPort.DATA_FILE, 0, 512));
    }
}
