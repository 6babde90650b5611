package dev.csum.cli;

import dev.csum.Checksum;
import dev.csum.Durability;
import dev.csum.FileAllocation;
import dev.csum.FormatOptions;
import dev.csum.IntegrityException;
import dev.csum.IoEngine;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.VolumeStats;
import dev.csum.metrics.VolumeMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.TypeConversionException;

/** {@code csum bench}: fio-like closed-loop load through the engine. */
@Command(name = "bench", sortOptions = false,
    description = {"Run a fio-like load on the volume and report IOPS, throughput, latency and CPU time.",
        "Keeps --iodepth requests of --bs bytes in flight through the engine's callback API for --runtime. Latency"
            + " percentiles come from the volume's Micrometer timers; CPU time is the whole process's.",
        "If DEVICE does not exist and --size is given, it is created and formatted; read workloads on a new volume"
            + " first write every block once (the layout, reported separately) so reads verify real checksums. On an"
            + " existing volume --size limits the I/O to its first SIZE bytes.",
        "Device operations (device_ops; writes and reads per request) count the timed window plus the final flush"
            + " and close that make its writes durable and settle their metadata.",
        "The --json fields are stable (docs/CLI.md). A failed request stops the run: exit 1 on a checksum mismatch,"
            + " 3 on an I/O error."})
final class BenchCommand implements Callable<Integer> {
    static final int MAX_IODEPTH = 512;
    static final int LAYOUT_REQUEST_BYTES = 1 << 20;
    static final int LAYOUT_DEPTH = 8;

    @ParentCommand
    Main main;

    @Mixin
    VolumeArgs volume;

    @Option(names = "--rw", paramLabel = "WORKLOAD", defaultValue = "randread", converter = WorkloadConverter.class,
        description = "read, write, randread, randwrite or randrw (50%% reads) (default ${DEFAULT-VALUE}).")
    BenchRunner.Workload workload;

    @Option(names = "--bs", paramLabel = "SIZE", defaultValue = "4k", converter = Sizes.BytesConverter.class,
        description = "Bytes per request, a multiple of the block size (default ${DEFAULT-VALUE}).")
    long requestBytes;

    @Option(names = "--iodepth", paramLabel = "N", defaultValue = "32",
        description = "Requests in flight, 1.." + MAX_IODEPTH + " (default ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--runtime", paramLabel = "DURATION", defaultValue = "10s", converter = Sizes.DurationConverter.class,
        description = "How long to run, e.g. 500ms, 5s, 2m (default ${DEFAULT-VALUE}).")
    Duration runtime;

    @Option(names = "--ramp-time", paramLabel = "DURATION", defaultValue = "0s", converter = Sizes.DurationConverter.class,
        description = "Run the same load this long first, untimed, so that the JIT has compiled the I/O path"
            + " before the timed window starts (fio's --ramp_time); its requests complete before the window"
            + " (default ${DEFAULT-VALUE}).")
    Duration rampTime;

    @Option(names = "--size", paramLabel = "BYTES", converter = Sizes.BytesConverter.class,
        description = "New DEVICE: its size. Existing volume: use only its first BYTES.")
    Long sizeBytes;

    @Option(names = "--block-size", paramLabel = "BYTES", defaultValue = "4096", converter = FormatCommand.BlockSizeConverter.class,
        description = "Block size of a newly created volume (default ${DEFAULT-VALUE}).")
    int blockSizeBytes;

    @Option(names = "--checksum", paramLabel = "ALGORITHM", defaultValue = "crc32c", converter = FormatCommand.ChecksumConverter.class,
        description = "Checksum of a newly created volume (default ${DEFAULT-VALUE}).")
    Checksum checksum;

    @Option(names = "--log-block-size", paramLabel = "BYTES", converter = FormatCommand.BlockSizeConverter.class,
        description = "Log block size of a newly created volume: 512 or the block size (csum format --help; default:"
            + " 512 where the device takes it).")
    Integer logBlockBytes;

