package dev.csum.engine;

import dev.csum.io.IoPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;

/**
 * Drives an {@link Engine}: owns its request pool and the queue through which any thread hands it
 * requests, and runs it either on a dedicated thread (production) or step by step on the caller's
 * thread ({@code manual}: deterministic simulation).
 *
 * <p>Requests are pooled (a fixed number, {@code poolSize}); a thread that finds none free waits
 * (cheaply on a virtual thread). The event-loop thread itself never waits: it gets an
 * {@link IllegalStateException} instead, since waiting there would deadlock.
 */
public final class EventLoop {
    /** Consecutive steps without a completion after which a manual close gives up. */
    private static final int MANUAL_CLOSE_IDLE_STEPS = 1000;

    private final Engine engine;
    private final IoPort port;
    private final boolean manual;
    private final BoundedMpmcQueue<Request> freeRequests;
    private final BoundedMpmcQueue<Request> intake;
    private final Semaphore requestPermits;
    /** Every pooled request, free or not: those stranded by a loop that died are found here. */
    private final Request[] requests;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean closeRequested;
    private volatile Throwable loopFailure;

    public EventLoop(Engine engine, IoPort port, String name, boolean manual, int poolSize) {
        this.engine = engine;
        this.port = port;
        this.manual = manual;
        int capacity = Integer.highestOneBit(Math.max(2, poolSize - 1)) << 1;
        this.freeRequests = new BoundedMpmcQueue<>(capacity);
        this.intake = new BoundedMpmcQueue<>(capacity);
        this.requests = new Request[capacity];
        for (int i = 0; i < capacity; i++) {
            requests[i] = new Request();
            freeRequests.offer(requests[i]);
        }
        this.requestPermits = new Semaphore(capacity);
        engine.setRecycler(this::recycle);
        if (manual) {
            thread = null;
        } else {
            thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
            thread.start();
        }
    }

    public Engine engine() {
        return engine;
    }

    public boolean inLoop() {
        return manual || Thread.currentThread() == thread;
    }

    /** A clean request from the pool; waits for one when all are in use (never on the loop thread). */
    public Request acquire() {
        if (inLoop()) {
            if (!requestPermits.tryAcquire()) {
                throw new IllegalStateException("all " + freeRequests.capacity()
                    + " requests are in flight; an I/O callback may not start more");
            }
        } else {
            requestPermits.acquireUninterruptibly();
        }
        Request request = freeRequests.poll();
        assert request != null : "permit granted but no free request";
        return request;
    }

    /**
     * Hands a filled request to the engine. Any thread. If the loop has died (or dies meanwhile), the
     * request is failed instead of left waiting: its callback is told on this thread or the dying loop's.
     */
    public void submit(Request request) {
        request.markHandedToLoop();
        boolean queued = intake.offer(request);
        assert queued : "intake holds every pooled request, so it cannot be full";
        if (!inLoop()) {
            port.wakeup();
        }
        if (loopFailure != null) {
            failStranded(); // the dying loop may have looked before this request was handed over
        }
    }

    /** Returns a request that was acquired but will not be submitted. */
    public void abandon(Request request) {
        request.reset();
        recycle(request);
    }

    /** Whether the event loop may access {@code segment} (for example, not confined to another thread). */
    public boolean loopCanAccess(java.lang.foreign.MemorySegment segment) {
        return segment.isAccessibleBy(manual ? Thread.currentThread() : thread);
    }

    private void recycle(Request request) {
        freeRequests.offer(request);
        requestPermits.release();
    }

    private void drainIntake() {
        Request request;
        while ((request = intake.poll()) != null) {
            engine.start(request);
        }
    }

    private void run() {
        try {
            boolean closeBegun = false;
            while (!engine.isClosed()) {
                drainIntake();
                if (closeRequested && !closeBegun) {
                    drainIntake();
                    engine.beginClose();
                    closeBegun = true;
                }
                engine.runOnce(intake.isEmpty() && !(closeRequested && !closeBegun));
            }
        } catch (Throwable failure) {
            loopFailure = failure;
            failStranded();
        } finally {
            stopped.countDown();
        }
    }

    /**
     * Fails every request handed to the loop and not finished, once the loop has died (none of them
     * would ever complete: callers of the asynchronous calls would wait forever). Run by the dying loop
     * and by any submit that sees it died; each request is claimed by one of them
     * ({@link Request#claimStranded}). The loop's failure is published before either looks, and a
     * request is marked before it is queued, so every stranded request is found by one of them.
     */
    private void failStranded() {
        IOException notFinished = new IOException("the csum event loop stopped after an internal error before this "
            + "request completed: " + loopFailure, loopFailure);
        for (Request request : requests) {
            if (request.claimStranded()) {
                engine.failStranded(request, notFinished);
            }
        }
    }

    /**
     * Manual mode: runs the engine until it has nothing left to do (every request completed and
     * nothing in flight), or for at most {@code maxSteps} steps. Returns true when it is idle.
     */
    public boolean runUntilIdle(int maxSteps) throws IOException {
        if (!manual) {
            throw new IllegalStateException("runUntilIdle is for manually driven volumes");
        }
        for (int step = 0; step < maxSteps; step++) {
            drainIntake();
            if (engine.quiescent() && intake.isEmpty()) {
                return true;
            }
            engine.runOnce(true);
        }
        return engine.quiescent() && intake.isEmpty();
    }

    /**
     * Completes everything accepted, settles metadata, syncs, and stops the loop. Blocks until done.
     *
     * @throws IOException the first error met while closing, or the loop's own failure
     */
    public void close() throws IOException {
        closeRequested = true;
        if (manual) {
            drainIntake();
            engine.beginClose();
            // A manual port (the simulated disk) completes something on every step that has
            // operations in flight, so steps that complete nothing mean nothing ever will (for
            // example, a crashed port that dropped them): fail instead of spinning.
            int idleSteps = 0;
            while (!engine.isClosed()) {
                idleSteps = engine.runOnce(true) > 0 ? 0 : idleSteps + 1;
                if (idleSteps > MANUAL_CLOSE_IDLE_STEPS) {
                    throw new IllegalStateException("engine could not finish closing: " + engine.opsInFlight()
                        + " operation(s) never completed");
                }
            }
        } else {
            port.wakeup();
            boolean interrupted = false;
            while (true) {
                try {
                    stopped.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        Throwable failure = loopFailure;
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof UncheckedIOException unchecked) {
            throw unchecked.getCause();
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        IOException closeFailure = engine.closeFailure();
        if (closeFailure != null) {
            throw closeFailure;
        }
    }

    /** The failure that stopped the loop thread, or null while it runs. */
    public Throwable failure() {
        return loopFailure;
    }
}
