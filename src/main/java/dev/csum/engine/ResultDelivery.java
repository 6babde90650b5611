package dev.csum.engine;

import java.io.IOException;

/**
 * Tells a request's caller its result. The engine holds each request's callback as an opaque object
 * — a type of the layer above, which the engine does not know — and hands it back here, on the event
 * loop, exactly once per request. Must not block; may start further requests.
 */
@FunctionalInterface
public interface ResultDelivery {
    /**
     * @param callback the object given to {@link Request#fill}
     * @param token the token given with it
     * @param failure null on success; a {@link ChecksumMismatchException} when verification failed;
     *     another {@link IOException} on a device error or inaccessible caller memory
     */
    void deliver(Object callback, long token, IOException failure);
}
