package dev.csum.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded, lock-free, multi-producer multi-consumer queue of references (Vyukov's array queue).
 *
 * <p>Each cell carries a sequence number: a producer may fill cell {@code i} when its sequence equals
 * the producer's ticket, and publishes it by storing {@code ticket + 1} with release ordering; a
 * consumer takes it when the sequence equals {@code ticket + 1} and frees it for the next lap by
 * storing {@code ticket + capacity}. Nothing is allocated after construction, which is why the
 * engine uses it for request hand-off and request pooling instead of {@code ConcurrentLinkedQueue}.
 */
final class BoundedMpmcQueue<T> {
    private static final VarHandle SEQUENCES = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle ELEMENTS = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(BoundedMpmcQueue.class, "head", long.class);
            TAIL = lookup.findVarHandle(BoundedMpmcQueue.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int mask;
    private final long[] sequences;
    private final Object[] elements;
    @SuppressWarnings("unused") private volatile long head;
    @SuppressWarnings("unused") private volatile long tail;

    BoundedMpmcQueue(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two >= 2, was " + capacity);
        }
        mask = capacity - 1;
        sequences = new long[capacity];
        elements = new Object[capacity];
        for (int i = 0; i < capacity; i++) {
            sequences[i] = i;
        }
    }

    int capacity() {
        return mask + 1;
    }

    /** Adds {@code element}; returns false when the queue is full. */
    boolean offer(T element) {
        long ticket = (long) TAIL.getVolatile(this);
        while (true) {
            int index = (int) (ticket & mask);
            long sequence = (long) SEQUENCES.getAcquire(sequences, index);
            long difference = sequence - ticket;
            if (difference == 0) {
                if (TAIL.compareAndSet(this, ticket, ticket + 1)) {
                    ELEMENTS.set(elements, index, element);
                    // Pairs with the acquire load of the sequence in poll(): the element is visible first.
                    SEQUENCES.setRelease(sequences, index, ticket + 1);
                    return true;
                }
                ticket = (long) TAIL.getVolatile(this);
            } else if (difference < 0) {
                return false;
            } else {
                ticket = (long) TAIL.getVolatile(this);
            }
        }
    }

    /** Removes and returns the oldest element, or null when the queue is empty. */
    @SuppressWarnings("unchecked")
    T poll() {
        long ticket = (long) HEAD.getVolatile(this);
        while (true) {
            int index = (int) (ticket & mask);
            long sequence = (long) SEQUENCES.getAcquire(sequences, index);
            long difference = sequence - (ticket + 1);
            if (difference == 0) {
                if (HEAD.compareAndSet(this, ticket, ticket + 1)) {
                    T element = (T) ELEMENTS.get(elements, index);
                    ELEMENTS.set(elements, index, null);
                    // Pairs with the acquire load in offer(): the cell is free for the next lap.
                    SEQUENCES.setRelease(sequences, index, ticket + mask + 1);
                    return element;
                }
                ticket = (long) HEAD.getVolatile(this);
            } else if (difference < 0) {
                return null;
            } else {
                ticket = (long) HEAD.getVolatile(this);
            }
        }
    }

    boolean isEmpty() {
        return (long) HEAD.getVolatile(this) == (long) TAIL.getVolatile(this);
    }
}
