package dev.csum.engine;

import java.util.Arrays;

/**
 * An open-addressing map from a group number to a slot number, sized once for a fixed number of
 * slots: linear probing, removal by backward shift (no tombstones). The index of the imd cache
 * ({@link GroupCache}) and of the dense tuple cache ({@link DenseTuples}). Event-loop only; no
 * allocation after construction.
 */
final class GroupSlotMap {
    /** {@link #get}'s answer for a group not in the map. */
    static final int ABSENT = -1;
    private static final long EMPTY_KEY = -1;

    private final long[] keys;
    private final int[] values;
    private final int mask;

    GroupSlotMap(int slotCount) {
        int tableSize = Integer.highestOneBit(Math.max(4, slotCount * 2 - 1)) << 1;
        keys = new long[tableSize];
        values = new int[tableSize];
        Arrays.fill(keys, EMPTY_KEY);
        mask = tableSize - 1;
    }

    /** The slot of {@code group}, or {@link #ABSENT}. */
    int get(long group) {
        int index = hash(group);
        while (true) {
            long key = keys[index];
            if (key == group) {
                return values[index];
            }
            if (key == EMPTY_KEY) {
                return ABSENT;
            }
            index = (index + 1) & mask;
        }
    }

    /** Maps {@code group} (not in the map) to {@code slot}. */
    void put(long group, int slot) {
        int index = hash(group);
        while (keys[index] != EMPTY_KEY) {
            index = (index + 1) & mask;
        }
        keys[index] = group;
        values[index] = slot;
    }

    /** Removes {@code group} if present. */
    void remove(long group) {
        int index = hash(group);
        while (keys[index] != group) {
            if (keys[index] == EMPTY_KEY) {
                return;
            }
            index = (index + 1) & mask;
        }
        int hole = index;
        int next = (hole + 1) & mask;
        while (keys[next] != EMPTY_KEY) {
            int home = hash(keys[next]);
            boolean movable = hole <= next ? (home <= hole || home > next) : (home <= hole && home > next);
            if (movable) {
                keys[hole] = keys[next];
                values[hole] = values[next];
                hole = next;
            }
            next = (next + 1) & mask;
        }
        keys[hole] = EMPTY_KEY;
    }

    private int hash(long group) {
        long mixed = group * 0x9E3779B97F4A7C15L;
        return (int) (mixed ^ (mixed >>> 32)) & mask;
    }
}
