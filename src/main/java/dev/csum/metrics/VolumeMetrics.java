package dev.csum.metrics;

import dev.csum.RequestKind;
import dev.csum.RequestObserver;
import dev.csum.ScrubProgress;
import dev.csum.ScrubStatus;
import dev.csum.Volume;
import dev.csum.VolumeInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer metrics of one {@link Volume} (names, units and tags: docs/metrics.md).
 *
 * <p>Counters and gauges read the engine's own counters when scraped, so they cost nothing per
 * operation. Only the latency timers record per request, and only once {@link #bindTo} has been
 * called: a volume with no registry bound records into nothing (an empty array per request).
 *
 * <p>Timers publish percentile histograms (Prometheus {@code _bucket} series) so dashboards can
 * compute any quantile across instances.
 *
 * <p>Threading: {@link #bindTo} may be called from any thread; the volume calls
 * {@link #onRequestComplete} on its event-loop thread, as every {@link RequestObserver}.
 */
public final class VolumeMetrics implements MeterBinder, RequestObserver {
    /** Name of the timer of read latencies, from acceptance to completion (failed reads included). */
    public static final String READ_LATENCY = "csum.read.latency";
    /** Name of the timer of write latencies, including the metadata (imd) update. */
    public static final String WRITE_LATENCY = "csum.write.latency";
    /** Name of the timer of flush latencies (fdatasync of the devices). */
    public static final String FLUSH_LATENCY = "csum.flush.latency";
    /** Timer: discard requests (each chunk of up to 256 MiB), from acceptance to completion. */
    public static final String DISCARD_LATENCY = "csum.discard.latency";
    /** Timer: write-zeroes requests (each chunk of up to 256 MiB). */
    public static final String WRITE_ZEROES_LATENCY = "csum.write.zeroes.latency";
    /**
     * Name of the counter of failed requests, tagged {@code op} ({@code read}, {@code write},
     * {@code flush}, {@code discard}, {@code write_zeroes}) and {@code cause} ({@code integrity} for a checksum mismatch, {@code io} for any
     * other failure); {@link #bindTo} registers all ten series at 0.
     */
    public static final String REQUESTS_FAILED = "csum.requests.failed";
    /**
     * Name of the gauge that is always 1 and names the volume in its tags: {@code uuid},
     * {@code checksum} (its display name) and {@code block_size} (bytes).
     */
    public static final String VOLUME_INFO = "csum.volume.info";
    /**
     * Name of the counter of operations submitted to the device(s), data and metadata together,
     * tagged {@code op}: {@code read}, {@code write} or {@code flush} (an fdatasync of one device).
     */
    public static final String DEVICE_OPS = "csum.device.ops";
    /** Name of the counter of bytes moved by those operations (base unit bytes), tagged {@code op}: {@code read}, {@code write}. */
    public static final String DEVICE_BYTES = "csum.device.bytes";

    /** Gauge: the running scrub's share done, 0 to 1 (NaN when none runs). */
    public static final String SCRUB_PROGRESS = "csum.scrub.progress";
    /** Counter: bad blocks found by scrubs. */
    public static final String SCRUB_BAD_BLOCKS = "csum.scrub.bad.blocks";
    /** Gauge: when the last complete scrub finished, seconds since the epoch (NaN before the first). */
    public static final String SCRUB_LAST_COMPLETION = "csum.scrub.last.completion";

    /** Values of the {@code op} tag of {@link #REQUESTS_FAILED}, indexed by {@link RequestKind#ordinal()}. */
    private static final String[] OPERATIONS = {"read", "write", "flush", "discard", "write_zeroes"};
    /** Values of its {@code cause} tag: a checksum mismatch, or any other failure (the device's, mostly). */
    private static final String[] CAUSES = {"integrity", "io"};
    private static final int CAUSE_INTEGRITY = 0;
    private static final int CAUSE_IO = 1;

    private final Volume volume;
    private final Tags tags;
    /**
     * The meters each request records into, one entry per registry bound: copy-on-write (binding is
     * rare, recording is per request and allocation-free).
     */
    private volatile Recorders[] recorders = new Recorders[0];

    /**
     * One registry's per-request meters: latency timers by {@link RequestKind#ordinal()}, and
     * {@link #REQUESTS_FAILED} by {@code [operation][cause]}, as {@link #OPERATIONS} and {@link #CAUSES}.
     */
    private record Recorders(Timer[] latency, Counter[][] failures) {
    }

    /**
     * Metrics of {@code volume}, every meter tagged {@code volume=volumeName}. Nothing is registered
     * or recorded until {@link #bindTo} is called.
     *
     * @param volume the volume to measure
     * @param volumeName value of the {@code volume} tag (for example the device path)
     */
    public VolumeMetrics(Volume volume, String volumeName) {
        this.volume = volume;
        this.tags = Tags.of("volume", volumeName);
    }

    /**
     * Registers the volume's meters in {@code registry}, and attaches this object to the volume as a
     * {@link RequestObserver} (once, however many registries it is bound to) so that the latency
     * timers record every request from then on.
     *
     * <p>It may be bound to several registries: every meter is registered and recorded in each.
     *
     * @param registry the registry to register the meters in
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Timer[] latency = {
            latencyTimer(registry, READ_LATENCY, "Latency of volume reads, from acceptance to completion"),
            latencyTimer(registry, WRITE_LATENCY, "Latency of volume writes, including the imd update"),
            latencyTimer(registry, FLUSH_LATENCY, "Latency of volume flushes (fdatasync)"),
            latencyTimer(registry, DISCARD_LATENCY, "Latency of volume discards, including the log record and the punch"),
            latencyTimer(registry, WRITE_ZEROES_LATENCY, "Latency of volume write-zeroes, including the log record and the punch")};
        counter(registry, "csum.read.bytes", "Bytes returned by successful reads", "bytes",
            v -> v.stats().bytesRead());
        counter(registry, "csum.write.bytes", "Bytes of successful writes", "bytes", v -> v.stats().bytesWritten());
        counter(registry, "csum.reads", "Read requests completed", null, v -> v.stats().reads());
        counter(registry, "csum.writes", "Write requests completed", null, v -> v.stats().writes());
        counter(registry, "csum.mismatches", "Blocks that failed checksum verification after a re-read", null,
            v -> v.stats().mismatches());
        counter(registry, "csum.recheck.recoveries", "Blocks that mismatched once and verified on the re-read", null,
            v -> v.stats().recheckRecoveries());
        counter(registry, "csum.imd.fallbacks", "Damaged imd copies replaced by their brother", null,
            v -> v.stats().metadataFallbacks());
        counter(registry, "csum.imd.repairs.deferred", "Groups a read-only session left with copies a writable one would rewrite",
            null, v -> v.stats().metadataRepairsDeferred());
        counter(registry, "csum.imd.repair.failures", "Metadata rewrites without new checksums (settles) that failed",
            null, v -> v.stats().metadataRepairFailures());
        counter(registry, "csum.imd.confirm.reads", "imd pairs read twice: the first read gave no two valid copies", null,
            v -> v.stats().imdConfirmReads());
        counter(registry, "csum.imd.cache.hits", "Pieces whose group metadata was cached", null,
            v -> v.stats().imdCacheHits());
        counter(registry, "csum.imd.cache.misses", "Pieces that had to read their group's imd pair", null,
            v -> v.stats().imdCacheMisses());
        counter(registry, "csum.imd.commits", "imd updates written (group commits)", null,
            v -> v.stats().imdCommits());
        counter(registry, "csum.log.records", "Tuple-log records written (the writes of a loop step share one)", null,
            v -> v.stats().logRecords());
        counter(registry, "csum.log.entries", "Entries in those records: one per block written", null,
            v -> v.stats().logEntries());
        counter(registry, "csum.checkpoint.rounds", "Checkpoint rounds completed (each ends with a sync)", null,
            v -> v.stats().checkpointRounds());
        counter(registry, "csum.checkpoint.writes", "imd copies written by checkpoints (two per group)", null,
            v -> v.stats().checkpointWrites());
        counter(registry, "csum.checkpoint.time", "Time checkpoint rounds were in progress", "seconds",
            v -> v.stats().checkpointNanos() / 1e9);
        counter(registry, "csum.checkpoint.sync.time", "Time checkpoint rounds waited for their syncs", "seconds",
            v -> v.stats().checkpointSyncNanos() / 1e9);
        counter(registry, "csum.groups.parked", "Dirty groups evicted by keeping their changed tuples in memory", null,
            v -> v.stats().groupsParked());
        counter(registry, "csum.parked.reloads", "Parked groups read back for a checkpoint", null,
            v -> v.stats().parkedReloads());
        counter(registry, "csum.pairless.commits", "Commits to groups whose imd pair was not read first", null,
            v -> v.stats().pairlessCommits());
        counter(registry, "csum.pairless.loads", "Pairs of such groups read afterwards, in place", null,
            v -> v.stats().pairlessLoads());
        String deviceOps = "Operations submitted to the device(s), data and metadata together";
        counter(registry, DEVICE_OPS, deviceOps, Tags.of("op", "read"), null, v -> v.stats().deviceReads());
        counter(registry, DEVICE_OPS, deviceOps, Tags.of("op", "write"), null, v -> v.stats().deviceWrites());
        counter(registry, DEVICE_OPS, deviceOps, Tags.of("op", "flush"), null, v -> v.stats().deviceFlushes());
        String deviceBytes = "Bytes moved by the operations submitted to the device(s)";
        counter(registry, DEVICE_BYTES, deviceBytes, Tags.of("op", "read"), "bytes", v -> v.stats().deviceBytesRead());
        counter(registry, DEVICE_BYTES, deviceBytes, Tags.of("op", "write"), "bytes",
            v -> v.stats().deviceBytesWritten());
        Gauge.builder("csum.inflight", volume, v -> v.stats().inFlight())
            .description("Requests accepted but not yet completed").tags(tags).register(registry);
        bindScrub(registry);
        VolumeInfo info = volume.info();
        Gauge.builder(VOLUME_INFO, () -> 1)
            .description("Always 1: the volume's identity and format in its tags")
            .tags(tags.and("uuid", info.uuid().toString(), "checksum", info.checksum().displayName(),
                "block_size", Integer.toString(info.blockSizeBytes())))
            .register(registry);
        addRecorders(new Recorders(latency, failureCounters(registry)));
        volume.addObserver(this); // once, however many registries it is bound to
    }

    /** The scrub meters: progress of the running one, bad blocks found, when the last one completed. */
    private void bindScrub(MeterRegistry registry) {
        Gauge.builder(SCRUB_PROGRESS, volume, v -> {
            ScrubProgress running = v.scrubStatus().running();
            return running == null ? Double.NaN : running.fraction();
        }).description("Share of the running scrub's range checked, 0 to 1; NaN when no scrub runs")
            .tags(tags).register(registry);
        counter(registry, SCRUB_BAD_BLOCKS, "Bad blocks found by scrubs (the running one included), repaired or not",
            null, v -> {
                ScrubStatus status = v.scrubStatus();
                return status.badBlocksFound() + (status.running() == null ? 0 : status.running().badBlocks());
            });
        counter(registry, "csum.scrub.repaired.blocks", "Bad blocks scrubs repaired from a good copy", null,
            v -> v.scrubStatus().blocksRepaired());
        Gauge.builder(SCRUB_LAST_COMPLETION, volume, v -> {
            long millis = v.scrubStatus().lastCompletedEpochMillis();
            return millis == 0 ? Double.NaN : millis / 1000.0;
        }).description("When the last scrub that covered its whole range finished, seconds since the epoch; NaN before")
            .baseUnit("seconds").tags(tags).register(registry);
    }

    /** Every operation and cause, registered at 0 so an alert on their increase works from the start. */
    private Counter[][] failureCounters(MeterRegistry registry) {
        Counter[][] counters = new Counter[OPERATIONS.length][CAUSES.length];
        for (int operation = 0; operation < OPERATIONS.length; operation++) {
            for (int cause = 0; cause < CAUSES.length; cause++) {
                counters[operation][cause] = Counter.builder(REQUESTS_FAILED)
                    .description("Requests that failed: cause integrity for a checksum mismatch, io for any other error")
                    .tags(tags.and("op", OPERATIONS[operation], "cause", CAUSES[cause]))
                    .register(registry);
            }
        }
        return counters;
    }

    private Timer latencyTimer(MeterRegistry registry, String name, String description) {
        return Timer.builder(name).description(description).tags(tags)
            .publishPercentileHistogram(true)
            // Micrometer's timer default starts the buckets at 1 ms, where a verified 4 KiB read on
            // NVMe ends: 1 us .. 10 s keeps histogram_quantile meaningful for fast devices.
            .minimumExpectedValue(Duration.ofNanos(1_000))
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry);
    }

    private void counter(MeterRegistry registry, String name, String description, String unit,
                         ToDoubleFunction<Volume> value) {
        counter(registry, name, description, Tags.empty(), unit, value);
    }

    private void counter(MeterRegistry registry, String name, String description, Tags extraTags, String unit,
                         ToDoubleFunction<Volume> value) {
        FunctionCounter.Builder<Volume> builder = FunctionCounter.builder(name, volume, value)
            .description(description).tags(tags.and(extraTags));
        if (unit != null) {
            builder.baseUnit(unit);
        }
        builder.register(registry);
    }

    private synchronized void addRecorders(Recorders added) {
        Recorders[] bound = recorders;
        Recorders[] grown = java.util.Arrays.copyOf(bound, bound.length + 1);
        grown[bound.length] = added;
        recorders = grown;
    }

    @Override
    public void onRequestComplete(RequestKind kind, long lengthBytes, long latencyNanos, boolean failed,
                                  int mismatchedBlocks) {
        int operation = kind.ordinal();
        int cause = mismatchedBlocks > 0 ? CAUSE_INTEGRITY : CAUSE_IO;
        for (Recorders bound : recorders) {
            bound.latency()[operation].record(latencyNanos, TimeUnit.NANOSECONDS);
            if (failed) {
                bound.failures()[operation][cause].increment();
            }
        }
    }
}
