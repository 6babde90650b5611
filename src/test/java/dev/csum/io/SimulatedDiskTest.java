package dev.csum.io;

import static dev.csum.io.SimHarness.SECTOR;
import static dev.csum.io.SimHarness.buffer;
import static dev.csum.io.SimHarness.drive;
import static dev.csum.io.SimHarness.pattern;
import static dev.csum.io.SimHarness.raw;
import static dev.csum.io.SimHarness.read;
import static dev.csum.io.SimHarness.resultOf;
import static dev.csum.io.SimHarness.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The plain device: round trips, files, validation, queue depth, closing. */
class SimulatedDiskTest {

    private final Arena arena = Arena.ofAuto();

    @Test
    void writtenDataReadsBackAndUnwrittenReadsZero() {
        SimulatedDisk disk = SimulatedDisk.builder(1).dataFileBytes(64 * 1024).build();
        byte[] data = pattern(4096, 7);

        assertEquals(4096, write(disk, arena, IoPort.DATA_FILE, 8192, data, 0));

        assertArrayEquals(data, read(disk, arena, IoPort.DATA_FILE, 8192, 4096));
        assertArrayEquals(new byte[4096], read(disk, arena, IoPort.DATA_FILE, 0, 4096));
        assertArrayEquals(data, raw(disk, IoPort.DATA_FILE, 8192, 4096));
        assertEquals(64 * 1024, disk.fileSizeBytes(IoPort.DATA_FILE));
        assertEquals(512, disk.alignmentBytes());
    }

    @Test
    void interleavedMetadataIndexNamesTheDataFile() {
        SimulatedDisk disk = SimulatedDisk.builder(2).dataFileBytes(64 * 1024).build();

        write(disk, arena, IoPort.METADATA_FILE, 1024, pattern(512, 3), 0);

        assertEquals(1, disk.physicalFileCount());
        assertArrayEquals(pattern(512, 3), read(disk, arena, IoPort.DATA_FILE, 1024, 512));
    }

    @Test
    void separateMetadataFileIsIndependentOfTheDataFile() {
        SimulatedDisk disk = SimulatedDisk.builder(3).dataFileBytes(64 * 1024).metadataFileBytes(8 * 1024).build();

        write(disk, arena, IoPort.METADATA_FILE, 1024, pattern(512, 3), 0);

        assertEquals(2, disk.physicalFileCount());
        assertEquals(8 * 1024, disk.fileSizeBytes(IoPort.METADATA_FILE));
        assertArrayEquals(pattern(512, 3), read(disk, arena, IoPort.METADATA_FILE, 1024, 512));
        assertArrayEquals(new byte[512], read(disk, arena, IoPort.DATA_FILE, 1024, 512));
    }