    @Option(names = "--allocation", paramLabel = "KIND", defaultValue = "auto", converter = FormatCommand.AllocationConverter.class,
        description = "How a newly created volume's file is laid out: auto, sparse, reserved or zeroed (csum format"
            + " --help; default ${DEFAULT-VALUE}).")
    FileAllocation allocation;

    @Option(names = "--io-engine", paramLabel = "ENGINE", defaultValue = "auto", converter = IoEngineConverter.class,
        description = {"auto (io_uring, or the portable FileChannel port with a warning when io_uring is refused),",
            "io_uring or portable (default ${DEFAULT-VALUE})."})
    IoEngine ioEngine;

    @Option(names = "--durability", paramLabel = "MODE", defaultValue = "default", converter = DurabilityConverter.class,
        description = "Write durability: default, or strict (a write completes when durable: its log record"
            + " RWF_DSYNC, then one data-device fdatasync per batch) (default: ${DEFAULT-VALUE}).")
    Durability durability;

    @Option(names = "--imd-cache", paramLabel = "BYTES", converter = Sizes.BytesConverter.class,
        description = "Bytes of cached imd metadata, at least 4k; each cached group takes two blocks (default 64m).")
    Long imdCacheBytes;

    @Option(names = "--copy-reads", description = "Read through the volume's copying read instead of in place"
        + " (Volume.readInPlace, used when the request size is a multiple of the direct-I/O alignment).")
    boolean copyReads;

    @Option(names = "--json", description = "Print one JSON object (fields: docs/CLI.md).")
    boolean json;

    @Option(names = "--metrics-port", paramLabel = "PORT",
        description = "Serve Prometheus metrics at http://127.0.0.1:PORT/metrics while running.")
    Integer metricsPort;

