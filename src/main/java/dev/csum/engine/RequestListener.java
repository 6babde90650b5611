package dev.csum.engine;

/** Observes completed requests on the event loop (for metrics). Must be quick and must not block. */
public interface RequestListener {
    /**
     * @param kind {@link Request#READ}, {@link Request#WRITE} or {@link Request#FLUSH}
     * @param lengthBytes bytes requested (0 for flush)
     * @param latencyNanos from acceptance to completion
     * @param failed whether the request failed
     * @param mismatchedBlocks blocks that failed verification in this request
     */
    void onRequestComplete(byte kind, long lengthBytes, long latencyNanos, boolean failed, int mismatchedBlocks);
}
