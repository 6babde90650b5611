package dev.csum.engine;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A buddy allocator of aligned buffers carved from one long-lived native slab.
 *
 * <p>The slab is split into {@code 2^maxOrder} units of {@code unitBytes}; a request of n bytes gets
 * a block of the smallest power-of-two unit count that holds it, so every buffer is aligned to
 * {@code unitBytes} (at least the device's direct-I/O alignment). Freeing merges a block with its
 * buddy when both are free. Thread-safe (one {@link ReentrantLock}, never a monitor, so that waiting
 * virtual threads do not pin their carriers): the event loop allocates read buffers, and
 * calling threads allocate write buffers so that they can copy their data before {@code write} returns.
 *
 * <p>Worked example: 4096-byte units, a 128 KiB write → 32 units → order 5; a 12 KiB write → 3
 * units, rounded up to 4 → order 2 (4 KiB wasted until it is freed).
 */
final class BufferArena {
    private final MemorySegment slab;
    /** Guards the free lists: the loop allocates and frees, calling threads allocate (waiting) and free. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition spaceFreed = lock.newCondition();
    /** Threads waiting in allocateWaiting (guarded by lock). */
    private int waiters;
    private final int unitBytes;
    private final int maxOrder;
    /** Per order, a stack of free block start units. */
    private final int[][] freeStacks;
    private final int[] freeCounts;
    /** Per unit: order+1 of the free block starting here, 0 when not the start of a free block. */
    private final byte[] freeOrderAt;
    /** Per unit: order of the allocated block starting here (for free()). */
    private final byte[] allocatedOrderAt;
    /** Per unit that starts a free block: its index in its order's free stack (O(1) removal on merge). */
    private final int[] stackIndexAt;
    /**
     * Per unit: the last buffer handed out starting there. A request of the same size at the same
     * place gets it again instead of a new slice (asSlice allocates a segment object each time).
     */
    private final MemorySegment[] sliceAt;
    /** The slab as one ByteBuffer, for allocation-free checksums; null when over 2 GiB. */
    private final java.nio.ByteBuffer slabView;
    private long allocatedBytes;

    BufferArena(MemorySegment slab, int unitBytes) {
        long units = slab.byteSize() / unitBytes;
        if (units < 1 || Long.bitCount(units) != 1 || units > (1 << 24)) {
            throw new IllegalArgumentException("slab must hold a power-of-two number of units: "
                    + slab.byteSize() + " bytes / " + unitBytes);
        }
        if (slab.address() % unitBytes != 0) {
            throw new IllegalArgumentException("slab address is not aligned to " + unitBytes);
        }
        this.slab = slab;
        this.unitBytes = unitBytes;
        this.maxOrder = Long.numberOfTrailingZeros(units);
        this.freeStacks = new int[maxOrder + 1][];
        this.freeCounts = new int[maxOrder + 1];
        for (int order = 0; order <= maxOrder; order++) {
            freeStacks[order] = new int[(int) (units >> order)];
        }
        this.freeOrderAt = new byte[(int) units];
        this.allocatedOrderAt = new byte[(int) units];
        this.stackIndexAt = new int[(int) units];
        this.sliceAt = new MemorySegment[(int) units];
        this.slabView = slab.byteSize() <= Integer.MAX_VALUE ? slab.asByteBuffer() : null;
        pushFree(maxOrder, 0);
    }

    /** The largest buffer this arena can ever hand out, in bytes. */
    long capacityBytes() {
        return slab.byteSize();
    }

    long allocatedBytes() {
        lock.lock();
        try {
            return allocatedBytes;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Like {@link #allocate} but waits for space; never call it on the event loop (it frees space).
     * Waits on a {@link java.util.concurrent.locks.Condition}, not a monitor: a virtual thread
     * waiting here releases its carrier on JDK 22 and 23 too (a monitor wait pins it there).
     */
    MemorySegment allocateWaiting(long byteCount) {
        lock.lock();
        try {
            MemorySegment buffer;
            boolean interrupted = false;
            while ((buffer = allocate(byteCount)) == null) {
                waiters++;
                try {
                    spaceFreed.await();
                } catch (InterruptedException e) {
                    interrupted = true;
                } finally {
                    waiters--;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return buffer;
        } finally {
            lock.unlock();
        }
    }

    /** Returns an aligned buffer of exactly {@code byteCount} bytes, or null when no block is free now. */
    MemorySegment allocate(long byteCount) {
        if (byteCount <= 0 || byteCount > slab.byteSize()) {
            throw new IllegalArgumentException("buffer of " + byteCount + " bytes does not fit a "
                    + slab.byteSize() + "-byte arena");
        }
        lock.lock();
        try {
            return allocateLocked(byteCount);
        } finally {
            lock.unlock();
        }
    }

    private MemorySegment allocateLocked(long byteCount) {
        int order = orderFor(byteCount);
        int available = order;
        while (available <= maxOrder && freeCounts[available] == 0) {
            available++;
        }
        if (available > maxOrder) {
            return null;
        }
        int startUnit = popFree(available);
        while (available > order) {
            available--;
            pushFree(available, startUnit + (1 << available));
        }
        allocatedOrderAt[startUnit] = (byte) order;
        allocatedBytes += (long) unitBytes << order;
        MemorySegment buffer = sliceAt[startUnit];
        if (buffer == null || buffer.byteSize() != byteCount) {
            buffer = slab.asSlice((long) startUnit * unitBytes, byteCount);
            sliceAt[startUnit] = buffer;
        }
        return buffer;
    }

    /** The slab every buffer is carved from. */
    MemorySegment slab() {
        return slab;
    }

    /** The slab viewed as a ByteBuffer (event loop only: callers move its position and limit), or null. */
    java.nio.ByteBuffer slabView() {
        return slabView;
    }

    /** Returns a buffer obtained from {@link #allocate}. */
    void free(MemorySegment buffer) {
        lock.lock();
        try {
            freeLocked(buffer);
        } finally {
            lock.unlock();
        }
    }

    private void freeLocked(MemorySegment buffer) {
        long offset = buffer.address() - slab.address();
        assert offset >= 0 && offset % unitBytes == 0 && offset < slab.byteSize() : "not from this arena";
        int unit = (int) (offset / unitBytes);
        int order = allocatedOrderAt[unit];
        assert freeOrderAt[unit] == 0 : "double free of unit " + unit;
        allocatedBytes -= (long) unitBytes << order;
        while (order < maxOrder) {
            int buddy = unit ^ (1 << order);
            if (freeOrderAt[buddy] != order + 1) {
                break;
            }
            removeFree(order, buddy);
            unit = Math.min(unit, buddy);
            order++;
        }
        pushFree(order, unit);
        if (waiters > 0) {
            spaceFreed.signalAll();
        }
    }

    private int orderFor(long byteCount) {
        long units = (byteCount + unitBytes - 1) / unitBytes;
        return 64 - Long.numberOfLeadingZeros(units - 1);
    }

    private void pushFree(int order, int unit) {
        stackIndexAt[unit] = freeCounts[order];
        freeStacks[order][freeCounts[order]++] = unit;
        freeOrderAt[unit] = (byte) (order + 1);
    }

    private int popFree(int order) {
        int unit = freeStacks[order][--freeCounts[order]];
        freeOrderAt[unit] = 0;
        return unit;
    }

    private void removeFree(int order, int unit) {
        int[] stack = freeStacks[order];
        int index = stackIndexAt[unit];
        assert stack[index] == unit : "free block " + unit + " of order " + order + " not on its stack";
        int last = stack[--freeCounts[order]];
        stack[index] = last;
        stackIndexAt[last] = index;
        freeOrderAt[unit] = 0;
    }
}
