package dev.csum.engine;

import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Blocking I/O through an {@link IoPort}, one operation at a time, for work done before the event
 * loop starts (log recovery at open). Returns the operation's result: bytes transferred, or a
 * negative errno.
 */
final class PortIo {
    private final IoPort port;
    private int result;
    private boolean done;
    private final IoPort.CompletionSink sink = (userData, res) -> {
        result = res;
        done = true;
    };

    PortIo(IoPort port) {
        this.port = port;
    }

    int read(int fileIndex, long offsetBytes, MemorySegment buffer) throws IOException {
        return run(port.prepareRead(fileIndex, offsetBytes, buffer, 0, 0));
    }

    int write(int fileIndex, long offsetBytes, MemorySegment buffer) throws IOException {
        return run(port.prepareWrite(fileIndex, offsetBytes, buffer, 0, 0));
    }

    int fdatasync(int fileIndex) throws IOException {
        return run(port.prepareFsync(fileIndex, IoPort.FLAG_DATASYNC, 0));
    }

    private int run(boolean accepted) throws IOException {
        if (!accepted) {
            throw new IOException("io port refused an operation with nothing in flight");
        }
        done = false;
        while (!done) {
            port.submitAndReap(1, sink);
        }
        return result;
    }
}
