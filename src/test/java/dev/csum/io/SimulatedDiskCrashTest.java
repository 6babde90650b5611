package dev.csum.io;

import static dev.csum.io.SimHarness.SECTOR;
import static dev.csum.io.SimHarness.buffer;
import static dev.csum.io.SimHarness.durable;
import static dev.csum.io.SimHarness.fill;
import static dev.csum.io.SimHarness.fsync;
import static dev.csum.io.SimHarness.pattern;
import static dev.csum.io.SimHarness.read;
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

/** The volatile write cache, fsync, DSYNC, and what a crash leaves on the media. */
class SimulatedDiskCrashTest {

    private static final int FILE_BYTES = 256 * 1024;

    private final Arena arena = Arena.ofAuto();

    private static SimulatedDisk disk(long seed, double persistProbability, double tornProbability) {
        return SimulatedDisk.builder(seed).dataFileBytes(FILE_BYTES).metadataFileBytes(64 * 1024)
                .faultPlan(FaultPlan.none().withCrash(persistProbability, tornProbability)).build();
    }

    @Test
    void aCrashLosesUnflushedWritesAndKeepsFsyncedAndDsyncWrites() {
        SimulatedDisk disk = disk(1, 0.0, 0.0);
        write(disk, arena, IoPort.DATA_FILE, 0, pattern(4096, 1), 0);
        fsync(disk, IoPort.DATA_FILE);
        write(disk, arena, IoPort.DATA_FILE, 4096, pattern(4096, 2), IoPort.FLAG_DSYNC);
        write(disk, arena, IoPort.DATA_FILE, 8192, pattern(4096, 3), 0);
        write(disk, arena, IoPort.DATA_FILE, 0, pattern(512, 4), 0);    // overwrites fsynced data, unflushed
        assertArrayEquals(pattern(4096, 3), read(disk, arena, IoPort.DATA_FILE, 8192, 4096), "visible before the crash");
        assertTrue(disk.hasUnflushedWrites(IoPort.DATA_FILE));

        disk.crash();
        SimulatedDisk reopened = disk.reopen();

        assertArrayEquals(pattern(4096, 1), read(reopened, arena, IoPort.DATA_FILE, 0, 4096));
        assertArrayEquals(pattern(4096, 2), read(reopened, arena, IoPort.DATA_FILE, 4096, 4096));
        assertArrayEquals(new byte[4096], read(reopened, arena, IoPort.DATA_FILE, 8192, 4096));
        assertFalse(reopened.hasUnflushedWrites(IoPort.DATA_FILE));
        assertEquals(2, reopened.stats().crashDiscardedWrites());
    }

    @Test
    void anFsyncFlushesOnlyItsOwnFile() {
        SimulatedDisk disk = disk(2, 0.0, 0.0);
        write(disk, arena, IoPort.DATA_FILE, 0, pattern(512, 1), 0);
        write(disk, arena, IoPort.METADATA_FILE, 0, pattern(512, 2), 0);

        fsync(disk, IoPort.DATA_FILE);
        disk.crash();

        assertArrayEquals(pattern(512, 1), durable(disk, IoPort.DATA_FILE, 0, 512));
        assertArrayEquals(new byte[512], durable(disk, IoPort.METADATA_FILE, 0, 512));
    }

    @Test
    void aCrashedPortIsDeadAndOperationsInFlightNeverComplete() {
        SimulatedDisk disk = SimulatedDisk.builder(3).dataFileBytes(FILE_BYTES).latencyTicks(100, 100)
                .faultPlan(FaultPlan.none().withCrash(0.0, 0.0)).build();
        List<Long> completed = new ArrayList<>();
        disk.prepareWrite(IoPort.DATA_FILE, 0, fill(buffer(arena, 4096), 3), 0, 1);
        disk.prepareRead(IoPort.DATA_FILE, 8192, buffer(arena, 512), 0, 2);
        disk.submitAndReap(0, (userData, result) -> completed.add(userData));
        disk.prepareFsync(IoPort.DATA_FILE, 0, 3); // prepared, never submitted

        disk.crash();

        assertFalse(disk.isOpen());
        assertThrows(IllegalStateException.class, () -> disk.submitAndReap(0, (userData, result) -> completed.add(userData)));
        SimulatedDisk reopened = disk.reopen();
        assertEquals(0, SimHarness.drive(reopened).size());
        assertEquals(List.of(), completed);
        assertEquals(3, reopened.stats().crashDroppedOps());
        assertArrayEquals(new byte[4096], read(reopened, arena, IoPort.DATA_FILE, 0, 4096));
    }

    @Test
    void aWriteInFlightAtACrashMayStillReachTheMedia() {
        SimulatedDisk disk = SimulatedDisk.builder(4).dataFileBytes(FILE_BYTES).latencyTicks(100, 100)
                .faultPlan(FaultPlan.none().withCrash(1.0, 0.0)).build();
        disk.prepareWrite(IoPort.DATA_FILE, 0, fill(buffer(arena, 4096), 4), 0, 1);
        disk.submitAndReap(0, (userData, result) -> { });

        disk.crash();

        byte[] expected = SimHarness.bytes(fill(buffer(arena, 4096), 4));
        assertArrayEquals(expected, durable(disk, IoPort.DATA_FILE, 0, 4096));
        assertEquals(1, disk.stats().crashPersistedWrites());
    }

