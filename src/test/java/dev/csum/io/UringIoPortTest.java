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
    void missingFileIsAClearException() {
        Path missing = directory.resolve("missing");
        var error = assertThrows(NativeIoException.class, () -> UringIoPort.open(missing, null, 8, true));
        assertEquals("open " + missing + ": ENOENT (errno 2)", error.getMessage());
    }
}
