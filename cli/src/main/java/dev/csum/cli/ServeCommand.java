package dev.csum.cli;

import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.metrics.VolumeMetrics;
import dev.csum.nbd.NbdMetrics;
import dev.csum.nbd.NbdServer;
import dev.csum.nbd.NbdServerOptions;
import dev.csum.nbd.NbdTls;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code csum serve}: export the volume over NBD until SIGTERM or SIGINT. */
@Command(name = "serve", sortOptions = false,
    description = {"Serve the volume over NBD (the Network Block Device protocol) until SIGTERM or SIGINT, for qemu,"
        + " nbdcopy, nbdinfo, fio --ioengine=nbd or the kernel's nbd-client.",
        "Every read is verified: a block that fails verification is answered EIO (and logged with its offset), the"
            + " connection goes on.",
        "Listens on 127.0.0.1:10809 by default; the volume is the default export (the empty name), so nbd://127.0.0.1"
            + " reaches it. Prints one line on stdout when it accepts clients. On SIGTERM or SIGINT it answers the"
            + " requests in flight, flushes and closes the volume. A write is acknowledged once the volume completed"
            + " it (with FUA, or by a FLUSH, once it is durable).",
        "With --tls-certificate and --tls-key every client must start TLS (NBD_OPT_STARTTLS; nbds:// URIs). A TCP"
            + " address that is not a loopback address needs TLS or --insecure. Exit 2 on bad usage, an unusable"
            + " certificate or an address in use; after a signal the JVM's status (143 for SIGTERM, 130 for SIGINT)."})
final class ServeCommand implements Callable<Integer> {
    /** Engine buffers for 32 MiB client requests in one volume request (the largest is half the arena). */
    static final long BUFFER_ARENA_BYTES = 128L << 20;

    @ParentCommand
    Main main;

