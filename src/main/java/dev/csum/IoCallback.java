package dev.csum;

import java.io.IOException;

/**
 * Completion of a low-garbage {@link Volume} read, write or flush.
 *
 * <p>Called exactly once, on the volume's event-loop thread: it must be quick and must not block
 * (no blocking {@code Volume} calls, no waiting on futures). It may start further asynchronous
 * operations. One callback instance can serve many operations; {@code token} tells them apart, so
 * no per-operation object is needed.
 */
@FunctionalInterface
public interface IoCallback {
    /**
     * Called once, on the event loop, when the operation has completed. A callback that throws is
     * logged and counted; the volume goes on.
     *
     * @param token the value passed when the operation was started
     * @param failure null on success; an {@link IntegrityException} on a checksum mismatch; another
     *     {@link IOException} on a device error, or when the caller's buffer was no longer accessible
     *     (its arena closed while the operation was in flight)
     */
    void onComplete(long token, IOException failure);
}
