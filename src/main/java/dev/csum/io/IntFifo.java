package dev.csum.io;

/**
 * A fixed-capacity first-in first-out queue of ints (operation slots), allocation-free after
 * construction. Not thread-safe: the portable port guards each one with a monitor or keeps it on
 * one thread.
 */
final class IntFifo {
    private final int[] elements;
    private int head;    // index of the oldest element
    private int count;

    IntFifo(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.elements = new int[capacity];
    }

    boolean isEmpty() {
        return count == 0;
    }

    int size() {
        return count;
    }

    /** Appends {@code value}; the queue is sized so that it never overflows (asserted). */
    void add(int value) {
        assert count < elements.length : "queue of " + elements.length + " overflows";
        int tail = head + count;
        elements[tail < elements.length ? tail : tail - elements.length] = value;
        count++;
    }

    /** The oldest element, not removed. The queue must not be empty. */
    int peek() {
        assert count > 0 : "peek on an empty queue";
        return elements[head];
    }

    /** Removes and returns the oldest element. The queue must not be empty. */
    int poll() {
        int value = peek();
        head = head + 1 == elements.length ? 0 : head + 1;
        count--;
        return value;
    }

    /** Moves every element, oldest first, into {@code target} from index 0; returns how many. */
    int drainTo(int[] target) {
        int moved = count;
        assert target.length >= moved : "target of " + target.length + " for " + moved;
        for (int index = 0; index < moved; index++) {
            target[index] = poll();
        }
        return moved;
    }
}
