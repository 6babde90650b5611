package dev.csum.engine;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * Turns a finished request into its caller's result: the verdict (a checksum mismatch names its
 * blocks), the verified data copied out (or handed off), the counters, the engine buffer released,
 * the listeners told, the request returned to its pool, and last the caller's callback delivered.
 * The engine's own bookkeeping (requests active, writes since the last sync) stays in
 * {@link Engine}. Event-loop only.
 */
final class RequestCompletion {
    private static final System.Logger LOG = System.getLogger("dev.csum");

    private final EngineCounters counters;
    private final BufferArena buffers;
    private final int blockSizeBytes;
    private final RequestListeners listeners;
    private final ResultDelivery delivery;
    /** Takes finished requests back (to the pool they came from). */
    private Consumer<Request> recycler = request -> { };

    RequestCompletion(EngineContext context, RequestListeners listeners, ResultDelivery delivery) {
        this.counters = context.counters;
        this.buffers = context.buffers;
        this.blockSizeBytes = context.blockSizeBytes;
        this.listeners = listeners;
        this.delivery = delivery;
    }

    /** Sets where finished requests go after their callback's arguments were captured. */
    void setRecycler(Consumer<Request> requestRecycler) {
        recycler = requestRecycler;
    }

    void complete(Request request) {
        IOException failure = request.failure;
        int mismatched = request.badBlockCount;
        if (failure == null && mismatched > 0) {
            long[] bad = java.util.Arrays.copyOf(request.badBlocks, mismatched);
            java.util.Arrays.sort(bad);
            failure = new ChecksumMismatchException("checksum mismatch reading " + request.lengthBytes + " bytes at offset "
                + request.offsetBytes, request.offsetBytes, bad, blockSizeBytes);
        }
        switch (request.kind) {
            case Request.READ -> {
                if (request.inPlace) {
                    // The device read into the caller's memory and it was verified there: nothing to
                    // copy, nothing to free (on failure it may hold unverified bytes: the caller was told).
                    request.buffer = null;
                } else if (failure == null) {
                    // Only verified data reaches the caller: on failure its buffer is left untouched.
                    if (request.handoff != null) {
                        request.handoff.takeBuffer(request.buffer);
                        request.buffer = null; // the receiver copies it, then releases it
                    } else {
                        failure = copyCallerMemory(request.buffer, request.user, request, "destination");
                    }
                }
                if (failure == null) {
                    counters.add(EngineCounters.BYTES_READ, request.lengthBytes);
                }
                counters.increment(EngineCounters.READS);
            }
            case Request.WRITE -> {
                if (failure == null) {
                    counters.add(EngineCounters.BYTES_WRITTEN, request.lengthBytes);
                }
                counters.increment(EngineCounters.WRITES);
            }
            case Request.COUNT -> ((TupleTally) request.callback).add(request.tally[Request.TALLY_WRITTEN],
                request.tally[Request.TALLY_NEVER_WRITTEN], request.tally[Request.TALLY_DISCARDED],
                request.tally[Request.TALLY_GROUPS_DIFFERING], request.tally[Request.TALLY_GROUPS_DAMAGED],
                request.tallyLogFraction, request.tallyGroupsReplayed);
            case Request.DISCARD, Request.WRITE_ZEROES -> {
                if (failure == null) {
                    counters.add(EngineCounters.BYTES_DISCARDED, request.lengthBytes);
                }
                counters.increment(EngineCounters.DISCARDS);
            }
            default -> counters.increment(EngineCounters.FLUSHES);
        }
        if (request.buffer != null) {
            buffers.free(request.buffer);
            request.buffer = null;
        }
        if (request.startNanos != 0 && request.kind != Request.COUNT) {
            int listenerFailures = listeners.requestCompleted(request.kind, request.lengthBytes,
                System.nanoTime() - request.startNanos, failure != null, mismatched);
            if (listenerFailures > 0) {
                counters.add(EngineCounters.CALLBACK_FAILURES, listenerFailures);
            }
        }
        // The callback may start new requests: they are queued, never run re-entrantly here.
        Object callback = request.callback;
        long token = request.token;
        request.reset();
        recycler.accept(request);
        try {
            delivery.deliver(callback, token, failure);
        } catch (RuntimeException | Error callbackFailure) {
            // A caller's bug must not stop the event loop that every other caller depends on.
            counters.increment(EngineCounters.CALLBACK_FAILURES);
            LOG.log(System.Logger.Level.WARNING, "an I/O completion callback threw; the volume goes on", callbackFailure);
        }
    }

    /**
     * Tells the caller of a request that the event loop stopped before finishing it. Nothing of the
     * engine is touched (its state is whatever the failure left): no counters, no buffer freed, no
     * listener, the request not pooled again. On whichever thread found it stranded.
     */
    void failStranded(Request request, IOException failure) {
        try {
            delivery.deliver(request.callback, request.token, failure);
        } catch (RuntimeException | Error callbackFailure) {
            LOG.log(System.Logger.Level.WARNING, "an I/O completion callback threw", callbackFailure);
        }
    }

    /**
     * Copies a request's bytes between its engine buffer and the caller's segment on the event loop:
     * the source of a write started from an I/O callback, the destination of an asynchronous read.
     * They are the only accesses the loop makes to caller memory (the device only sees engine
     * buffers; application tags are heap arrays, checked long enough at submit).
     *
     * <p>The caller owns that segment's arena and may close it while the request is in flight. That
     * is the caller's bug, and it must fail the caller's request alone: an exception escaping here
     * would stop the loop that every other request depends on. The try costs nothing while nothing
     * throws, so the hot path stays allocation-free.
     *
     * @param role "source" or "destination", for the message
     * @return null when copied; otherwise the request's failure, naming its offset and length
     */
    static IOException copyCallerMemory(MemorySegment source, MemorySegment target, Request request,
                                                String role) {
        assert (request.kind == Request.WRITE) == (source == request.user) : "a write copies from the caller";
        try {
            MemorySegment.copy(source, 0, target, 0, request.lengthBytes);
            return null;
        } catch (IllegalStateException | WrongThreadException inaccessible) {
            return Engine.callerMemoryInaccessible(request.kind == Request.WRITE ? "write" : "read", request.offsetBytes,
                request.lengthBytes, role, inaccessible);
        }
    }
}
