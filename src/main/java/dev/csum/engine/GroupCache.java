package dev.csum.engine;

import java.lang.foreign.MemorySegment;

/**
 * The bounded imd cache: a fixed number of slots, each holding one group's imd pair (two blocks),
 * carved from one native slab, found through an open-addressing map from group number to slot.
 *
 * <p>Eviction is CLOCK over the slots; only idle, settled groups are evicted (a group ahead of its
 * imd copies is checkpointed first, see {@link Checkpointer}). Event-loop only; no allocation after
 * construction.
 */
final class GroupCache {
    private static final long EMPTY_KEY = -1;

    private final GroupState[] slots;
    private final long[] keys;
    private final int[] values;
    private final int mask;
    private int used;
    private int clockHand;

    GroupCache(MemorySegment slab, int blockSizeBytes, int slotCount) {
        if (slotCount < 1 || slab.byteSize() < (long) slotCount * 2 * blockSizeBytes) {
            throw new IllegalArgumentException("imd cache slab too small for " + slotCount + " slots");
        }
        slots = new GroupState[slotCount];
        for (int i = 0; i < slotCount; i++) {
            slots[i] = new GroupState(i, slab.asSlice((long) i * 2 * blockSizeBytes, 2L * blockSizeBytes),
                blockSizeBytes);
        }
        int tableSize = Integer.highestOneBit(Math.max(4, slotCount * 2 - 1)) << 1;
        keys = new long[tableSize];
        values = new int[tableSize];
        java.util.Arrays.fill(keys, EMPTY_KEY);
        mask = tableSize - 1;
    }

    int capacity() {
        return slots.length;
    }

    int size() {
        return used;
    }

    /** The cached state of {@code group}, or null. */
    GroupState get(long group) {
        int index = hash(group);
        while (true) {
            long key = keys[index];
            if (key == group) {
                GroupState state = slots[values[index]];
                state.referenced = true;
                return state;
            }
            if (key == EMPTY_KEY) {
                return null;
            }
            index = (index + 1) & mask;
        }
    }

    /**
     * Assigns a slot to {@code group} (not cached), evicting an idle settled group if needed.
     * Unsettled idle groups met on the way are handed to {@code settler} so they become evictable.
     *
     * @return the new state, or null when every slot is busy right now
     */
    GroupState allocate(long group, java.util.function.Consumer<GroupState> settler) {
        assert get(group) == null : "group " + group + " already cached";
        GroupState victim = null;
        if (used < slots.length) {
            victim = slots[used];
            used++;
        } else {
            for (int step = 0; step < 2 * slots.length && victim == null; step++) {
                GroupState candidate = slots[clockHand];
                clockHand = (clockHand + 1) % slots.length;
                if (!candidate.quiet()) {
                    continue;
                }
                if (candidate.referenced) {
                    candidate.referenced = false;
                } else if (!candidate.idle() && !candidate.damaged()) {
                    settler.accept(candidate);
                } else {
                    victim = candidate;
                }
            }
            if (victim == null) {
                return null;
            }
            if (victim.group >= 0) {
                remove(victim.group);
            }
        }
        victim.assign(group);
        put(group, victim.slot);
        return victim;
    }

    /** Forgets {@code state} (for example after its load failed); the slot becomes free for reuse. */
    void discard(GroupState state) {
        remove(state.group);
        state.group = -1;
        state.referenced = false;
        state.unsettled = false;
        state.moveLoad(GroupPhase.Load.UNASSIGNED);
    }

    /** Calls {@code action} for every cached group. */
    void forEach(java.util.function.Consumer<GroupState> action) {
        for (int i = 0; i < used; i++) {
            if (slots[i].group >= 0) {
                action.accept(slots[i]);
            }
        }
    }

    private int hash(long group) {
        long mixed = group * 0x9E3779B97F4A7C15L;
        return (int) (mixed ^ (mixed >>> 32)) & mask;
    }

    private void put(long group, int slot) {
        int index = hash(group);
        while (keys[index] != EMPTY_KEY) {
            index = (index + 1) & mask;
        }
        keys[index] = group;
        values[index] = slot;
    }

    /** Linear-probing removal with backward shift, so no tombstones accumulate. */
    private void remove(long group) {
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
}
