package dev.csum;

import dev.csum.engine.Engine;
import dev.csum.engine.EventLoop;
import dev.csum.engine.ReadHandoff;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.LockSupport;

/**
 * One blocking {@link Volume} call: parks the calling thread until its operation completes, and
 * copies a read's verified data into the caller's segment on that thread (so a segment confined to
 * it works, and a heap segment needs no access from the loop).
 */
final class BlockingWait implements IoCallback, ReadHandoff {
    private final Engine engine;
    private final long readOffsetBytes;
    private final MemorySegment readDestination;
    private final Thread thread = Thread.currentThread();
    private volatile boolean done;
    private IOException failure;
    private MemorySegment verifiedData;

    /**
     * @param readDestination the read's destination, or null for a write or flush
     * @throws IllegalStateException on the event loop, or on a manually driven volume: waiting there
     *     would wait forever
     */
    BlockingWait(EventLoop loop, long readOffsetBytes, MemorySegment readDestination) {
        if (loop.inLoop()) {
            throw new IllegalStateException("blocking calls are not allowed on the event loop or on a manually "
                + "driven volume; use the callback form");
        }
        this.engine = loop.engine();
        this.readOffsetBytes = readOffsetBytes;
        this.readDestination = readDestination;
    }

    @Override
    public void takeBuffer(MemorySegment data) {
        verifiedData = data;
    }

    @Override
    public void onComplete(long token, IOException error) {
        failure = error;
        done = true;
        LockSupport.unpark(thread);
    }

    /**
     * Parks until the operation completed; then copies a read's data, or throws its failure. A loop that
     * dies completes the operation too, with its failure ({@link EventLoop#submit}), so nothing here
     * watches the loop.
     */
    void await() throws IOException {
        boolean interrupted = false;
        while (!done) {
            LockSupport.park(this);
            if (Thread.interrupted()) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (verifiedData != null) {
            try {
                MemorySegment.copy(verifiedData, 0, readDestination, 0, verifiedData.byteSize());
            } catch (IllegalStateException | WrongThreadException inaccessible) {
                // Another thread closed the destination's shared arena: the same failure the
                // asynchronous forms report, not an unchecked exception from a blocking read.
                throw Engine.callerMemoryInaccessible("read", readOffsetBytes, verifiedData.byteSize(),
                    "destination", inaccessible);
            } finally {
                engine.releaseBuffer(verifiedData);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
