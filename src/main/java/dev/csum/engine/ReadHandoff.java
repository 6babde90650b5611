package dev.csum.engine;

import java.lang.foreign.MemorySegment;

/**
 * Receives the verified data of a successful read so that the thread that asked for it copies it
 * into its own (possibly thread-confined) segment. Called on the event loop; the receiver must give
 * the buffer back with {@link Engine#releaseBuffer} once it has copied it.
 */
public interface ReadHandoff {
    void takeBuffer(MemorySegment verifiedData);
}