    @Mixin
    VolumeArgs volume;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "TCP address to listen on (default"
        + " 127.0.0.1:10809; port 0: any free port, printed in the ready line).")
    String listen;

    @Option(names = "--socket", paramLabel = "PATH", description = "Listen on a Unix domain socket instead (mode 0600).")
    Path socket;

    @Option(names = "--name", paramLabel = "EXPORT", description = "The export's name (default: empty; the empty name"
        + " always reaches the volume too).")
    String exportName = "";

    @Option(names = "--read-only", description = "Open the volume read-only and refuse writes (EPERM).")
    boolean readOnly;

    @Option(names = "--tls-certificate", paramLabel = "FILE", description = "Require TLS (NBD_OPT_STARTTLS; nbds://"
        + " URIs) with this PEM certificate chain, the server's certificate first. Needs --tls-key.")
    Path tlsCertificate;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "The certificate's private key: PEM, unencrypted"
        + " PKCS #8 ('PRIVATE KEY', as openssl genpkey or req -nodes writes it).")
    Path tlsKey;

    @Option(names = "--insecure", description = "Allow a TCP address that is not a loopback address without TLS.")
    boolean insecure;

    @Option(names = "--metrics-port", paramLabel = "PORT",
        description = "Serve Prometheus metrics at http://127.0.0.1:PORT/metrics: the volume's, and per connection.")
    Integer metricsPort;

    @Override
    public Integer call() throws Exception {
        NbdServerOptions options = serverOptions();
        PrometheusMeterRegistry registry = metricsPort == null ? null
            : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MetricsServer metrics = metricsPort == null ? null : MetricsServer.start(metricsPort, registry);
        VolumeArgs.Session session = null;
        NbdServer server = null;
        try {
            ServeLog.configure();
            VolumeOptions volumeOptions = volume.options().withBufferArenaBytes(BUFFER_ARENA_BYTES)
                .withReadOnly(readOnly);
            session = volume.open(main, "serve", volumeOptions);
            Volume target = session.volume();
            try {
                server = NbdServer.start(target, options);
            } catch (BindException e) {
                throw CliException.usage(describeAddress() + ": " + e.getMessage()
                    + " (is another server running? choose another with --listen or --socket)");
            }
            if (registry != null) {
                String name = volume.device.getFileName().toString();
                new VolumeMetrics(target, name).bindTo(registry);
                new NbdMetrics(server, name).bindTo(registry);
            }
            if (insecure && options.tls() == null && options.tcpAddress() != null
                && !options.tcpAddress().getAddress().isLoopbackAddress()) {
                main.err.println("csum serve: warning: --insecure: serving on " + describeAddress() + " without TLS:"
                    + " anyone who reaches it reads and writes the volume");
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Shutdown shutdown = new Shutdown(main, server, session, metrics, stopped);
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("csum-serve-shutdown").unstarted(shutdown));
            main.out.printf("csum serve: serving %s (%s, %d-byte blocks%s) at %s%s%n", volume.device,
                Sizes.human(target.sizeBytes()), target.blockSizeBytes(), server.readOnly() ? ", read-only" : "",
                server.uri(), metrics == null ? "" : "; metrics at http://127.0.0.1:" + metrics.port() + "/metrics");
            main.out.flush();
            session = null;
            server = null;
            metrics = null;
            stopped.await();
            return ExitCode.OK;
        } finally {
            closeAll(server, session, metrics);
        }
    }

    private NbdServerOptions serverOptions() throws IOException {
        if (listen != null && socket != null) {
            throw CliException.usage("--listen and --socket exclude each other");
        }
        if ((tlsCertificate == null) != (tlsKey == null)) {
            throw CliException.usage("--tls-certificate and --tls-key go together");
        }
        NbdTls tls = null;
        if (tlsCertificate != null) {
            try {
                tls = NbdTls.fromPemFiles(tlsCertificate, tlsKey);
            } catch (java.nio.file.NoSuchFileException e) {
                throw CliException.usage(e.getFile() + ": no such file");
            } catch (IOException e) {
                throw CliException.usage(e.getMessage());
            }
        }
        try {
            NbdServerOptions options = socket != null ? NbdServerOptions.unixSocket(socket) : tcpOptions(tls != null);
            return options.withExportName(exportName).withReadOnly(readOnly).withInsecure(insecure).withTls(tls);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    private NbdServerOptions tcpOptions(boolean tls) {
        if (listen == null) {
            return NbdServerOptions.defaults();
        }
        int colon = listen.lastIndexOf(':');
        if (colon <= 0 || colon == listen.length() - 1) {
            throw CliException.usage("--listen " + listen + ": expected HOST:PORT, for example 127.0.0.1:10809");
        }
        String host = listen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw CliException.usage("--listen " + listen + ": the port is not a number");
        }
        NbdServerOptions options = NbdServerOptions.tcp(host, port);
        if (!options.tcpAddress().getAddress().isLoopbackAddress() && !tls && !insecure) {
            throw CliException.usage("--listen " + listen + " is not a loopback address: without TLS anyone who reaches"
                + " it could read and write the volume; give --tls-certificate and --tls-key, or add --insecure");
        }
        return options;
    }

    private String describeAddress() {
        return socket != null ? socket.toString() : listen != null ? listen : "127.0.0.1:" + NbdServerOptions.DEFAULT_PORT;
    }

    private static void closeAll(NbdServer server, VolumeArgs.Session session, MetricsServer metrics)
            throws IOException {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            try {
                if (session != null) {
                    session.close();
                }
            } finally {
                if (metrics != null) {
                    metrics.close();
                }
            }
        }
    }

    /** The shutdown hook: finish the requests in flight, flush, close the volume; then let the command return. */
    private record Shutdown(Main main, NbdServer server, VolumeArgs.Session session, MetricsServer metrics,
                            CountDownLatch stopped) implements Runnable {
        @Override
        public void run() {
            try {
                closeAll(server, session, metrics);
                main.err.println("csum serve: stopped; the volume is flushed and closed");
            } catch (IOException | RuntimeException e) {
                Main.report(main.err, "csum serve", e, false);
            } finally {
                main.err.flush();
                stopped.countDown();
            }
        }
    }
}