    @Test
    void badRequestsCompleteWithErrnoAndStoreNothing() {
        SimulatedDisk disk = SimulatedDisk.builder(4).dataFileBytes(64 * 1024).build();
        MemorySegment aligned = buffer(arena, 1024);
        SimHarness.fill(aligned, 9);

        disk.prepareWrite(IoPort.DATA_FILE, 100, aligned, 0, 1);                                 // misaligned offset
        disk.prepareWrite(IoPort.DATA_FILE, 0, aligned.asSlice(0, 100), 0, 2);                   // misaligned length
        disk.prepareWrite(IoPort.DATA_FILE, 0, buffer(arena, 2048).asSlice(8, 512), 0, 3);       // misaligned address
        disk.prepareWrite(IoPort.DATA_FILE, 64 * 1024 - 512, aligned, 0, 4);                     // past the end
        disk.prepareWrite(IoPort.DATA_FILE, -512, aligned, 0, 5);                                // negative
        disk.prepareWrite(IoPort.DATA_FILE, 0, MemorySegment.ofArray(new byte[512]), 0, 6);      // heap buffer
        disk.prepareWrite(7, 0, aligned, 0, 7);                                                  // no such file
        disk.prepareWrite(IoPort.DATA_FILE, 0, aligned, 1 << 10, 8);                             // unknown flag
        disk.prepareRead(IoPort.DATA_FILE, 0, aligned.asReadOnly(), 0, 9);                       // read-only target
        disk.prepareFsync(IoPort.METADATA_FILE + 1, 0, 10);                                      // fsync of no file
        List<SimHarness.Completion> completions = drive(disk);

        assertEquals(-SimulatedDisk.EINVAL, resultOf(completions, 1));
        assertEquals(-SimulatedDisk.EINVAL, resultOf(completions, 2));
        assertEquals(-SimulatedDisk.EINVAL, resultOf(completions, 3));
        assertEquals(-SimulatedDisk.EINVAL, resultOf(completions, 4));
        assertEquals(-SimulatedDisk.EINVAL, resultOf(completions, 5));
        assertEquals(-SimulatedDisk.EFAULT, resultOf(completions, 6));
        assertEquals(-SimulatedDisk.EBADF, resultOf(completions, 7));
        assertEquals(-SimulatedDisk.EINVAL, resultOf(completions, 8));
        assertEquals(-SimulatedDisk.EFAULT, resultOf(completions, 9));
        assertEquals(-SimulatedDisk.EBADF, resultOf(completions, 10));
        assertArrayEquals(new byte[64 * 1024], raw(disk, IoPort.DATA_FILE, 0, 64 * 1024));
        assertEquals(10, disk.stats().invalidOps());
    }

    @Test
    void configuredAlignmentIsEnforced() {
        SimulatedDisk disk = SimulatedDisk.builder(5).dataFileBytes(64 * 1024).alignmentBytes(4096).build();

        disk.prepareWrite(IoPort.DATA_FILE, 512, buffer(arena, 4096), 0, 1);
        disk.prepareWrite(IoPort.DATA_FILE, 4096, buffer(arena, 512), 0, 2);
        disk.prepareWrite(IoPort.DATA_FILE, 4096, buffer(arena, 4096), 0, 3);
        List<SimHarness.Completion> completions = drive(disk);

        assertEquals(4096, disk.alignmentBytes());
        assertEquals(-SimulatedDisk.EINVAL, resultOf(completions, 1));
        assertEquals(-SimulatedDisk.EINVAL, resultOf(completions, 2));
        assertEquals(4096, resultOf(completions, 3));
    }

    @Test
    void zeroLengthTransfersCompleteWithZero() {
        SimulatedDisk disk = SimulatedDisk.builder(6).dataFileBytes(64 * 1024).build();

        disk.prepareRead(IoPort.DATA_FILE, 0, buffer(arena, 512).asSlice(0, 0), 0, 1);
        disk.prepareWrite(IoPort.DATA_FILE, 512, buffer(arena, 512).asSlice(0, 0), 0, 2);
        List<SimHarness.Completion> completions = drive(disk);

        assertEquals(0, resultOf(completions, 1));
        assertEquals(0, resultOf(completions, 2));
    }

    @Test
    void prepareReturnsFalseWhenTheQueueIsFullAndTrueAgainAfterReaping() {
        SimulatedDisk disk = SimulatedDisk.builder(7).dataFileBytes(64 * 1024).queueDepth(4).build();
        MemorySegment target = buffer(arena, 512);

        for (int i = 0; i < 4; i++) {
            assertTrue(disk.prepareRead(IoPort.DATA_FILE, i * SECTOR, target, 0, i));
        }
        assertFalse(disk.prepareRead(IoPort.DATA_FILE, 0, target, 0, 99));
        assertFalse(disk.prepareFsync(IoPort.DATA_FILE, 0, 99));
        disk.submitAndReap(0, (userData, result) -> { });
        assertFalse(disk.prepareFsync(IoPort.DATA_FILE, 0, 99), "submitted operations still occupy the queue");

        assertEquals(4, drive(disk).size());
        assertTrue(disk.prepareRead(IoPort.DATA_FILE, 0, target, 0, 5));
        assertEquals(4, disk.queueDepth());
    }

