package dev.csum.nbd;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters of an {@link NbdServer} (docs/metrics.md): connections, integrity errors, and
 * per connection its requests by kind and bytes, registered when a client enters the transmission
 * phase and removed when it disconnects. They read the server's counters when scraped: nothing is
 * recorded per request. Bind it next to {@code dev.csum.metrics.VolumeMetrics} for the volume's own
 * meters. Needs micrometer-core at run time, like that binder.
 */
public final class NbdMetrics implements MeterBinder {
    /** Gauge: connections open now. */
    public static final String CONNECTIONS = "csum.nbd.connections";
    /** Counter: connections accepted since start. */
    public static final String CONNECTIONS_ACCEPTED = "csum.nbd.connections.accepted";
    /** Counter: reads answered {@code NBD_EIO} because a block failed verification. */
    public static final String INTEGRITY_ERRORS = "csum.nbd.integrity.errors";
    /**
     * Counter per connection: requests answered, tagged {@code connection} (its number),
     * {@code client} (its address) and {@code kind}: {@code read}, {@code write}, {@code flush},
     * {@code error} (answered with an error, of any kind).
     */
    public static final String REQUESTS = "csum.nbd.requests";
    /** Counter per connection: bytes read or written successfully (base unit bytes), tagged {@code op}: read, write. */
    public static final String BYTES = "csum.nbd.bytes";

    private final NbdServer server;
    private final Tags tags;
    private final Map<Connection, List<Meter>> perConnection = new ConcurrentHashMap<>();

    /**
     * Meters of {@code server}, tagged {@code volume=volumeName}.
     *
     * @param server the server
     * @param volumeName the value of the {@code volume} tag (as given to VolumeMetrics)
     */
    public NbdMetrics(NbdServer server, String volumeName) {
        this.server = server;
        this.tags = Tags.of("volume", volumeName);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(CONNECTIONS, server, s -> s.connections().size()).tags(tags)
            .description("NBD connections open").register(registry);
        FunctionCounter.builder(CONNECTIONS_ACCEPTED, server, NbdServer::connectionsAccepted).tags(tags)
            .description("NBD connections accepted").register(registry);
        FunctionCounter.builder(INTEGRITY_ERRORS, server, NbdServer::integrityErrors).tags(tags)
            .description("NBD reads answered EIO because a block failed verification").register(registry);
        server.connectionListener(new NbdServer.ConnectionListener() {
            @Override
            public void opened(Connection connection) {
                perConnection.put(connection, register(registry, connection));
            }

            @Override
            public void closed(Connection connection) {
                List<Meter> meters = perConnection.remove(connection);
                if (meters != null) {
                    meters.forEach(registry::remove);
                }
            }
        });
    }

    private List<Meter> register(MeterRegistry registry, Connection connection) {
        Tags connectionTags = tags.and("connection", Long.toString(connection.id), "client", connection.transport.peer());
        List<Meter> meters = new ArrayList<>();
        ConnectionCounters counters = connection.counters;
        meters.add(requests(registry, connectionTags, "read", counters, c -> c.reads));
        meters.add(requests(registry, connectionTags, "write", counters, c -> c.writes));
        meters.add(requests(registry, connectionTags, "flush", counters, c -> c.flushes));
        meters.add(requests(registry, connectionTags, "zero", counters, c -> c.zeroings));
        meters.add(requests(registry, connectionTags, "error", counters, c -> c.errors));
        meters.add(FunctionCounter.builder(BYTES, counters, c -> c.readBytes).tags(connectionTags.and("op", "read"))
            .baseUnit("bytes").register(registry));
        meters.add(FunctionCounter.builder(BYTES, counters, c -> c.writtenBytes).tags(connectionTags.and("op", "write"))
            .baseUnit("bytes").register(registry));
        return meters;
    }

    private static Meter requests(MeterRegistry registry, Tags tags, String kind, ConnectionCounters counters,
                                  ToDoubleFunction<ConnectionCounters> value) {
        return FunctionCounter.builder(REQUESTS, counters, value).tags(tags.and("kind", kind))
            .description("NBD requests answered, per connection").register(registry);
    }
}
