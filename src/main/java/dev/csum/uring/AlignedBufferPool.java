package dev.csum.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Aligned off-heap I/O buffers carved from one slab: one allocation when the pool is created, none
 * afterwards. Buffers are {@code bufferBytes} long and start at multiples of {@code alignmentBytes},
 * as {@code O_DIRECT} requires. A free list (a stack of indexes) hands them out.
 *
 * <pre>
 * slab: | buffer 0 | buffer 1 | ... | buffer n-1 |    buffer i starts at slab + i * bufferBytes
 * </pre>
 *
 * <p>Threading: not thread-safe; the event-loop thread acquires and releases. The slab is freed by
 * {@link #close()}, after which no buffer may be used.
 */
public final class AlignedBufferPool implements AutoCloseable {

    private final Arena arena;
    private final MemorySegment slab;
    private final MemorySegment[] buffers;   // views made once, so acquire() allocates nothing
    private final int[] freeIndexes;         // stack: freeIndexes[0 .. freeCount) are free
    private final boolean[] inUse;
    private final int bufferBytes;
    private int freeCount;

    /**
     * @param bufferCount    number of buffers (>= 1)
     * @param bufferBytes    size of each, a positive multiple of {@code alignmentBytes}
     * @param alignmentBytes a power of two, e.g. {@link NativeFile#alignmentBytes()} or 4096
     */
    public AlignedBufferPool(int bufferCount, int bufferBytes, int alignmentBytes) {
        if (bufferCount < 1 || Integer.bitCount(alignmentBytes) != 1 || bufferBytes <= 0
                || bufferBytes % alignmentBytes != 0) {
            throw new IllegalArgumentException("bad pool shape: " + bufferCount + " x " + bufferBytes
                    + " bytes aligned to " + alignmentBytes);
        }
        this.arena = Arena.ofShared();
        this.slab = arena.allocate((long) bufferCount * bufferBytes, alignmentBytes);
        this.bufferBytes = bufferBytes;
        this.buffers = new MemorySegment[bufferCount];
        this.freeIndexes = new int[bufferCount];
        this.inUse = new boolean[bufferCount];
        for (int index = 0; index < bufferCount; index++) {
            buffers[index] = slab.asSlice((long) index * bufferBytes, bufferBytes);
            assert buffers[index].address() % alignmentBytes == 0;
            // Push in reverse so that acquire() hands out buffer 0 first.
            freeIndexes[index] = bufferCount - 1 - index;
        }
        this.freeCount = bufferCount;
    }

    /** Takes a free buffer's index, or -1 when all are in use. */
    public int acquireIndex() {
        if (freeCount == 0) {
            return -1;
        }
        int index = freeIndexes[--freeCount];
        assert !inUse[index] : "buffer " + index + " on the free list twice";
        inUse[index] = true;
        return index;
    }

    /** Takes a free buffer, or null when all are in use. */
    public MemorySegment acquire() {
        int index = acquireIndex();
        return index < 0 ? null : buffers[index];
    }

    /** Returns buffer {@code index} to the pool. */
    public void release(int index) {
        if (!inUse[index]) {
            throw new IllegalStateException("buffer " + index + " released twice");
        }
        inUse[index] = false;
        freeIndexes[freeCount++] = index;
    }

    /** Returns {@code buffer}, which must have come from {@link #acquire()}. */
    public void release(MemorySegment buffer) {
        release(indexOf(buffer));
    }

    /** The index of a buffer from this pool. */
    public int indexOf(MemorySegment buffer) {
        long offset = buffer.address() - slab.address();
        if (offset < 0 || offset >= slab.byteSize() || offset % bufferBytes != 0 || buffer.byteSize() != bufferBytes) {
            throw new IllegalArgumentException("not a buffer of this pool: " + buffer);
        }
        return (int) (offset / bufferBytes);
    }

    /** Buffer {@code index} (whether in use or not). */
    public MemorySegment buffer(int index) {
        return buffers[index];
    }

    /** The whole slab, e.g. to register it once with {@link Ring#registerBuffers}. */
    public MemorySegment slab() {
        return slab;
    }

    public int bufferBytes() {
        return bufferBytes;
    }

    public int bufferCount() {
        return buffers.length;
    }

    public int freeCount() {
        return freeCount;
    }

    /** Frees the slab. Every buffer becomes inaccessible. */
    @Override
    public void close() {
        arena.close();
    }
}
