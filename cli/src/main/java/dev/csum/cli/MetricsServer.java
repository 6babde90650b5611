package dev.csum.cli;

import com.sun.net.httpserver.HttpExchange;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A Prometheus scrape endpoint on 127.0.0.1 only: the Prometheus Java client's own
 * {@link HTTPServer} ({@code /metrics} with the exposition format the scraper asks for, gzip,
 * {@code name[]} filters and {@code HEAD}; {@code /-/healthy}), on one daemon thread. Each scrape
 * renders the registry afresh.
 *
 * <p>The endpoint runs inside a command whose stderr is its user's, so it must print nothing there:
 * {@code /} answers {@code HEAD} itself, and the JDK server's request-level warnings (its logger
 * {@value #JDK_SERVER_LOGGER} says "being invoked with a content length for a HEAD request" when
 * the client library's {@code /-/healthy} answers a {@code HEAD}) are turned off.
 */
final class MetricsServer implements AutoCloseable {
    /** The {@code System.Logger} the JDK's {@code com.sun.net.httpserver} implementation logs through. */
    static final String JDK_SERVER_LOGGER = "com.sun.net.httpserver";

    /** Held so the level set on it stays (java.util.logging keeps loggers only weakly). */
    private static final Logger QUIET_JDK_SERVER = Logger.getLogger(JDK_SERVER_LOGGER);

    private static final byte[] INDEX = "csum metrics: GET /metrics\n".getBytes(StandardCharsets.UTF_8);

    private final HTTPServer server;
    private final ExecutorService executor;

    private MetricsServer(HTTPServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts serving {@code registry} on {@code port} (0: any free port).
     *
     * @throws CliException (exit 2) when the port is in use
     */
    static MetricsServer start(int port, PrometheusMeterRegistry registry) throws IOException {
        if (port < 0 || port > 65535) {
            throw CliException.usage("--metrics-port must be 0..65535, was " + port);
        }
        QUIET_JDK_SERVER.setLevel(Level.OFF);
        ExecutorService executor = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon(true).name("csum-metrics-http").factory());
        try {
            HTTPServer server = HTTPServer.builder()
                .hostname("127.0.0.1")
                .port(port)
                .registry(registry.getPrometheusRegistry())
                .executorService(executor)
                .defaultHandler(MetricsServer::index)
                .buildAndStart();
            return new MetricsServer(server, executor);
        } catch (BindException e) {
            executor.shutdownNow();
            throw CliException.usage("--metrics-port " + port + ": 127.0.0.1:" + port + " is already in use");
        }
    }

    /** {@code /} and every unknown path: a pointer to {@code /metrics}; no body for {@code HEAD}. */
    private static void index(HttpExchange exchange) throws IOException {
        try (exchange) {
            int status = exchange.getRequestURI().getPath().equals("/") ? 200 : 404;
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Content-Length", Integer.toString(INDEX.length));
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, INDEX.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(INDEX);
            }
        }
    }

    /** The port actually bound. */
    int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
        executor.shutdownNow();
    }
}