    @Override
    public Integer call() throws Exception {
        if (depth < 1 || depth > MAX_IODEPTH) {
            throw CliException.usage("--iodepth must be 1.." + MAX_IODEPTH + ", was " + depth);
        }
        if (runtime.isZero() || runtime.isNegative()) {
            throw CliException.usage("--runtime must be positive");
        }
        if (requestBytes <= 0 || requestBytes > 256L << 20 || depth * requestBytes > 512L << 20) {
            throw CliException.usage("--bs " + requestBytes + " with --iodepth " + depth
                + " is out of range (bs at most 256 MiB, bs x iodepth at most 512 MiB)");
        }
        if (imdCacheBytes != null && imdCacheBytes < 4096) {
            throw CliException.usage("--imd-cache must be at least 4096 bytes, was " + imdCacheBytes);
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        BenchReport.configurePercentiles(registry);
        // Bind the port first: a port in use fails before a device is created.
        MetricsServer server = metricsPort == null ? null : MetricsServer.start(metricsPort, registry);
        try {
            if (server != null) {
                main.err.printf("csum bench: metrics at http://127.0.0.1:%d/metrics%n", server.port());
            }
            boolean created = false;
            if (!Files.exists(volume.device)) {
                if (sizeBytes == null) {
                    throw CliException.usage(volume.device + ": no such file; give --size to create and format it");
                }
                Volume.format(FormatOptions.of(volume.device).withMetadataPath(volume.metadata).withSizeBytes(sizeBytes)
                    .withBlockSizeBytes(blockSizeBytes).withChecksum(checksum).withAllocation(allocation)
                    .withLogBlockBytes(logBlockBytes == null ? 0 : logBlockBytes));
                created = true;
            }
            VolumeOptions options = options(volume.options(), depth, (int) requestBytes).withIoEngine(ioEngine)
                .withDurability(durability);
            if (imdCacheBytes != null) {
                options = options.withImdCacheBytes(imdCacheBytes);
            }
            boolean layOut = created && workload.reads();
            Double layoutSeconds = null;
            if (layOut) {
                try (VolumeArgs.Session session = volume.open(main, "bench", options)) {
                    region(session.volume(), created); // its checks, before the layout's work
                    layoutSeconds = layout(session.volume(), main.err, json);
                }
                // That close did the layout's deferred work (settling its groups' metadata, the
                // sync): the measured open starts owing nothing, as on an existing volume.
            }
            Measured measured;
            Volume target;
            long settleStartNanos;
            try (VolumeArgs.Session session = layOut
                     ? new VolumeArgs.Session(main, "bench", Volume.open(options)) // warnings printed by the first open
                     : volume.open(main, "bench", options)) {
                target = session.volume();
                measured = measure(target, volume.device.toString(), workload, (int) requestBytes, depth,
                    region(target, created), rampTime, runtime, copyReads, registry);
                settleStartNanos = System.nanoTime();
                if (measured.outcome().failure() == null) {
                    target.flushBlocking(); // deferred work is not free: the final flush and the close count
                }
            }
            Double settleSeconds = measured.outcome().failure() == null
                ? (System.nanoTime() - settleStartNanos) / 1e9 : null;
            BenchReport report = measured.report(layoutSeconds, settleSeconds, target.stats());
            if (json) {
                main.out.println(report.toJson());
            } else {
                report.print(main.out);
            }
            IOExceptionReport.check(report.outcome());
            return ExitCode.OK;
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    /** Volume options with room for {@code depth} requests of {@code requestBytes} in flight. */
    static VolumeOptions options(VolumeOptions base, int depth, int requestBytes) {
        long inFlightBytes = 2L * depth * Math.max(requestBytes, LAYOUT_REQUEST_BYTES);
        long arenaBytes = Math.max(VolumeOptions.DEFAULT_BUFFER_ARENA_BYTES, Long.highestOneBit(inFlightBytes - 1) << 1);
        return base.withQueueDepth(Math.min(4096, Math.max(64, depth * 4))).withBufferArenaBytes(arenaBytes);
    }

    /** Writes every block once (fio's layout), so reads verify real checksums. Returns its seconds. */
    static double layout(Volume target, PrintStream err, boolean quiet) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            int chunk = (int) Math.min(LAYOUT_REQUEST_BYTES, target.sizeBytes());
            BenchRunner writer = new BenchRunner(target, BenchRunner.Workload.WRITE, chunk, LAYOUT_DEPTH,
                target.sizeBytes(), true, false, arena);
            BenchRunner.Outcome outcome = writer.run(Duration.ZERO,
                new ProgressPrinter(err, "layout", ProgressPrinter.isTerminal(err)), Duration.ofMillis(200));
            IOExceptionReport.check(outcome);
            target.flushBlocking();
            if (!quiet) {
                err.printf(Locale.ROOT, "csum bench: layout wrote %s in %.2f s (not part of the results)%n",
                    Sizes.human(outcome.writeBytes()), outcome.seconds());
            }
            return outcome.seconds();
        }
    }

    /** The I/O region: the whole volume, or its first {@code --size} bytes on an existing one; checks --bs against it. */
    private long region(Volume target, boolean created) {
        long regionBytes = target.sizeBytes();
        if (sizeBytes != null && !created) {
            if (sizeBytes > target.sizeBytes()) {
                throw CliException.usage("--size " + sizeBytes + " is larger than the volume ("
                    + target.sizeBytes() + " bytes)");
            }
            regionBytes = sizeBytes;
        }
        VolumeArgs.requireAligned("--bs", requestBytes, target.blockSizeBytes());
        if (requestBytes > regionBytes) {
            throw CliException.usage("--bs " + requestBytes + " is larger than the region (" + regionBytes + " bytes)");
        }
        return regionBytes;
    }

    /**
     * Runs the load for {@code ramp} unobserved (none when zero), then binds the volume's metrics to
     * {@code registry} (so only the timed window is timed) and runs it for {@code runtime}. The device
     * counters' baseline is taken as the timed window starts.
     */
    static Measured measure(Volume target, String name, BenchRunner.Workload workload, int requestBytes, int depth,
                            long regionBytes, Duration ramp, Duration runtime, boolean copyReads, MeterRegistry registry)
            throws InterruptedException {
        Double rampSeconds = null;
        if (!ramp.isZero()) {
            BenchRunner.Outcome warm = runLoad(target, workload, requestBytes, depth, regionBytes, copyReads, ramp);
            IOExceptionReport.check(warm); // a ramp that meets a bad block stops the run, as the window would
            rampSeconds = warm.seconds();
        }
        VolumeMetrics metrics = new VolumeMetrics(target, name);
        metrics.bindTo(registry);
        try {
            VolumeStats windowStart = target.stats();
            BenchRunner.Outcome outcome = runLoad(target, workload, requestBytes, depth, regionBytes, copyReads, runtime);
            return new Measured(name, workload, requestBytes, depth, regionBytes, rampSeconds, outcome,
                BenchReport.Latency.of(registry.find(VolumeMetrics.READ_LATENCY).tag("volume", name).timer()),
                BenchReport.Latency.of(registry.find(VolumeMetrics.WRITE_LATENCY).tag("volume", name).timer()),
                windowStart);
        } finally {
            target.removeObserver(metrics);
        }
    }

    /** Keeps {@code depth} requests of the workload in flight for {@code duration}, then until they drain. */
    private static BenchRunner.Outcome runLoad(Volume target, BenchRunner.Workload workload, int requestBytes, int depth,
                                               long regionBytes, boolean copyReads, Duration duration)
            throws InterruptedException {
        try (Arena arena = Arena.ofShared()) {
            return new BenchRunner(target, workload, requestBytes, depth, regionBytes, false, copyReads, arena)
                .run(duration, (done, total, bad, finished) -> { }, Duration.ofMillis(100));
        }
    }

    /** The timed window's results, waiting for the device counters after the flush and close. */
    record Measured(String name, BenchRunner.Workload workload, int requestBytes, int depth, long regionBytes,
                    Double rampSeconds, BenchRunner.Outcome outcome, BenchReport.Latency read, BenchReport.Latency write,
                    VolumeStats windowStart) {
        /**
         * The report, with the device operations from the window's start to {@code closed} (read after the close)
         * and the seconds the final flush and close took ({@code settleSeconds}; null when the run failed).
         */
        BenchReport report(Double layoutSeconds, Double settleSeconds, VolumeStats closed) {
            return new BenchReport(name, workload, requestBytes, depth, regionBytes, outcome, read, write, layoutSeconds,
                rampSeconds, settleSeconds,
                BenchReport.DeviceOps.between(windowStart, closed), BenchReport.EngineWork.between(windowStart, closed));
        }
    }

    /** Turns a run's first I/O failure into the command's error. */
    static final class IOExceptionReport {
        private IOExceptionReport() {
        }

        static void check(BenchRunner.Outcome outcome) {
            if (outcome.failure() instanceof IntegrityException mismatch) {
                throw new CliException(ExitCode.INTEGRITY, "stopped by a checksum mismatch: " + mismatch.getMessage(),
                    mismatch);
            }
            if (outcome.failure() != null) {
                throw new CliException(ExitCode.IO, "stopped by an I/O error: " + Main.describe(outcome.failure()),
                    outcome.failure());
            }
        }
    }

    /** The constant of {@code type} whose lower-case name is {@code value}; else a conversion error naming the choices. */
    private static <E extends Enum<E>> E byLowerCaseName(Class<E> type, String value, String what, String choices) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().toLowerCase(Locale.ROOT).equals(value)) {
                return constant;
            }
        }
        throw new TypeConversionException("unknown " + what + " '" + value + "': " + choices);
    }

    /** An I/O engine by its lower-case name: auto, io_uring, portable. */
    static final class IoEngineConverter implements ITypeConverter<IoEngine> {
        @Override
        public IoEngine convert(String value) {
            return byLowerCaseName(IoEngine.class, value, "I/O engine", "auto, io_uring or portable");
        }
    }

    /** A durability mode by its lower-case name: default, strict. */
    static final class DurabilityConverter implements ITypeConverter<Durability> {
        @Override
        public Durability convert(String value) {
            return byLowerCaseName(Durability.class, value, "durability", "default or strict");
        }
    }

    /** A workload by its fio name. */
    static final class WorkloadConverter implements ITypeConverter<BenchRunner.Workload> {
        @Override
        public BenchRunner.Workload convert(String value) {
            try {
                return BenchRunner.Workload.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
