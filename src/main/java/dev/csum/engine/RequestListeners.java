package dev.csum.engine;

/**
 * The {@link RequestListener}s of one engine: a copy-on-write array, so that the event loop tells
 * them about each completed request without locking or allocating, while any thread adds or
 * removes one.
 */
final class RequestListeners {
    private static final RequestListener[] NONE = {};
    private static final System.Logger LOG = System.getLogger("dev.csum");

    /** Replaced, never changed in place: the loop iterates whichever array it read. */
    private volatile RequestListener[] listeners = NONE;

    /** Adds {@code listener} (a listener added twice is told twice). Any thread. */
    synchronized void add(RequestListener listener) {
        RequestListener[] current = listeners;
        RequestListener[] next = java.util.Arrays.copyOf(current, current.length + 1);
        next[current.length] = listener;
        listeners = next;
    }

    /** Removes one occurrence of {@code listener} (by identity); false when it was not added. Any thread. */
    synchronized boolean remove(RequestListener listener) {
        RequestListener[] current = listeners;
        for (int i = 0; i < current.length; i++) {
            if (current[i] == listener) {
                RequestListener[] next = new RequestListener[current.length - 1];
                System.arraycopy(current, 0, next, 0, i);
                System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                listeners = next;
                return true;
            }
        }
        return false;
    }

    /** True when no listener is attached: the loop then does not even read the clock for requests. */
    boolean isEmpty() {
        return listeners.length == 0;
    }

    /**
     * Tells every listener about a completed request. A listener that throws is logged and skipped,
     * like a throwing callback: its bug must not stop the loop every caller depends on.
     *
     * @return the number of listeners that threw
     */
    int requestCompleted(byte kind, long lengthBytes, long latencyNanos, boolean failed, int mismatchedBlocks) {
        int failures = 0;
        for (RequestListener listener : listeners) {
            try {
                listener.onRequestComplete(kind, lengthBytes, latencyNanos, failed, mismatchedBlocks);
            } catch (RuntimeException | Error listenerFailure) {
                failures++;
                LOG.log(System.Logger.Level.WARNING, "a request listener threw; the volume goes on", listenerFailure);
            }
        }
        return failures;
    }
}
