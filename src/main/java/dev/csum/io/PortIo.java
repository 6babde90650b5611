package dev.csum.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Blocking I/O through an {@link IoPort}, one operation at a time, for work done before the event
 * loop starts (reading the superblock, log recovery at open). Returns the operation's result: bytes
 * transferred, or a negative errno. Not thread-safe; only while no event loop uses the port.
 */
public final class PortIo {
    private final IoPort port;
    private int result;
    private boolean done;
    private final IoPort.CompletionSink sink = (userData, res) -> {
        result = res;
        done = true;
    };

    public PortIo(IoPort port) {
        this.port = port;
    }

    public int read(int fileIndex, long offsetBytes, MemorySegment buffer) throws IOException {
        return run(port.prepareRead(fileIndex, offsetBytes, buffer, 0, 0));
    }

    public int write(int fileIndex, long offsetBytes, MemorySegment buffer) throws IOException {
        return run(port.prepareWrite(fileIndex, offsetBytes, buffer, 0, 0));
    }

    public int fdatasync(int fileIndex) throws IOException {
        return run(port.prepareFsync(fileIndex, IoPort.FLAG_DATASYNC, 0));
    }

    /**
     * Reads {@code count} blocks of {@code fileIndex}, {@code offsetsBytes[i]} into {@code buffers[i]},
     * with up to the port's queue depth in flight; {@code results[i]} receives each read's result.
     */
    public void readAll(int fileIndex, long[] offsetsBytes, MemorySegment[] buffers, int count, int[] results)
            throws IOException {
        int[] inFlight = {0};
        int[] completed = {0};
        IoPort.CompletionSink batch = (userData, res) -> {
            results[(int) userData] = res;
            inFlight[0]--;
            completed[0]++;
        };
        int submitted = 0;
        while (completed[0] < count) {
            while (submitted < count && inFlight[0] < port.queueDepth()
                    && port.prepareRead(fileIndex, offsetsBytes[submitted], buffers[submitted], 0, submitted)) {
                submitted++;
                inFlight[0]++;
            }
            port.submitAndReap(inFlight[0] > 0 ? 1 : 0, batch);
        }
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
