package dev.csum.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The transmission phase's inbound bytes, read in large chunks: one socket read brings in many
 * request headers (and small write payloads) when a client keeps requests in flight, instead of one
 * read per header. A write's payload that fits is handed to the volume as a slice of this buffer
 * (the volume copies it during the call); a larger one is gathered in a payload buffer. Used by the
 * connection's reader thread alone.
 */
final class RequestReader implements AutoCloseable {
    /** The inbound buffer: many headers, or a write payload of up to this many bytes without a second buffer. */
    static final int BUFFER_BYTES = 256 << 10;

    private final Transport transport;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment segment = arena.allocate(BUFFER_BYTES, 4096);
    /** In read mode: the unparsed bytes are [position, limit). */
    private final ByteBuffer inbound = segment.asByteBuffer().limit(0);
    private Arena payloadArena;
    private MemorySegment payload;
    private ByteBuffer payloadView;

    RequestReader(Transport transport) {
        this.transport = transport;
    }

    /**
     * Makes {@code bytes} (at most {@link #BUFFER_BYTES}) available from the current position.
     *
     * @return false when the stream ended cleanly before any of them
     * @throws EOFException when it ended after some of them
     */
    boolean ensure(int bytes) throws IOException {
        if (inbound.remaining() >= bytes) {
            return true;
        }
        boolean nothing = !inbound.hasRemaining();
        inbound.compact();
        try {
            while (inbound.position() < bytes) {
                if (transport.readSome(inbound) < 0) {
                    if (nothing && inbound.position() == 0) {
                        return false;
                    }
                    throw new EOFException("the client closed the connection in the middle of a request");
                }
            }
        } finally {
            inbound.flip();
        }
        return true;
    }

    /** The buffer, positioned at the next unparsed byte (absolute gets from {@code position()}). */
    ByteBuffer buffer() {
        return inbound;
    }

    /** Consumes {@code bytes}. */
    void skipBuffered(int bytes) {
        inbound.position(inbound.position() + bytes);
    }

    /**
     * The next {@code lengthBytes} of the stream, a write's payload: valid until the next call of this
     * reader (the volume copies it during its write call).
     */
    MemorySegment payload(int lengthBytes) throws IOException {
        if (lengthBytes <= BUFFER_BYTES) {
            ensure(lengthBytes);
            MemorySegment slice = segment.asSlice(inbound.position(), lengthBytes);
            skipBuffered(lengthBytes);
            return slice;
        }
        if (payload == null || payload.byteSize() < lengthBytes) {
            if (payloadArena != null) {
                payloadArena.close();
            }
            payloadArena = Arena.ofShared();
            payload = payloadArena.allocate(Long.highestOneBit(lengthBytes - 1L) << 1, 4096);
            payloadView = payload.asByteBuffer();
        }
        int buffered = inbound.remaining();
        payloadView.clear().put(inbound).limit(lengthBytes);
        if (buffered < lengthBytes) {
            transport.readExactly(payloadView);
        }
        return payload;
    }

    /** Reads and drops {@code bytes} of the stream (the payload of a refused write). */
    void discard(long bytes) throws IOException {
        long left = bytes;
        while (left > 0) {
            int chunk = (int) Math.min(left, BUFFER_BYTES);
            ensure(chunk);
            skipBuffered(chunk);
            left -= chunk;
        }
    }

    @Override
    public void close() {
        if (payloadArena != null) {
            payloadArena.close();
        }
        arena.close();
    }
}
