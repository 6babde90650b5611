package dev.csum.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One client's byte stream: a blocking {@link SocketChannel} (TCP or Unix domain). One thread reads
 * (the connection's reader) while another writes (its reply writer); the channel allows that.
 * Buffers are direct where the hot path uses them, so the socket reads write payloads into, and
 * writes read data from, the request's own buffer: no copy in between.
 */
final class Transport implements AutoCloseable {
    private final SocketChannel channel;
    private final String peer;

    Transport(SocketChannel channel, String peer) {
        this.channel = channel;
        this.peer = peer;
    }

    /** The client, for logs: its address, or "unix socket". */
    String peer() {
        return peer;
    }

    /**
     * Fills {@code buffer}'s remaining bytes.
     *
     * @return false when the stream ended before the first byte (the client went away between
     *     messages)
     * @throws EOFException when it ended after the first byte (in the middle of a message)
     */
    boolean readFully(ByteBuffer buffer) throws IOException {
        boolean first = true;
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                if (first) {
                    return false;
                }
                throw new EOFException("the client closed the connection in the middle of a message");
            }
            first = false;
        }
        return true;
    }

    /** Reads what is available into {@code buffer} (at least one byte, waiting for it); -1 at the end of the stream. */
    int readSome(ByteBuffer buffer) throws IOException {
        return channel.read(buffer);
    }

    /** Like {@link #readFully}, but the end of the stream anywhere is an {@link EOFException}. */
    void readExactly(ByteBuffer buffer) throws IOException {
        if (!readFully(buffer)) {
            throw new EOFException("the client closed the connection");
        }
    }

    /** Writes every remaining byte of {@code buffers[0 .. count)}, in order. */
    void writeFully(ByteBuffer[] buffers, int count) throws IOException {
        int first = 0;
        while (first < count) {
            channel.write(buffers, first, count - first);
            while (first < count && !buffers[first].hasRemaining()) {
                first++;
            }
        }
    }

    /** Writes every remaining byte of {@code buffer}. */
    void writeFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Ends the reading side: the reader sees the end of the stream, replies can still be written. */
    void shutdownInput() {
        try {
            channel.shutdownInput();
        } catch (IOException ignored) {
            // already closed or never connected: the reader sees that too
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing: nothing left to tell the client
        }
    }
}
