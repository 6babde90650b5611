package dev.csum.nbd;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * One connection's requests in flight, as parallel arrays indexed by slot (no object per request).
 * A slot is written by the reader while it submits, by the event loop while pieces complete, and by
 * the reply writer while it replies; each hands it to the next through the volume's submission,
 * the {@link ReplyQueue} or the {@link SlotPool}, which order the accesses. {@link #pending} and
 * {@link #error} are atomic because the reader and the event loop may both update them while a
 * split request is being submitted.
 *
 * <p>Read data goes straight from the device into the slot's reply buffer ({@code Volume.readInPlace}:
 * the buffer is aligned to the volume's direct-I/O alignment, and lives until the reply was sent),
 * and from there to the socket. A slot keeps its buffer for reads up to {@value #RETAINED_BUFFER_BYTES} bytes (allocated
 * at the first read that needs it, in the connection's shared arena, since the event loop writes
 * into it); a larger read gets a buffer of its own, freed when its reply has been sent.
 */
final class RequestSlots implements AutoCloseable {
    /**
     * What a slot is doing: FREE → SUBMITTED → [FUA_FLUSH → [FLUSH_BY_WRITER → FUA_FLUSH →]]
     * REPLY_QUEUED → FREE. FLUSH_BY_WRITER: a FUA write's flush the event loop could not start
     * (1024 requests in flight), queued for the reply writer to start.
     */
    enum Phase { FREE, SUBMITTED, FUA_FLUSH, FLUSH_BY_WRITER, REPLY_QUEUED }

    static final int RETAINED_BUFFER_BYTES = 256 << 10;

    final long[] cookie;
    final int[] command;
    final long[] offsetBytes;
    final long[] lengthBytes;
    final boolean[] fua;
    final Phase[] phase;
    /** Volume operations still to complete for the slot's request (it may be split). */
    final AtomicIntegerArray pending;
    /** The NBD error of the reply, 0 for success; the first failure wins. */
    final AtomicIntegerArray error;
    /** The exception behind {@link #error}, for the writer's log line (IntegrityException names the blocks). */
    final IOException[] failure;
    /** The reply header, 16 bytes, direct. */
    final ByteBuffer[] header;

    private final Arena arena = Arena.ofShared();
    /** The alignment of read buffers: the volume's direct-I/O alignment, for in-place reads. */
    private final int readAlignmentBytes;
    private final MemorySegment[] retained;
    private final ByteBuffer[] retainedView;
    private final Arena[] ownArena;
    private final ByteBuffer[] ownView;

    RequestSlots(int slots, int readAlignmentBytes) {
        this.readAlignmentBytes = readAlignmentBytes;
        cookie = new long[slots];
        command = new int[slots];
        offsetBytes = new long[slots];
        lengthBytes = new long[slots];
        fua = new boolean[slots];
        phase = new Phase[slots];
        java.util.Arrays.fill(phase, Phase.FREE);
        pending = new AtomicIntegerArray(slots);
        error = new AtomicIntegerArray(slots);
        failure = new IOException[slots];
        header = new ByteBuffer[slots];
        MemorySegment headers = arena.allocate((long) NbdProtocol.REPLY_HEADER_BYTES * slots, 64);
        for (int i = 0; i < slots; i++) {
            header[i] = headers.asSlice((long) i * NbdProtocol.REPLY_HEADER_BYTES, NbdProtocol.REPLY_HEADER_BYTES)
                .asByteBuffer();
        }
        retained = new MemorySegment[slots];
        retainedView = new ByteBuffer[slots];
        ownArena = new Arena[slots];
        ownView = new ByteBuffer[slots];
    }

    int size() {
        return cookie.length;
    }

    /** Starts a request in {@code slot}: no error, nothing pending yet. */
    void begin(int slot, long cookieValue, int commandType, long offset, long length, boolean forceUnitAccess) {
        cookie[slot] = cookieValue;
        command[slot] = commandType;
        offsetBytes[slot] = offset;
        lengthBytes[slot] = length;
        fua[slot] = forceUnitAccess;
        error.set(slot, 0);
        failure[slot] = null;
        phase[slot] = Phase.SUBMITTED;
    }

    /** Records a failure unless the slot already has one. */
    void fail(int slot, int nbdError, IOException cause) {
        if (error.compareAndSet(slot, 0, nbdError)) {
            failure[slot] = cause;
        }
    }

    /**
     * The buffer a read of {@code lengthBytes} goes into: the slot's own (grown to a power of two) or,
     * above {@link #RETAINED_BUFFER_BYTES}, one for this request alone.
     */
    MemorySegment readBuffer(int slot, int lengthBytes) {
        if (lengthBytes > RETAINED_BUFFER_BYTES) {
            Arena own = Arena.ofShared();
            ownArena[slot] = own;
            MemorySegment segment = own.allocate(lengthBytes, readAlignmentBytes);
            ownView[slot] = segment.asByteBuffer();
            return segment;
        }
        MemorySegment buffer = retained[slot];
        if (buffer == null || buffer.byteSize() < lengthBytes) {
            long capacity = Math.max(4096, Long.highestOneBit(lengthBytes - 1L) << 1);
            buffer = arena.allocate(capacity, readAlignmentBytes);
            retained[slot] = buffer;
            retainedView[slot] = buffer.asByteBuffer();
        }
        return buffer;
    }

    /** The read data to send after the header: the slot's read buffer, positioned over the request's bytes. */
    ByteBuffer readData(int slot) {
        ByteBuffer view = ownArena[slot] != null ? ownView[slot] : retainedView[slot];
        view.clear().limit((int) lengthBytes[slot]);
        return view;
    }

    /** After the reply was sent: frees a buffer of this request alone, and marks the slot free. */
    void finish(int slot) {
        Arena own = ownArena[slot];
        if (own != null) {
            ownArena[slot] = null;
            ownView[slot] = null;
            own.close();
        }
        failure[slot] = null;
        phase[slot] = Phase.FREE;
    }

    /** Frees every buffer; only once nothing is in flight. */
    @Override
    public void close() {
        for (int slot = 0; slot < ownArena.length; slot++) {
            if (ownArena[slot] != null) {
                ownArena[slot].close();
                ownArena[slot] = null;
            }
        }
        arena.close();
    }
}
