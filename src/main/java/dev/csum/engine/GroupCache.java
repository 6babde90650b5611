package dev.csum.engine;

import java.lang.foreign.MemorySegment;

/**
 * The bounded imd cache: a fixed number of slots, each holding one group's imd pair (two blocks),
 * carved from one native slab, found through an open-addressing map from group number to slot.
 *
 * <p>Eviction is CLOCK over the slots; only idle, settled groups are evicted (a group ahead of its
 * imd copies is checkpointed first, see {@link Checkpointer}), and an evicted group's tuples go to
 * the {@link DenseTuples} cache, which serves reads of it until this cache takes the group again.
 * Event-loop only; no allocation after construction.
 */
final class GroupCache {
    private final GroupState[] slots;
    private final GroupSlotMap index;
    /** Where evicted groups' tuples go for reads (null: none); a group taken here leaves it. */
    private final DenseTuples dense;
    private int used;
    private int clockHand;

    GroupCache(MemorySegment slab, int blockSizeBytes, int slotCount, DenseTuples denseOrNull) {
        this.dense = denseOrNull;
        if (slotCount < 1 || slab.byteSize() < (long) slotCount * 2 * blockSizeBytes) {
            throw new IllegalArgumentException("imd cache slab too small for " + slotCount + " slots");
        }
        slots = new GroupState[slotCount];
        for (int i = 0; i < slotCount; i++) {
            slots[i] = new GroupState(i, slab.asSlice((long) i * 2 * blockSizeBytes, 2L * blockSizeBytes),
                blockSizeBytes);
        }
        index = new GroupSlotMap(slotCount);
    }

    int capacity() {
        return slots.length;
    }

    int size() {
        return used;
    }

    /** The cached state of {@code group}, or null. */
    GroupState get(long group) {
        int slot = index.get(group);
        if (slot == GroupSlotMap.ABSENT) {
            return null;
        }
        GroupState state = slots[slot];
        state.referenced = true;
        return state;
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
                index.remove(victim.group);
                if (dense != null) {
                    dense.admit(victim);
                }
            }
        }
        if (dense != null) {
            dense.drop(group);
        }
        victim.assign(group);
        index.put(group, victim.slot);
        return victim;
    }

    /** Forgets {@code state} (for example after its load failed); the slot becomes free for reuse. */
    void discard(GroupState state) {
        index.remove(state.group);
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
}
