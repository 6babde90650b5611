package dev.csum.nbd;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * TLS over a connection's socket, after {@code NBD_OPT_STARTTLS}: the JDK's {@link SSLSocket}
 * layered over the accepted channel's socket. Reads and writes go through the socket's streams (a
 * copy each way, which TLS makes anyway); replies are gathered into one buffered write so a batch of
 * them becomes few TLS records.
 */
final class TlsTransport extends Transport {
    private final SSLSocket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] readScratch = new byte[64 << 10];
    private final byte[] writeScratch = new byte[64 << 10];

    private TlsTransport(Transport plain, SSLSocket socket) throws IOException {
        super(plain.channel, plain.peer());
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 << 10);
    }

    /** Wraps {@code plain} as the TLS server and completes the TLS handshake. */
    static TlsTransport accept(Transport plain, SSLContext context) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain.channel.socket(), null,
            plain.channel.socket().getPort(), true);
        socket.setUseClientMode(false);
        socket.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        socket.startHandshake();
        return new TlsTransport(plain, socket);
    }

    @Override
    boolean isTls() {
        return true;
    }

    @Override
    Transport startTls(SSLContext context) {
        throw new IllegalStateException("TLS is already on");
    }

    @Override
    int readSome(ByteBuffer buffer) throws IOException {
        int read = in.read(readScratch, 0, Math.min(readScratch.length, buffer.remaining()));
        if (read > 0) {
            buffer.put(readScratch, 0, read);
        }
        return read;
    }

    @Override
    void writeFully(ByteBuffer[] buffers, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            ByteBuffer buffer = buffers[i];
            while (buffer.hasRemaining()) {
                int chunk = Math.min(writeScratch.length, buffer.remaining());
                buffer.get(writeScratch, 0, chunk);
                out.write(writeScratch, 0, chunk);
            }
        }
        out.flush();
    }

    @Override
    void awaitClientClose() {
        try {
            socket.setSoTimeout(2000);
            while (in.read(readScratch) >= 0) {
                // the client sends nothing after DISC; drop anything until its close_notify
            }
        } catch (IOException timedOutOrReset) {
            // close anyway
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing: nothing left to tell the client
        }
        super.close();
    }
}
