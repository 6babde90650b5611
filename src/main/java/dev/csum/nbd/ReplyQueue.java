package dev.csum.nbd;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Slots whose replies are ready, handed from the volume's event loop (request completions) and the
 * connection's reader (error replies) to the connection's reply writer. Lock-free and
 * allocation-free on the producer side, so the event loop never blocks here: a producer links the
 * slot in with one compare-and-set and wakes the writer only when it sleeps. The writer takes
 * everything at once and parks when there is nothing.
 *
 * <p>A slot is in the queue at most once at a time (it is pushed once per request), so an array of
 * links indexed by slot is all the storage needed.
 */
final class ReplyQueue {
    private static final int EMPTY = -1;
    /** Spins before the writer parks: a completion often follows within microseconds. */
    private static final int SPINS = 64;

    private final AtomicInteger head = new AtomicInteger(EMPTY);
    /** next[slot]: the slot pushed before it (written before the CAS that publishes slot). */
    private final int[] next;
    private volatile Thread consumer;
    private volatile boolean consumerParked;
    private volatile boolean closed;

    ReplyQueue(int slots) {
        next = new int[slots];
    }

    /** The one thread that calls {@link #takeAll}; set before anything may need to wake it. */
    void consumer(Thread thread) {
        consumer = thread;
    }

    /** Adds {@code slot}; never blocks. Any thread. */
    void push(int slot) {
        int first;
        do {
            first = head.get();
            next[slot] = first;
        } while (!head.compareAndSet(first, slot));
        if (consumerParked) {
            LockSupport.unpark(consumer);
        }
    }

    /**
     * Waits for slots and moves all of them into {@code into}, oldest first.
     *
     * @return how many; 0 only once {@link #close()} was called and nothing is left
     */
    int takeAll(int[] into) {
        int spins = 0;
        while (true) {
            int first = head.getAndSet(EMPTY);
            if (first != EMPTY) {
                int count = 0;
                for (int slot = first; slot != EMPTY; slot = next[slot]) {
                    into[count++] = slot;
                }
                for (int i = 0, j = count - 1; i < j; i++, j--) {
                    int swap = into[i];
                    into[i] = into[j];
                    into[j] = swap;
                }
                return count;
            }
            if (closed) {
                if (head.get() == EMPTY) {
                    return 0;
                }
                continue;
            }
            if (spins++ < SPINS) {
                Thread.onSpinWait();
                continue;
            }
            consumerParked = true;
            if (head.get() == EMPTY && !closed) {
                LockSupport.park(this);
            }
            consumerParked = false;
        }
    }

    /** No more pushes will come: {@link #takeAll} returns 0 once the queue is empty. */
    void close() {
        closed = true;
        Thread waiting = consumer;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
    }
}