    @Test
    void aCrashPersistsASeededSubsetOfUnflushedWritesSomeTornAtOneSectorBoundary() {
        SimulatedDisk disk = disk(5, 0.5, 0.5);
        int writeCount = 64;
        for (int i = 0; i < writeCount; i++) {
            write(disk, arena, IoPort.DATA_FILE, i * 4096L, pattern(4096, i + 1), 0);
        }

        disk.crash();

        int whole = 0;
        int lost = 0;
        int torn = 0;
        for (int i = 0; i < writeCount; i++) {
            byte[] after = pattern(4096, i + 1);
            byte[] stored = durable(disk, IoPort.DATA_FILE, i * 4096L, 4096);
            StringBuilder shape = new StringBuilder(); // 'n' new sector, 'o' old (zero) sector
            for (int sector = 0; sector < 8; sector++) {
                byte[] got = Arrays.copyOfRange(stored, sector * SECTOR, (sector + 1) * SECTOR);
                boolean isNew = Arrays.equals(got, Arrays.copyOfRange(after, sector * SECTOR, (sector + 1) * SECTOR));
                assertTrue(isNew || Arrays.equals(got, new byte[SECTOR]), "write " + i + " sector " + sector);
                shape.append(isNew ? 'n' : 'o');
            }
            String text = shape.toString();
            if (text.equals("nnnnnnnn")) {
                whole++;
            } else if (text.equals("oooooooo")) {
                lost++;
            } else {
                assertTrue(text.matches("n+o+|o+n+"), "write " + i + " torn at more than one boundary: " + text);
                torn++;
            }
        }
        SimulatedDiskStats stats = disk.stats();
        assertTrue(whole > 0 && lost > 0 && torn > 0, "whole " + whole + ", lost " + lost + ", torn " + torn);
        assertEquals(torn, stats.faults(FaultKind.CRASH_TORN_WRITE));
        assertEquals(whole + torn, stats.crashPersistedWrites());
        assertEquals(lost, stats.crashDiscardedWrites());
    }

    @Test
    void anOlderCachedWriteNeverOverwritesALaterDsyncWriteAtACrash() {
        SimulatedDisk disk = disk(6, 1.0, 0.0);
        write(disk, arena, IoPort.DATA_FILE, 0, pattern(4096, 1), 0);
        write(disk, arena, IoPort.DATA_FILE, 1024, pattern(1024, 2), IoPort.FLAG_DSYNC);

        disk.crash();

        byte[] expected = pattern(4096, 1);
        System.arraycopy(pattern(1024, 2), 0, expected, 1024, 1024);
        assertArrayEquals(expected, durable(disk, IoPort.DATA_FILE, 0, 4096));
    }

    @Test
    void laterCachedWritesWinOverEarlierOnesWhenBothReachTheMedia() {
        SimulatedDisk disk = disk(7, 1.0, 0.0);
        write(disk, arena, IoPort.DATA_FILE, 0, pattern(1024, 1), 0);
        write(disk, arena, IoPort.DATA_FILE, 0, pattern(1024, 2), 0);

        disk.crash();

        assertArrayEquals(pattern(1024, 2), durable(disk, IoPort.DATA_FILE, 0, 1024));
    }

    @Test
    void closeIsNotAPowerLossButACrashAfterCloseIs() {
        SimulatedDisk disk = disk(8, 0.0, 0.0);
        write(disk, arena, IoPort.DATA_FILE, 0, pattern(512, 8), 0);

        disk.close();
        SimulatedDisk reopened = disk.reopen();
        assertArrayEquals(pattern(512, 8), read(reopened, arena, IoPort.DATA_FILE, 0, 512), "the cache survives a close");
        reopened.close();
        reopened.crash();

        assertArrayEquals(new byte[512], read(reopened.reopen(), arena, IoPort.DATA_FILE, 0, 512));
    }

    @Test
    void onlyOnePortIsOpenOnAMediaAtATime() {
        SimulatedDisk disk = disk(9, 0.0, 0.0);

        assertThrows(IllegalStateException.class, disk::reopen);
        disk.close();
        SimulatedDisk reopened = disk.reopen();
        assertThrows(IllegalStateException.class, disk::reopen, "the first port is closed but its media is open again");
        assertTrue(reopened.isOpen());
    }

    @Test
    void aReopenedPortKeepsTheFaultPlanStatsAndStickyFaults() {
        SimulatedDisk disk = disk(10, 0.0, 0.0);
        write(disk, arena, IoPort.DATA_FILE, 0, pattern(512, 10), IoPort.FLAG_DSYNC);
        disk.injectLatentSectorError(IoPort.DATA_FILE, 0);

        disk.crash();
        SimulatedDisk reopened = disk.reopen();

        assertEquals(-SimulatedDisk.EIO, SimHarness.readResult(reopened, arena, IoPort.DATA_FILE, 0, 512));
        assertEquals(1, reopened.stats().crashes());
        assertEquals(disk.faultPlan(), reopened.faultPlan());
    }

    @Test
    void theListenerSeesWhatACrashPersistedThenTheCrash() {
        SimulatedDisk disk = disk(11, 1.0, 0.0);
        List<SimMediaEvent> events = new ArrayList<>();
        disk.mediaListener(events::add);
        write(disk, arena, IoPort.DATA_FILE, 4096, pattern(1024, 11), 0);

        disk.crash();

        assertEquals(List.of(SimMediaEvent.Kind.WRITE, SimMediaEvent.Kind.CRASH_PERSISTED,
                SimMediaEvent.Kind.CRASH, SimMediaEvent.Kind.CRASH), events.stream().map(SimMediaEvent::kind).toList());
        assertEquals(4096, events.get(1).offsetBytes());
        assertArrayEquals(pattern(1024, 11), events.get(1).data());
        assertEquals(List.of(0, 0, 0, 1), events.stream().map(SimMediaEvent::fileIndex).toList());
    }
}
