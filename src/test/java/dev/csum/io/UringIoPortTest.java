package dev.csum.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.csum.uring.NativeIoException;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** UringIoPort: the IoPort contract ({@link IoPortContractTest}), and the cost of its eventfd wakeup. */
class UringIoPortTest extends IoPortContractTest {

    @Override
    IoPort open(Path data, Path metadataOrNull, int queueDepth, boolean readOnly) throws IOException {
        return UringIoPort.open(data, metadataOrNull, queueDepth, readOnly);
    }

    @Override
    int inFlightCount(IoPort port) {
        return ((UringIoPort) port).inFlightCount();
    }

    @Test
    void aParkedWaitCostsOneEventfdWriteAndWakeupsOfABusyLoopNone() throws Exception {
        try (UringIoPort port = UringIoPort.open(dataPath, null, 8, false)) {
            for (int index = 0; index < 1000; index++) {
                port.wakeup(); // the loop is not parked: these coalesce into one pending flag
            }
            assertEquals(0, assertTimeoutPreemptively(PROMPTLY, () -> port.submitAndReap(1, this::record)));
            assertEquals(0, port.wakeupWriteCount(), "a loop that is not parked costs wakers no system call");

            waitEndedByAWakeupAfter(port, 300);
            assertEquals(1, port.wakeupWriteCount(), "one eventfd write for one parked wait");
        }
    }

    @Test
    void registeredRegionsCarryFixedReadsAndWritesAndASecondSetTurnsThemOff() throws Exception {
        System.setProperty(FixedBuffers.PROPERTY, "true");
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
             UringIoPort port = UringIoPort.open(dataPath, null, 8, false)) {
            java.lang.foreign.MemorySegment region = arena.allocate(4 * BLOCK_BYTES, BLOCK_BYTES);
            port.registerBuffers(region);
            assertEquals(1, port.fixedRegionCount());
            java.lang.foreign.MemorySegment written = region.asSlice(0, BLOCK_BYTES);
            java.lang.foreign.MemorySegment read = region.asSlice(2 * BLOCK_BYTES, BLOCK_BYTES);
            java.lang.foreign.MemorySegment outside = arena.allocate(BLOCK_BYTES, BLOCK_BYTES);
            fill(written, 11);
            org.junit.jupiter.api.Assertions.assertTrue(port.prepareWrite(IoPort.DATA_FILE, 5 * BLOCK_BYTES, written,
                IoPort.FLAG_LINK, 1));
            org.junit.jupiter.api.Assertions.assertTrue(port.prepareRead(IoPort.DATA_FILE, 5 * BLOCK_BYTES, read, 0, 2));
            reapExactly(port, 2);
            // After the write completed (the link orders only the first read): a plain read.
            org.junit.jupiter.api.Assertions.assertTrue(port.prepareRead(IoPort.DATA_FILE, 5 * BLOCK_BYTES, outside, 0, 3));
            reapExactly(port, 1);
            assertEquals(java.util.List.of("1:4096", "2:4096", "3:4096"), completions);
            assertEquals(-1, written.mismatch(read), "a fixed write and a fixed read round-trip");
            assertEquals(-1, written.mismatch(outside), "a buffer outside the region still goes as a plain read");

            port.registerBuffers(arena.allocate(BLOCK_BYTES, BLOCK_BYTES));
            assertEquals(0, port.fixedRegionCount(), "a second set: no buffer is taken as fixed any more");
        } finally {
            System.clearProperty(FixedBuffers.PROPERTY);
        }
    }

    @Test
    void missingFileIsAClearException() {
        Path missing = directory.resolve("missing");
        var error = assertThrows(NativeIoException.class, () -> UringIoPort.open(missing, null, 8, true));
        assertEquals("open " + missing + ": ENOENT (errno 2)", error.getMessage());
    }
}
