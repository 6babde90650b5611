package dev.csum;

import java.io.IOException;

/**
 * A discard or write-zeroes longer than one engine request: the chunks' completions, counted on the
 * event loop, become one completion of the caller's callback (with the first failure, if any).
 */
final class ZeroingRange implements IoCallback {
    /**
     * Bytes per engine request of a discard or write-zeroes: 256 MiB, about 130 groups of 4096-byte
     * blocks (no buffer is needed, so {@link Volume#maxRequestBytes()} does not apply).
     */
    static final long CHUNK_BYTES = 256L << 20;

    private final IoCallback callback;
    private final long token;
    private int chunksLeft;
    private IOException failure;

    ZeroingRange(long lengthBytes, IoCallback callback, long token) {
        this.callback = callback;
        this.token = token;
        this.chunksLeft = Math.toIntExact((lengthBytes + CHUNK_BYTES - 1) / CHUNK_BYTES);
    }

    /** On the event loop (every chunk's completion runs there), so no synchronization. */
    @Override
    public void onComplete(long ignored, IOException chunkFailure) {
        if (failure == null) {
            failure = chunkFailure;
        }
        if (--chunksLeft == 0) {
            callback.onComplete(token, failure);
        }
    }
}