    @Test
    void submitAndReapNeverWaitsForMoreThanIsInFlight() {
        SimulatedDisk disk = SimulatedDisk.builder(8).dataFileBytes(64 * 1024).latencyTicks(50, 50).build();

        assertEquals(0, disk.submitAndReap(10, (userData, result) -> { }));

        disk.prepareRead(IoPort.DATA_FILE, 0, buffer(arena, 512), 0, 1);
        disk.prepareRead(IoPort.DATA_FILE, 512, buffer(arena, 512), 0, 2);
        assertEquals(0, disk.submitAndReap(0, (userData, result) -> { }), "latency 50: nothing done after one tick");
        assertEquals(2, disk.submitAndReap(10, (userData, result) -> { }));
        assertEquals(0, disk.inFlight());
        assertTrue(disk.clockTicks() >= 50);
    }

    @Test
    void pollingWithZeroMinimumStillMakesProgress() {
        SimulatedDisk disk = SimulatedDisk.builder(9).dataFileBytes(64 * 1024).latencyTicks(5, 5).build();
        disk.prepareRead(IoPort.DATA_FILE, 0, buffer(arena, 512), 0, 1);

        int delivered = 0;
        int calls = 0;
        while (delivered == 0) {
            delivered += disk.submitAndReap(0, (userData, result) -> { });
            calls++;
            assertTrue(calls <= 6, "a polling caller must see the completion after the latency");
        }
        assertEquals(6, calls);
    }

    @Test
    void aClosedPortRejectsEveryIoCallAndClosesIdempotently() {
        SimulatedDisk disk = SimulatedDisk.builder(10).dataFileBytes(64 * 1024).build();
        disk.prepareRead(IoPort.DATA_FILE, 0, buffer(arena, 512), 0, 1);

        disk.close();
        disk.close();

        assertFalse(disk.isOpen());
        assertEquals(0, disk.stats().crashDroppedOps(), "a close is not a crash");
        assertThrows(IllegalStateException.class, () -> disk.prepareRead(IoPort.DATA_FILE, 0, buffer(arena, 512), 0, 1));
        assertThrows(IllegalStateException.class, () -> disk.prepareWrite(IoPort.DATA_FILE, 0, buffer(arena, 512), 0, 1));
        assertThrows(IllegalStateException.class, () -> disk.prepareFsync(IoPort.DATA_FILE, 0, 1));
        assertThrows(IllegalStateException.class, () -> disk.submitAndReap(0, (userData, result) -> { }));
        assertThrows(IllegalStateException.class, () -> disk.fileSizeBytes(IoPort.DATA_FILE));
    }

    @Test
    void theSinkMayPrepareButNotReenter() {
        SimulatedDisk disk = SimulatedDisk.builder(11).dataFileBytes(64 * 1024).build();
        MemorySegment target = buffer(arena, 512);
        disk.prepareRead(IoPort.DATA_FILE, 0, target, 0, 1);

        disk.submitAndReap(1, (userData, result) -> {
            assertTrue(disk.prepareRead(IoPort.DATA_FILE, 0, target, 0, 2));
            assertThrows(IllegalStateException.class, () -> disk.submitAndReap(0, (u, r) -> { }));
        });

        assertEquals(512, resultOf(drive(disk), 2));
    }

    @Test
    void builderRejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> SimulatedDisk.builder(1).alignmentBytes(1000));
        assertThrows(IllegalArgumentException.class, () -> SimulatedDisk.builder(1).alignmentBytes(256));
        assertThrows(IllegalArgumentException.class, () -> SimulatedDisk.builder(1).queueDepth(0));
        assertThrows(IllegalArgumentException.class, () -> SimulatedDisk.builder(1).latencyTicks(0, 4));
        assertThrows(IllegalArgumentException.class, () -> SimulatedDisk.builder(1).dataFileBytes(1000).build());
        assertThrows(IllegalArgumentException.class, () -> new FaultPlan(2, 0, 0, 0, 0, 0, 0, 0, 0));
    }
}
