package dev.csum;

/**
 * Told about every request a {@link Volume} completes (for metrics: {@code dev.csum.metrics.VolumeMetrics}
 * is one). Attach with {@link Volume#addObserver}; several may be attached at once.
 *
 * <p>Called on the volume's event-loop thread, after the request's result is final and before its
 * caller is told: it must be quick and must not block. It is called without allocating anything.
 * An observer that throws is logged and counted; the request, the other observers and the volume
 * go on.
 */
@FunctionalInterface
public interface RequestObserver {
    /**
     * Called once per request completed while the observer is attached, on the event loop.
     *
     * @param kind what the request did
     * @param lengthBytes bytes requested (0 for a flush)
     * @param latencyNanos nanoseconds from acceptance to completion
     * @param failed whether the request failed (its caller gets an exception)
     * @param mismatchedBlocks blocks of this request that failed checksum verification
     */
    void onRequestComplete(RequestKind kind, long lengthBytes, long latencyNanos, boolean failed, int mismatchedBlocks);
}
