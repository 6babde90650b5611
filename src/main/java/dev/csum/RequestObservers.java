package dev.csum;

import dev.csum.engine.Engine;
import dev.csum.engine.RequestListener;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A volume's attached {@link RequestObserver}s, each adapted once, when it is attached, to the
 * engine's {@link RequestListener}: the event loop then calls the adapter without allocating.
 * Any thread.
 */
final class RequestObservers {
    private final Engine engine;
    /** Each attached observer and its adapter, by identity. */
    private final Map<RequestObserver, RequestListener> adapters = new IdentityHashMap<>();

    RequestObservers(Engine engine) {
        this.engine = engine;
    }

    /** False (nothing changes) when {@code observer} is attached already. */
    synchronized boolean add(RequestObserver observer) {
        Objects.requireNonNull(observer, "observer");
        if (adapters.containsKey(observer)) {
            return false;
        }
        RequestListener adapter = (kind, lengthBytes, latencyNanos, failed, mismatchedBlocks) ->
            observer.onRequestComplete(ApiMapping.requestKind(kind), lengthBytes, latencyNanos, failed,
                mismatchedBlocks);
        adapters.put(observer, adapter);
        engine.addListener(adapter);
        return true;
    }

    /** False when {@code observer} was not attached. */
    synchronized boolean remove(RequestObserver observer) {
        RequestListener adapter = adapters.remove(observer);
        return adapter != null && engine.removeListener(adapter);
    }
}
