package dev.csum.nbd;

import dev.csum.Volume;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An NBD server (the Network Block Device protocol, fixed newstyle) exporting one open
 * {@link Volume}, so qemu, libnbd's tools ({@code nbdcopy}, {@code nbdinfo}), {@code fio
 * --ioengine=nbd} or the Linux {@code nbd-client} can use it as a block device. Every read a client
 * gets was verified; a block that fails verification is answered {@code NBD_EIO} (logged with its
 * offset, counted), and the connection goes on. docs/NBD.md lists what is supported.
 *
 * <pre>{@code
 * try (Volume volume = Volume.open(VolumeOptions.of(path).withBufferArenaBytes(128L << 20));
 *      NbdServer server = NbdServer.start(volume, NbdServerOptions.tcp("127.0.0.1", 0))) {
 *     // nbd://127.0.0.1:<server.port()> until closed
 * }
 * }</pre>
 *
 * <h2>Threading</h2>
 * {@link #start} binds and returns; one platform thread accepts, and each connection has two: a
 * reader (the handshake, then reading requests and submitting them to the volume in the callback
 * form) and a reply writer. The volume's event loop completes the requests and hands each reply to
 * the writer without blocking. Up to {@link NbdServerOptions#requestsInFlight()} requests per
 * connection are in flight, answered in the order they complete. All methods are thread-safe.
 *
 * <h2>What is acknowledged</h2>
 * A write is answered once the volume completed it; with {@code NBD_CMD_FLAG_FUA}, once a volume
 * flush issued after it completed; a flush once the volume's flush completed. The volume's flush
 * covers every write completed before it was called on any connection, so the server advertises
 * {@code NBD_FLAG_CAN_MULTI_CONN}.
 *
 * <h2>Requests larger than the volume's</h2>
 * Requests up to 32 MiB are accepted ({@code NBD_INFO_BLOCK_SIZE} says so); one larger than
 * {@link Volume#maxRequestBytes()} is split into several volume requests, answered once all have
 * completed.
 */
public final class NbdServer implements AutoCloseable {
    /** The server's life: RUNNING → CLOSING → CLOSED. */
    private enum Phase { RUNNING, CLOSING, CLOSED }

    private static final System.Logger LOG = System.getLogger("dev.csum.nbd");

    private final Volume volume;
    private final NbdServerOptions options;
    private final boolean readOnly;
    private final Listener listener;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong integrityErrors = new AtomicLong();
    private final AtomicLong internalErrors = new AtomicLong();
    private final Thread acceptThread;
    private volatile Phase phase = Phase.RUNNING;
    private volatile ConnectionListener connectionListener;

    /** Told when a connection enters and leaves the transmission phase (the metrics binder). */
    interface ConnectionListener {
        void opened(Connection connection);

        void closed(Connection connection);
    }

    private NbdServer(Volume volume, NbdServerOptions options, Listener listener) {
        this.volume = volume;
        this.options = options;
        this.readOnly = options.readOnly() || volume.isReadOnly();
        this.listener = listener;
        this.acceptThread = Thread.ofPlatform().daemon(true).name("csum-nbd-accept").unstarted(this::acceptLoop);
    }

    /**
     * Binds the address of {@code options} and starts serving {@code volume}. The server does not
     * own the volume: close the server first, then the volume.
     *
     * @param volume an open volume
     * @param options where to listen and what to serve
     * @return the running server
     * @throws IOException when the address cannot be bound (in use, no permission) or a file other
     *     than a stale socket is at the Unix socket path
     * @throws IllegalArgumentException when a non-loopback TCP address is given without
     *     TLS or {@link NbdServerOptions#withInsecure(boolean)}
     * @throws IllegalStateException when the volume is closed
     */
    public static NbdServer start(Volume volume, NbdServerOptions options) throws IOException {
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(options, "options");
        if (volume.isClosed()) {
            throw new IllegalStateException("the volume is closed");
        }
        InetSocketAddress tcp = options.tcpAddress();
        if (tcp != null && !tcp.getAddress().isLoopbackAddress() && options.tls() == null && !options.insecure()) {
            throw new IllegalArgumentException("refusing to serve on " + tcp.getAddress().getHostAddress()
                + ", not a loopback address, without TLS: anyone who reaches the port could read and write the "
                + "volume; listen on 127.0.0.1 or a Unix socket, give a TLS identity, or allow it explicitly "
                + "(insecure)");
        }
        Listener listener = tcp != null ? Listener.tcp(tcp) : Listener.unix(options.unixSocketPath());
        NbdServer server = new NbdServer(volume, options, listener);
        server.acceptThread.start();
        return server;
    }

    /**
     * The TCP port bound (the real one when the options asked for port 0).
     *
     * @return the port, or -1 when listening on a Unix socket
     */
    public int port() {
        return listener.port();
    }

    /**
     * The address clients connect to.
     *
     * @return an NBD URI: {@code nbd://HOST:PORT/NAME} or {@code nbd+unix:///NAME?socket=PATH}
     *     ({@code nbds} and {@code nbds+unix} with TLS)
     */
    public String uri() {
        String name = options.exportName();
        String scheme = options.tls() == null ? "nbd" : "nbds";
        if (options.tcpAddress() != null) {
            String host = options.tcpAddress().getAddress().getHostAddress();
            if (host.contains(":")) {
                host = "[" + host + "]";
            }
            return scheme + "://" + host + ":" + port() + "/" + name;
        }
        return scheme + "+unix:///" + name + "?socket=" + options.unixSocketPath().toAbsolutePath();
    }

    /**
     * The options the server was started with.
     *
     * @return the options
     */
    public NbdServerOptions options() {
        return options;
    }

    /**
     * Whether writes are refused: the options asked for it or the volume is open read-only.
     *
     * @return true when serving read-only
     */
    public boolean readOnly() {
        return readOnly;
    }

    /**
     * The connections open now, with their request counts.
     *
     * @return a snapshot, ordered by connection id
     */
    public List<NbdConnectionStats> connections() {
        List<NbdConnectionStats> stats = new ArrayList<>();
        for (Connection connection : connections) {
            stats.add(statsOf(connection));
        }
        stats.sort((a, b) -> Long.compare(a.id(), b.id()));
        return stats;
    }

    /**
     * Connections accepted since start.
     *
     * @return the count, those refused over the connection limit included
     */
    public long connectionsAccepted() {
        return accepted.get();
    }

    /**
     * Reads answered {@code NBD_EIO} because a block failed verification, on every connection since start.
     *
     * @return the count
     */
    public long integrityErrors() {
        return integrityErrors.get();
    }

    /**
     * Stops accepting, lets every connection finish and answer its requests in flight (at most
     * {@link NbdServerOptions#drainTimeout()}, then closes them regardless), closes them, and
     * flushes the volume. The volume stays open. Idempotent; blocks until done. Not from a volume
     * I/O callback.
     *
     * @throws IOException when the final flush failed
     */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (phase != Phase.RUNNING) {
                return;
            }
            phase = Phase.CLOSING;
        }
        listener.close();
        try {
            acceptThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Connection connection : connections) {
            connection.stopReading();
        }
        long deadline = System.nanoTime() + drainTimeoutNanos() + TimeUnit.SECONDS.toNanos(1);
        synchronized (connections) {
            while (!connections.isEmpty() && System.nanoTime() < deadline) {
                try {
                    connections.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        for (Connection connection : connections) {
            LOG.log(System.Logger.Level.WARNING, "nbd connection {0} ({1}) did not drain in time: closed",
                connection.id, connection.transport.peer());
            connection.transport.close();
        }
        phase = Phase.CLOSED;
        if (!readOnly && !volume.isClosed()) {
            volume.flushBlocking();
        }
    }

    // ------------------------------------------------------------------ package-private, for connections

    Handshake.Export export(boolean connectionReadOnly) {
        return new Handshake.Export(options.exportName(), volume.sizeBytes(),
            Connection.transmissionFlags(connectionReadOnly), volume.blockSizeBytes(),
            Math.max(4096, volume.blockSizeBytes()), NbdServerOptions.DEFAULT_MAX_PAYLOAD_BYTES);
    }

    /** Sets the listener and tells it about the connections already transmitting. */
    void connectionListener(ConnectionListener listener) {
        connectionListener = listener;
        for (Connection connection : connections) {
            if (connection.phase() == Connection.Phase.TRANSMISSION) {
                listener.opened(connection);
            }
        }
    }

    void connectionTransmitting(Connection connection) {
        ConnectionListener listener = connectionListener;
        if (listener != null) {
            listener.opened(connection);
        }
    }

    javax.net.ssl.SSLContext tlsContext() {
        return options.tls() == null ? null : options.tls().context();
    }

    long drainTimeoutNanos() {
        return options.drainTimeout().toNanos();
    }

    /** A connection ended on an unexpected exception (a bug): counted for the tests, logged with its trace. */
    void countInternalError() {
        internalErrors.incrementAndGet();
    }

    long internalErrors() {
        return internalErrors.get();
    }

    void countIntegrityError() {
        integrityErrors.incrementAndGet();
    }

    void connectionEnded(Connection connection) {
        ConnectionListener listener = connectionListener;
        if (listener != null) {
            listener.closed(connection);
        }
        synchronized (connections) {
            connections.remove(connection);
            connections.notifyAll();
        }
    }

    static NbdConnectionStats statsOf(Connection connection) {
        ConnectionCounters counters = connection.counters;
        return new NbdConnectionStats(connection.id, connection.transport.peer(), counters.reads, counters.writes,
            counters.flushes, counters.zeroings, counters.readBytes, counters.writtenBytes, counters.errors,
            counters.integrityErrors);
    }

    private void acceptLoop() {
        while (phase == Phase.RUNNING) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (phase != Phase.RUNNING) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "nbd: accept failed: {0}", e.getMessage());
                continue;
            }
            long id = accepted.incrementAndGet();
            Transport transport = new Transport(channel, listener.peerOf(channel));
            if (connections.size() >= options.maxConnections() || phase != Phase.RUNNING) {
                LOG.log(System.Logger.Level.WARNING, "nbd: connection {0} from {1} refused: {2} connections open",
                    id, transport.peer(), connections.size());
                transport.close();
                continue;
            }
            Connection connection = new Connection(this, id, transport, volume, readOnly,
                options.requestsInFlight(), NbdServerOptions.DEFAULT_MAX_PAYLOAD_BYTES);
            connections.add(connection);
            Thread.ofPlatform().daemon(true).name("csum-nbd-" + id + "-reader").start(connection);
        }
    }
}
