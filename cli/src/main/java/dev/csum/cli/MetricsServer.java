package dev.csum.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A Prometheus scrape endpoint ({@code GET /metrics}) on 127.0.0.1 only, served by the JDK's
 * built-in HTTP server on one background thread. Each scrape renders the registry afresh.
 */
final class MetricsServer implements AutoCloseable {
    private final HttpServer server;

    private MetricsServer(HttpServer server) {
        this.server = server;
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
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 0);
        } catch (BindException e) {
            throw CliException.usage("--metrics-port " + port + ": 127.0.0.1:" + port + " is already in use");
        }
        server.createContext("/metrics", exchange -> respond(exchange, registry));
        server.createContext("/", exchange -> {
            byte[] body = "csum metrics: GET /metrics\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/") ? 200 : 404, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        Thread.Builder threads = Thread.ofPlatform().daemon(true).name("csum-metrics-http");
        server.setExecutor(command -> threads.start(command));
        server.start();
        return new MetricsServer(server);
    }

    private static void respond(HttpExchange exchange, PrometheusMeterRegistry registry) throws IOException {
        byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** The port actually bound. */
    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
