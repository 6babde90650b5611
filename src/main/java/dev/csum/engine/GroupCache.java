package dev.csum.engine;

import java.lang.foreign.MemorySegment;

/**
 * The bounded imd cache: a fixed number of slots, each holding one group's imd pair (two blocks),
 * carved from one native slab, found through an open-addressing map from group number to slot.
 *
 * <p>Eviction is CLOCK over the slots; only idle, settled groups are evicted (a group ahead of its
 * imd copies is parked, {@link GroupParking}, or else checkpointed first, see {@link Checkpointer}), and an evicted group's tuples go to
 * the {@link DenseTuples} cache, which serves reads of it until this cache takes the group again.
 * Event-loop only; no allocation after construction.
 */
final class GroupCache {
    /** The CLOCK's slots {@code [0, mainSlots)}, then the reloader's reserved ones. */
    private final GroupState[] slots;
    private final int mainSlots;
    private final GroupSlotMap index;
    /** Where evicted groups' tuples go for reads (null: none); a group taken here leaves it. */
    private final DenseTuples dense;
    private int used;
    private int clockHand;
    /** Parks a dirty victim instead of settling it, when it may (null: never, see {@link GroupParking}). */
    private java.util.function.Predicate<GroupState> parker;

    /**
     * @param slotCount     slots the CLOCK evicts from, for reads and writes
     * @param reservedSlots slots only {@link #allocateReserved} gives out (reloads of parked groups,
     *                      {@link GroupParking}), so that they never wait for a slot that writes
     *                      waiting for log room hold
     */
    GroupCache(MemorySegment slab, int blockSizeBytes, int slotCount, int reservedSlots, DenseTuples denseOrNull) {
        this.dense = denseOrNull;
        int allSlots = slotCount + reservedSlots;
        if (slotCount < 1 || reservedSlots < 0 || slab.byteSize() < (long) allSlots * 2 * blockSizeBytes) {
            throw new IllegalArgumentException("imd cache slab too small for " + allSlots + " slots");
        }
        this.mainSlots = slotCount;
        slots = new GroupState[allSlots];
        for (int i = 0; i < allSlots; i++) {
            slots[i] = new GroupState(i, slab.asSlice((long) i * 2 * blockSizeBytes, 2L * blockSizeBytes),
                blockSizeBytes);
        }
        index = new GroupSlotMap(allSlots);
    }

    /** Lets eviction park dirty groups ({@link GroupParking#tryPark}); set once, before the first request. */
    void setParker(java.util.function.Predicate<GroupState> groupParker) {
        this.parker = groupParker;
    }

    int capacity() {
        return mainSlots;
    }

    /** Whether {@code state} is in a reserved slot: reads and writes of its group wait until it leaves. */
    boolean reserved(GroupState state) {
        return state.slot >= mainSlots;
    }

    /**
     * Assigns a reserved slot to {@code group} (not cached): a free one, or one whose group is idle
     * (evicted as {@link #allocate} evicts). Null when every reserved slot is busy.
     */
    GroupState allocateReserved(long group) {
        assert get(group) == null : "group " + group + " already cached";
        GroupState slot = usableReservedSlot();
        if (slot != null) {
            if (slot.group >= 0) {
                evict(slot);
            }
            take(slot, group);
        }
        return slot;
    }

    /** Whether {@link #allocateReserved} would find a slot now. */
    boolean reservedSlotAvailable() {
        return usableReservedSlot() != null;
    }

    /** The first reserved slot that is free or whose group is idle (or quiet and damaged), or null. */
    private GroupState usableReservedSlot() {
        for (int i = mainSlots; i < slots.length; i++) {
            GroupState candidate = slots[i];
            if (candidate.group < 0 || (candidate.piecesAwaitingRelease == 0 && releasable(candidate))) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * Frees the reserved slot of {@code state} when its group is idle (or quiet and damaged), so that a
     * read or write can take the group into a main slot; false when it is busy (they wait).
     */
    boolean releaseReserved(GroupState state) {
        assert reserved(state) : "not a reserved slot";
        if (!releasable(state)) {
            return false;
        }
        evict(state);
        state.group = -1;
        return true;
    }

    /** Whether a reserved slot's group may leave it: idle, or quiet and damaged (nothing more to write). */
    boolean releasable(GroupState state) {
        return state.idle() || (state.quiet() && state.damaged());
    }

    private void evict(GroupState victim) {
        index.remove(victim.group);
        if (dense != null) {
            dense.admit(victim);
        }
    }

    private void take(GroupState state, long group) {
        if (dense != null) {
            dense.drop(group);
        }
        state.assign(group);
        index.put(group, state.slot);
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
        if (used < mainSlots) {
            victim = slots[used];
            used++;
        } else {
            for (int step = 0; step < 2 * mainSlots && victim == null; step++) {
                GroupState candidate = slots[clockHand];
                clockHand = (clockHand + 1) % mainSlots;
                if (!candidate.quiet()) {
                    continue;
                }
                if (candidate.referenced) {
                    candidate.referenced = false;
                } else if (!candidate.idle() && !candidate.damaged()) {
                    if (parker != null && parker.test(candidate)) {
                        victim = candidate; // parked: its dirty tuples wait outside the cache
                    } else {
                        settler.accept(candidate);
                    }
                } else {
                    victim = candidate;
                }
            }
            if (victim == null) {
                return null;
            }
            if (victim.group >= 0) {
                evict(victim);
            }
        }
        take(victim, group);
        return victim;
    }

    /** Forgets {@code state} (for example after its load failed); the slot becomes free for reuse. */
    void discard(GroupState state) {
        index.remove(state.group);
        state.group = -1;
        state.referenced = false;
        state.unsettled = false;
        // A pair-less group loaded in place to settle asks until it loads; a failed load ends that (its
        // tuples stay parked, its cover pinned), or the slot would never be quiet again (torture seed 4163).
        state.settleRequested = false;
        state.piecesAwaitingRelease = 0; // they go on without it (PieceRouter#releaseWaiting)
        state.moveLoad(GroupPhase.Load.UNASSIGNED);
    }

    /** Calls {@code action} for every cached group. */
    void forEach(java.util.function.Consumer<GroupState> action) {
        for (int i = 0; i < slots.length; i++) {
            if (i == used && i < mainSlots) {
                i = mainSlots - 1; // main slots from `used` on were never assigned
                continue;
            }
            if (slots[i].group >= 0) {
                action.accept(slots[i]);
            }
        }
    }
}
