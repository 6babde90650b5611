package dev.csum.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;

/**
 * A port that can lose its device: it passes everything to the port it wraps until {@link #cut()}
 * (a simulated power loss has just crashed the device under it). From then on every operation that
 * was in flight, and every one prepared later, completes with {@code -EIO}, so the engine that used
 * this port can be closed — its requests all fail fast — and its memory released, instead of being
 * abandoned with operations that will never complete.
 *
 * <p>Threading: as the wrapped port's; used by the one thread driving the engine.
 */
public final class PowerCutPort extends ForwardingIoPort implements IoPort.CompletionSink {
    /** The errno of an I/O error, as the kernel reports it (negated in a result). */
    private static final int EIO = 5;

    /** Every operation accepted and not yet completed, in acceptance order, for the cut. */
    private final LinkedHashSet<Long> outstanding = new LinkedHashSet<>();
    private final ArrayDeque<Long> deadCompletions = new ArrayDeque<>();
    /** The sink of the {@link #submitAndReap} in progress (this port forwards to it). */
    private CompletionSink sink;
    private boolean cut;

    public PowerCutPort(IoPort port) {
        super(port);
    }

    /** The device is gone: from now on every operation, in flight or new, completes with {@code -EIO}. */
    public void cut() {
        cut = true;
        deadCompletions.addAll(outstanding);
        outstanding.clear();
    }

    /** True after {@link #cut()}. */
    public boolean isCut() {
        return cut;
    }

    @Override
    public boolean prepareRead(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        return cut ? failLater(userData) : track(port.prepareRead(fileIndex, offsetBytes, buffer, flags, userData),
            userData);
    }

    @Override
    public boolean prepareWrite(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        return cut ? failLater(userData) : track(port.prepareWrite(fileIndex, offsetBytes, buffer, flags, userData),
            userData);
    }

    @Override
    public boolean preparePunch(int fileIndex, long offsetBytes, long lengthBytes, int flags, long userData) {
        return cut ? failLater(userData) : track(port.preparePunch(fileIndex, offsetBytes, lengthBytes, flags, userData),
            userData);
    }

    @Override
    public boolean prepareFsync(int fileIndex, int flags, long userData) {
        return cut ? failLater(userData) : track(port.prepareFsync(fileIndex, flags, userData), userData);
    }

    private boolean failLater(long userData) {
        deadCompletions.add(userData);
        return true;
    }

    private boolean track(boolean accepted, long userData) {
        if (accepted) {
            outstanding.add(userData);
        }
        return accepted;
    }

    @Override
    public int submitAndReap(int minCompletions, CompletionSink completions) throws IOException {
        if (cut) {
            int delivered = 0;
            Long userData;
            while ((userData = deadCompletions.poll()) != null) {
                completions.onCompletion(userData, -EIO);
                delivered++;
            }
            return delivered;
        }
        sink = completions;
        try {
            return port.submitAndReap(minCompletions, this);
        } finally {
            sink = null;
        }
    }

    /** A completion from the wrapped port, forwarded to the sink of the reap in progress. */
    @Override
    public void onCompletion(long userData, int result) {
        outstanding.remove(userData);
        sink.onCompletion(userData, result);
    }

    /** Closes the wrapped port, unless the cut already took it away (a crashed port is closed as it is). */
    @Override
    public void close() throws IOException {
        if (!cut) {
            port.close();
        }
    }
}
