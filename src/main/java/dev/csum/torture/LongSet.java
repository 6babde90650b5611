package dev.csum.torture;

import java.util.Arrays;

/** A small set of longs (a handful of block versions), insertion-ordered, without boxing. */
final class LongSet {
    private long[] values = new long[2];
    private int size;

    static LongSet of(long value) {
        LongSet set = new LongSet();
        set.add(value);
        return set;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    long get(int index) {
        return values[index];
    }

    boolean contains(long value) {
        for (int i = 0; i < size; i++) {
            if (values[i] == value) {
                return true;
            }
        }
        return false;
    }

    void add(long value) {
        if (contains(value)) {
            return;
        }
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    void addAll(LongSet other) {
        for (int i = 0; i < other.size; i++) {
            add(other.values[i]);
        }
    }

    boolean remove(long value) {
        for (int i = 0; i < size; i++) {
            if (values[i] == value) {
                System.arraycopy(values, i + 1, values, i, size - i - 1);
                size--;
                return true;
            }
        }
        return false;
    }

    void clear() {
        size = 0;
    }

    void set(long value) {
        size = 0;
        add(value);
    }

    LongSet copy() {
        LongSet copy = new LongSet();
        copy.values = Arrays.copyOf(values, Math.max(2, size));
        copy.size = size;
        return copy;
    }

    @Override
    public String toString() {
        return Arrays.toString(Arrays.copyOf(values, size));
    }
}
