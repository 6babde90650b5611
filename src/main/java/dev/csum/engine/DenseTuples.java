package dev.csum.engine;

import dev.csum.format.Geometry;
import dev.csum.format.ImdBlock;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The dense tuple cache: what a read needs to verify a block of a group the imd cache
 * ({@link GroupCache}) evicted — each block's checksum (4 bytes) and whether it was ever written
 * (1 bit) — so a read of a group out of the imd cache costs its data read only, not a second read of
 * the imd pair. A group of {@code T} tuples takes {@code 4T + 8⌈T/64⌉} bytes (2,104 for 4096-byte
 * blocks: 1.03 MiB per GiB of data, against 4 MiB for both imd copies).
 *
 * <p>A group enters when the imd cache evicts it idle and settled (both copies hold its tuples, the
 * log needs nothing of it, no commit or checkpoint in flight), intact (not damaged, not a version 1
 * crash state) and plain (every tuple either never written or written with application tag 0 and no
 * other flag; a group with application tags stays out, since a read must return them). It leaves
 * when the imd cache takes the group again (a write to it, or a read that missed here): while a group
 * is here it is in no imd cache slot, so nothing can change its tuples, and what is here is exactly
 * the committed imd copy. Slots are reused by CLOCK. Event-loop only; no allocation after
 * construction.
 */
final class DenseTuples {
    /** Bytes one group takes for {@code tuplesPerGroup} tuples. */
    static long bytesPerGroup(int tuplesPerGroup) {
        return 4L * tuplesPerGroup + 8L * words(tuplesPerGroup);
    }

    private static int words(int tuplesPerGroup) {
        return (tuplesPerGroup + 63) / 64;
    }

    private final Geometry geometry;
    private final int tuplesPerGroup;
    private final int wordsPerGroup;
    /** Checksums, {@code tuplesPerGroup} per slot. */
    private final MemorySegment checksums;
    /** Written bits, {@code wordsPerGroup} longs per slot. */
    private final long[] writtenBits;
    private final long[] slotGroup;
    private final boolean[] referenced;
    private final GroupSlotMap index;
    private int used;
    private int clockHand;

    DenseTuples(Geometry geometry, MemorySegment slab, int slotCount) {
        this.geometry = geometry;
        this.tuplesPerGroup = geometry.tuplesPerGroup();
        this.wordsPerGroup = words(tuplesPerGroup);
        if (slotCount < 1 || slab.byteSize() < 4L * tuplesPerGroup * slotCount) {
            throw new IllegalArgumentException("dense tuple slab too small for " + slotCount + " groups");
        }
        this.checksums = slab;
        this.writtenBits = new long[wordsPerGroup * slotCount];
        this.slotGroup = new long[slotCount];
        this.referenced = new boolean[slotCount];
        this.index = new GroupSlotMap(slotCount);
    }

    int capacity() {
        return slotGroup.length;
    }

    int size() {
        return used;
    }

    /** The slot holding {@code group}'s tuples (marked recently used), or {@link GroupSlotMap#ABSENT}. */
    int slotOf(long group) {
        int slot = index.get(group);
        if (slot != GroupSlotMap.ABSENT) {
            referenced[slot] = true;
        }
        return slot;
    }

    /** Whether block {@code indexInGroup} of the group in {@code slot} was ever written. */
    boolean written(int slot, int indexInGroup) {
        return (writtenBits[slot * wordsPerGroup + (indexInGroup >>> 6)] & (1L << indexInGroup)) != 0;
    }

    /** The checksum of block {@code indexInGroup} of the group in {@code slot} (meaningful when written). */
    int checksum(int slot, int indexInGroup) {
        return checksums.getAtIndex(ValueLayout.JAVA_INT, (long) slot * tuplesPerGroup + indexInGroup);
    }

    /**
     * Offers a group the imd cache is evicting; keeps its tuples when it may (see the class comment).
     *
     * @return whether the group is now here
     */
    boolean admit(GroupState state) {
        if (!state.loaded() || state.damaged() || state.dual() || !state.idle() || !plain(state.committed(), state.group)) {
            return false;
        }
        int slot = freeSlot();
        MemorySegment committed = state.committed();
        long base = (long) slot * tuplesPerGroup;
        int blocks = (int) geometry.blocksInGroup(state.group);
        for (int word = 0; word < wordsPerGroup; word++) {
            writtenBits[slot * wordsPerGroup + word] = 0;
        }
        for (int i = 0; i < blocks; i++) {
            boolean written = ImdBlock.tupleWritten(committed, i);
            checksums.setAtIndex(ValueLayout.JAVA_INT, base + i, written ? ImdBlock.tupleChecksum(committed, i) : 0);
            if (written) {
                writtenBits[slot * wordsPerGroup + (i >>> 6)] |= 1L << i;
            }
        }
        slotGroup[slot] = state.group;
        referenced[slot] = false;
        index.put(state.group, slot);
        return true;
    }

    /** Forgets {@code group} (the imd cache takes it): its tuples may change from now on. */
    void drop(long group) {
        int slot = index.get(group);
        if (slot != GroupSlotMap.ABSENT) {
            index.remove(group);
            slotGroup[slot] = -1;
        }
    }

    /**
     * Whether every tuple is never-written (or discarded: it reads the same, FORMAT.md §4.1), or
     * written with no flag but "written", and has application tag 0.
     */
    private boolean plain(MemorySegment committed, long group) {
        int blocks = (int) geometry.blocksInGroup(group);
        for (int i = 0; i < blocks; i++) {
            int flags = ImdBlock.tupleFlags(committed, i);
            if (ImdBlock.tupleAppTag(committed, i) != 0
                    || (flags != 0 && flags != ImdBlock.FLAG_WRITTEN && flags != ImdBlock.FLAG_DISCARDED)) {
                return false;
            }
        }
        return true;
    }

    /** A slot to fill: an unused one, a dropped one, or CLOCK's victim. */
    private int freeSlot() {
        if (used < slotGroup.length) {
            return used++;
        }
        while (true) {
            int slot = clockHand;
            clockHand = (clockHand + 1) % slotGroup.length;
            if (slotGroup[slot] < 0) {
                return slot;
            }
            if (referenced[slot]) {
                referenced[slot] = false;
            } else {
                index.remove(slotGroup[slot]);
                slotGroup[slot] = -1;
                return slot;
            }
        }
    }
}
