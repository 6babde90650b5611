package dev.csum.nbd;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The free request slots of one connection and the payload bytes in flight: the reader takes a
 * slot for each request (waiting while all are in flight, or while the bytes in flight would
 * exceed the budget), the reply writer gives it back once the reply is on the socket. This bounds a
 * connection's memory by its requests in flight, whatever the client sends. The event loop never
 * touches it.
 */
final class SlotPool {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private final int[] free;
    private final long[] bytesOf;
    private final long byteBudget;
    private int freeCount;
    private long bytesInFlight;

    SlotPool(int slots, long byteBudget) {
        free = new int[slots];
        bytesOf = new long[slots];
        for (int i = 0; i < slots; i++) {
            free[i] = slots - 1 - i;
        }
        freeCount = slots;
        this.byteBudget = byteBudget;
    }

    /** Takes a free slot for a request of {@code payloadBytes}, waiting (not interruptibly) for room. */
    int acquire(long payloadBytes) {
        lock.lock();
        try {
            // One request alone may exceed the budget: it then waits until nothing else is in flight.
            while (freeCount == 0 || (bytesInFlight > 0 && bytesInFlight + payloadBytes > byteBudget)) {
                released.awaitUninterruptibly();
            }
            int slot = free[--freeCount];
            bytesOf[slot] = payloadBytes;
            bytesInFlight += payloadBytes;
            return slot;
        } finally {
            lock.unlock();
        }
    }

    /** Gives back {@code slots[0 .. count)}. */
    void release(int[] slots, int count) {
        lock.lock();
        try {
            for (int i = 0; i < count; i++) {
                int slot = slots[i];
                bytesInFlight -= bytesOf[slot];
                free[freeCount++] = slot;
            }
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until every slot is free (nothing in flight), at most {@code timeoutNanos}; true when they are. */
    boolean awaitAllFree(long timeoutNanos) {
        long left = timeoutNanos;
        lock.lock();
        try {
            while (freeCount < free.length) {
                if (left <= 0) {
                    return false;
                }
                try {
                    left = released.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return freeCount == free.length;
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Slots in flight now (for tests and stats). */
    int inFlight() {
        lock.lock();
        try {
            return free.length - freeCount;
        } finally {
            lock.unlock();
        }
    }

    static long forever() {
        return TimeUnit.DAYS.toNanos(365);
    }
}
