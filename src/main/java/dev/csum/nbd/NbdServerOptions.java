package dev.csum.nbd;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link NbdServer} listens and what it serves. Immutable: every {@code with…} returns a
 * copy. Start from {@link #defaults()} (TCP on 127.0.0.1:10809), {@link #tcp(String, int)} or
 * {@link #unixSocket(Path)}.
 *
 * <p>Security rule: a TCP address that is not a loopback address is refused at
 * {@link NbdServer#start} unless the server requires TLS ({@link #withTls(NbdTls)}) or
 * {@link #withInsecure(boolean)} is set: without TLS anyone who can reach the port reads and writes
 * the whole volume.
 */
public final class NbdServerOptions {
    /** The IANA port of NBD. */
    public static final int DEFAULT_PORT = 10809;
    /** The largest read or write payload a client may send, advertised in {@code NBD_INFO_BLOCK_SIZE}: 32 MiB. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 32 << 20;
    /** Requests in flight per connection, by default. */
    public static final int DEFAULT_REQUESTS_IN_FLIGHT = 128;
    /** Connections served at once, by default. */
    public static final int DEFAULT_MAX_CONNECTIONS = 64;

    // Written only on a fresh copy inside a with… method, before it is returned.
    private InetSocketAddress tcpAddress;
    private Path unixSocketPath;
    private String exportName = "";
    private boolean readOnly;
    private boolean insecure;
    private NbdTls tls;
    private int requestsInFlight = DEFAULT_REQUESTS_IN_FLIGHT;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private Duration drainTimeout = Duration.ofSeconds(10);

    private NbdServerOptions() {
    }

    private NbdServerOptions copy() {
        NbdServerOptions copy = new NbdServerOptions();
        copy.tcpAddress = tcpAddress;
        copy.unixSocketPath = unixSocketPath;
        copy.exportName = exportName;
        copy.readOnly = readOnly;
        copy.insecure = insecure;
        copy.tls = tls;
        copy.requestsInFlight = requestsInFlight;
        copy.maxConnections = maxConnections;
        copy.drainTimeout = drainTimeout;
        return copy;
    }

    /**
     * TCP on 127.0.0.1, port {@value #DEFAULT_PORT}; the export named "" (the default export, so
     * {@code nbd://127.0.0.1} reaches it).
     *
     * @return the default options
     */
    public static NbdServerOptions defaults() {
        return tcp("127.0.0.1", DEFAULT_PORT);
    }

    /**
     * TCP on {@code host:port}.
     *
     * @param host an address or host name to bind, resolved now (a loopback address unless
     *     {@link #withInsecure(boolean)})
     * @param port 0..65535; 0 binds any free port ({@link NbdServer#port()} tells which)
     * @return options listening there
     * @throws IllegalArgumentException when the port is out of range or the host does not resolve
     */
    public static NbdServerOptions tcp(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("host " + host + " does not resolve");
        }
        NbdServerOptions options = new NbdServerOptions();
        options.tcpAddress = address;
        return options;
    }

    /**
     * A Unix domain socket at {@code path}, created with mode 0600 (only this user can connect). A
     * stale socket file there (nothing accepts on it) is replaced; any other file is refused.
     *
     * @param path where the socket file is created
     * @return options listening there
     */
    public static NbdServerOptions unixSocket(Path path) {
        Objects.requireNonNull(path, "path");
        NbdServerOptions options = new NbdServerOptions();
        options.unixSocketPath = path;
        return options;
    }

    /**
     * The export's name. The empty name (the default export) always reaches it too.
     *
     * @param name at most 4096 bytes of UTF-8
     * @return a copy with that name
     * @throws IllegalArgumentException when longer than 4096 bytes
     */
    public NbdServerOptions withExportName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 4096) {
            throw new IllegalArgumentException("an export name has at most 4096 bytes");
        }
        NbdServerOptions copy = copy();
        copy.exportName = name;
        return copy;
    }

    /**
     * Serve read-only: the export is advertised {@code NBD_FLAG_READ_ONLY} and writes fail with
     * {@code NBD_EPERM}. (A volume opened read-only is always served read-only.)
     *
     * @param readOnly whether to refuse writes
     * @return a copy
     */
    public NbdServerOptions withReadOnly(boolean readOnly) {
        NbdServerOptions copy = copy();
        copy.readOnly = readOnly;
        return copy;
    }

    /**
     * Allow a TCP address that is not a loopback address without TLS: every host that reaches it can
     * read and write the volume, unauthenticated and in clear text.
     *
     * @param insecure whether to allow it
     * @return a copy
     */
    public NbdServerOptions withInsecure(boolean insecure) {
        NbdServerOptions copy = copy();
        copy.insecure = insecure;
        return copy;
    }

    /**
     * Serve with TLS, and only with TLS: a client must send {@code NBD_OPT_STARTTLS} before anything
     * else (other options are answered {@code NBD_REP_ERR_TLS_REQD}). TLS makes a non-loopback TCP
     * address allowed without {@link #withInsecure(boolean)}. Not for a Unix socket (its mode already
     * keeps other users out).
     *
     * @param tls the certificate chain and key, or null for none
     * @return a copy
     */
    public NbdServerOptions withTls(NbdTls tls) {
        NbdServerOptions copy = copy();
        copy.tls = tls;
        return copy;
    }

    /**
     * Requests in flight per connection (further requests wait in the socket): bounds the server's
     * memory, at most this many reply buffers per connection.
     *
     * @param requests 1..1024
     * @return a copy
     * @throws IllegalArgumentException when out of range
     */
    public NbdServerOptions withRequestsInFlight(int requests) {
        if (requests < 1 || requests > 1024) {
            throw new IllegalArgumentException("requests in flight must be 1..1024, was " + requests);
        }
        NbdServerOptions copy = copy();
        copy.requestsInFlight = requests;
        return copy;
    }

    /**
     * Connections served at once; a further client is disconnected at once (and the server logs it).
     *
     * @param connections at least 1
     * @return a copy
     * @throws IllegalArgumentException when less than 1
     */
    public NbdServerOptions withMaxConnections(int connections) {
        if (connections < 1) {
            throw new IllegalArgumentException("max connections must be at least 1, was " + connections);
        }
        NbdServerOptions copy = copy();
        copy.maxConnections = connections;
        return copy;
    }

    /**
     * How long {@link NbdServer#close()} waits for connections to finish their requests in flight
     * and send their replies before it closes them regardless.
     *
     * @param timeout positive
     * @return a copy
     * @throws IllegalArgumentException when not positive
     */
    public NbdServerOptions withDrainTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("drain timeout must be positive, was " + timeout);
        }
        NbdServerOptions copy = copy();
        copy.drainTimeout = timeout;
        return copy;
    }

    /**
     * The TCP address.
     *
     * @return the address to bind, or null when listening on a Unix socket
     */
    public InetSocketAddress tcpAddress() {
        return tcpAddress;
    }

    /**
     * The Unix socket path.
     *
     * @return the socket's path, or null when listening on TCP
     */
    public Path unixSocketPath() {
        return unixSocketPath;
    }

    /**
     * The export's name.
     *
     * @return the name ("" by default)
     */
    public String exportName() {
        return exportName;
    }

    /**
     * Whether writes are refused.
     *
     * @return true when serving read-only
     */
    public boolean readOnly() {
        return readOnly;
    }

    /**
     * Whether a non-loopback TCP address is allowed without TLS.
     *
     * @return true when allowed
     */
    public boolean insecure() {
        return insecure;
    }

    /**
     * The TLS identity.
     *
     * @return the identity, or null when the server does not speak TLS
     */
    public NbdTls tls() {
        return tls;
    }

    /**
     * Requests in flight per connection.
     *
     * @return the bound
     */
    public int requestsInFlight() {
        return requestsInFlight;
    }

    /**
     * Connections served at once.
     *
     * @return the bound
     */
    public int maxConnections() {
        return maxConnections;
    }

    /**
     * How long close waits for connections to drain.
     *
     * @return the timeout
     */
    public Duration drainTimeout() {
        return drainTimeout;
    }
}
