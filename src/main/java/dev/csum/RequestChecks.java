package dev.csum;

import dev.csum.engine.EventLoop;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The validation every {@link Volume} request passes on the calling thread before it is accepted:
 * each bad input is an exception that names it, thrown before any I/O is started. Also turns the
 * heap forms' arrays and buffers into segments, checked the same way.
 */
final class RequestChecks {
    private final String volumeName;
    private final int blockSizeBytes;
    private final long sizeBytes;
    private final long maxRequestBytes;
    private final EventLoop loop;

    RequestChecks(String volumeName, int blockSizeBytes, long sizeBytes, long maxRequestBytes, EventLoop loop) {
        this.volumeName = volumeName;
        this.blockSizeBytes = blockSizeBytes;
        this.sizeBytes = sizeBytes;
        this.maxRequestBytes = maxRequestBytes;
        this.loop = loop;
    }

    /** An {@link IllegalStateException} when the volume is closed or its event loop stopped. */
    void checkOpen(boolean closed) {
        if (closed) {
            throw new IllegalStateException("csum volume " + volumeName + " is closed");
        }
        Throwable failure = loop.failure();
        if (failure != null) {
            throw new IllegalStateException("csum volume " + volumeName + " stopped after an internal error: "
                + failure, failure);
        }
    }

    /** Checks a range that moves no data (discard, write-zeroes): aligned, not empty, inside the volume. */
    void checkRange(String what, long offsetBytes, long lengthBytes) {
        if (offsetBytes < 0) {
            throw new IllegalArgumentException(what + " offset must not be negative, was " + offsetBytes);
        }
        if (lengthBytes <= 0) {
            throw new IllegalArgumentException(what + " length must be positive, was " + lengthBytes);
        }
        if (offsetBytes % blockSizeBytes != 0 || lengthBytes % blockSizeBytes != 0) {
            throw new IllegalArgumentException(what + " of " + lengthBytes + " bytes at offset " + offsetBytes
                + " is not aligned to the " + blockSizeBytes + "-byte block size");
        }
        if (offsetBytes > sizeBytes - lengthBytes) {
            throw new IllegalArgumentException(what + " of " + lengthBytes + " bytes at offset " + offsetBytes
                + " goes beyond the end of the volume (" + sizeBytes + " bytes)");
        }
    }

    /**
     * Checks a read or write of {@code lengthBytes} at {@code offsetBytes} through {@code segment}
     * (native or heap).
     *
     * @param callerCopies the calling thread copies the data (writes from outside the loop, blocking
     *     reads), so the segment need not be accessible from the event loop
     */
    void checkRequest(long offsetBytes, long lengthBytes, MemorySegment segment, short[] tags, IoCallback callback,
                      boolean isRead, boolean callerCopies) {
        String what = isRead ? "read" : "write";
        if (callback == null) {
            throw new IllegalArgumentException("callback must not be null");
        }
        if (segment == null) {
            throw new IllegalArgumentException(what + " buffer must not be null");
        }
        checkRange(what, offsetBytes, lengthBytes);
        if (lengthBytes > maxRequestBytes) {
            throw new IllegalArgumentException(what + " of " + lengthBytes + " bytes exceeds the largest request, "
                + maxRequestBytes + " bytes (split it, or open with a larger buffer arena)");
        }
        if (segment.byteSize() < lengthBytes) {
            throw new IllegalArgumentException(what + " buffer holds " + segment.byteSize() + " bytes, less than the "
                + lengthBytes + " requested");
        }
        // Heap segments are accessible from every thread; only a native segment can be confined.
        if (!callerCopies && !loop.loopCanAccess(segment)) {
            throw new IllegalArgumentException("the " + what + " buffer is confined to another thread and this form "
                + "accesses it on the event loop: use a shared, global or automatic arena, or the blocking form");
        }
        if (isRead && segment.isReadOnly()) {
            throw new IllegalArgumentException("read buffer is read-only");
        }
        if (tags != null && tags.length < lengthBytes / blockSizeBytes) {
            throw new IllegalArgumentException("application tag array holds " + tags.length + " entries, less than the "
                + lengthBytes / blockSizeBytes + " blocks of the " + what);
        }
    }

    /**
     * Bytes {@code offset .. offset + length} of {@code array} as a heap segment.
     *
     * @throws IllegalArgumentException when {@code array} is null
     * @throws IndexOutOfBoundsException when the range is not inside the array
     */
    static MemorySegment arraySlice(String what, byte[] array, int offset, int length) {
        if (array == null) {
            throw new IllegalArgumentException(what + " buffer must not be null");
        }
        Objects.checkFromIndexSize(offset, length, array.length);
        return MemorySegment.ofArray(array).asSlice(offset, length);
    }

    /** The remaining bytes of {@code buffer} (position to limit), heap or direct, as a segment. */
    static MemorySegment remaining(String what, ByteBuffer buffer) {
        if (buffer == null) {
            throw new IllegalArgumentException(what + " buffer must not be null");
        }
        return MemorySegment.ofBuffer(buffer);
    }
}
