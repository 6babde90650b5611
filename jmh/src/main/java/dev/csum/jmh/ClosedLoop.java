package dev.csum.jmh;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A closed-loop I/O driver: keeps {@code queueDepth} operations in flight on its own thread(s), each
 * completion issuing the next, and counts completions. The JMH thread only waits for the count to
 * advance (parked, so it does not take a core from the driver on a small machine).
 */
abstract class ClosedLoop implements AutoCloseable {
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile long target = Long.MAX_VALUE;
    private final AtomicReference<Thread> waiter = new AtomicReference<>();
    private volatile Throwable firstFailure;
    protected volatile boolean running = true;

    /** Starts keeping the queue full; returns at once. */
    abstract void start() throws Exception;

    /** Stops issuing, waits until nothing is in flight, and releases everything. */
    @Override
    public abstract void close() throws Exception;

    /** Driver-specific counters for {@link IoRun}'s report (empty by default). */
    String describe() {
        return "";
    }

    /** Called by the driver for every finished operation (any thread). */
    protected final void completed(Throwable failure) {
        if (failure != null) {
            failed.incrementAndGet();
            if (firstFailure == null) {
                firstFailure = failure;
            }
        }
        long count = completed.incrementAndGet();
        if (count >= target) {
            Thread thread = waiter.get();
            if (thread != null && waiter.compareAndSet(thread, null)) {
                LockSupport.unpark(thread);
            }
        }
    }

    /** Blocks until {@code operations} more operations completed. */
    final void await(long operations) {
        long goal = completed.get() + operations;
        target = goal;
        waiter.set(Thread.currentThread());
        while (completed.get() < goal) {
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(50));
            if (firstFailure != null) {
                throw new IllegalStateException(failed.get() + " operations failed", firstFailure);
            }
        }
        waiter.set(null);
        target = Long.MAX_VALUE;
    }

    /** Spin-free wait used by close(): gives in-flight operations time to finish. */
    static void sleepMillis(long millis) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
    }
}
