package dev.csum.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLContext;

/**
 * One client's byte stream: a blocking {@link SocketChannel} (TCP or Unix domain), or TLS over it
 * after {@code NBD_OPT_STARTTLS} ({@link TlsTransport}). One thread reads (the connection's reader)
 * while another writes (its reply writer); both kinds allow that. In plain form the socket reads
 * write payloads into, and writes read data from, the request's own direct buffers: no copy.
 */
class Transport implements AutoCloseable {
    final SocketChannel channel;
    private final String peer;

    Transport(SocketChannel channel, String peer) {
        this.channel = channel;
        this.peer = peer;
    }

    /** The client, for logs: its address, or "unix socket". */
    final String peer() {
        return peer;
    }

    /** Whether this stream is TLS. */
    boolean isTls() {
        return false;
    }

    /**
     * TLS over this connection, as the server: the handshake done.
     *
     * @throws IOException when the TLS handshake fails (the session must end)
     */
    Transport startTls(SSLContext context) throws IOException {
        return TlsTransport.accept(this, context);
    }

    /** Reads what is available into {@code buffer} (at least one byte, waiting for it); -1 at the end of the stream. */
    int readSome(ByteBuffer buffer) throws IOException {
        return channel.read(buffer);
    }

    /**
     * Fills {@code buffer}'s remaining bytes.
     *
     * @return false when the stream ended before the first byte (the client went away between
     *     messages)
     * @throws EOFException when it ended after the first byte (in the middle of a message)
     */
    final boolean readFully(ByteBuffer buffer) throws IOException {
        boolean first = true;
        while (buffer.hasRemaining()) {
            if (readSome(buffer) < 0) {
                if (first) {
                    return false;
                }
                throw new EOFException("the client closed the connection in the middle of a message");
            }
            first = false;
        }
        return true;
    }

    /** Like {@link #readFully}, but the end of the stream anywhere is an {@link EOFException}. */
    final void readExactly(ByteBuffer buffer) throws IOException {
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
    final void writeFully(ByteBuffer buffer) throws IOException {
        writeFully(new ByteBuffer[] {buffer}, 1);
    }

    /**
     * After the client's NBD_CMD_DISC: lets it end the stream first. Plain streams need nothing;
     * TLS waits (briefly) for the client's close_notify, so that closing answers it with ours
     * instead of an alert the client reports as an error.
     */
    void awaitClientClose() {
    }

    /** Ends the reading side: the reader sees the end of the stream, replies can still be written. */
    final void shutdownInput() {
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
