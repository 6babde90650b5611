package dev.csum.cli;

import dev.csum.VolumeStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The results of one bench run: throughput from the runner's counts, latency from the volume's
 * Micrometer timers ({@code csum.read.latency}, {@code csum.write.latency}), device operations from
 * the volume's counters, and the JSON and table forms (the JSON fields are documented in
 * docs/CLI.md and must stay stable).
 */
record BenchReport(String device, BenchRunner.Workload workload, int requestBytes, int depth, long regionBytes,
                   BenchRunner.Outcome outcome, Latency read, Latency write, Double layoutSeconds,
                   Double rampSeconds, Double settleSeconds, DeviceOps deviceOps, EngineWork engineWork) {

    /**
     * What the volume submitted to its device(s) from the start of the timed window until the bench
     * had flushed and closed it: the window's operations plus the work done to make them durable and
     * settle their metadata (the final flush, and the close's settles and sync).
     */
    record DeviceOps(long reads, long writes, long bytesRead, long bytesWritten, long fsyncs) {
        /** The difference between the counters at the window's start and after the close. */
        static DeviceOps between(VolumeStats start, VolumeStats end) {
            return new DeviceOps(end.deviceReads() - start.deviceReads(), end.deviceWrites() - start.deviceWrites(),
                end.deviceBytesRead() - start.deviceBytesRead(), end.deviceBytesWritten() - start.deviceBytesWritten(),
                end.deviceFlushes() - start.deviceFlushes());
        }

        /** Device operations of one kind per completed benchmark request; NaN when none completed. */
        static double perOp(long deviceOps, long requests) {
            return requests == 0 ? Double.NaN : (double) deviceOps / requests;
        }
    }

    /**
     * What the engine did over the same span as {@link DeviceOps}: tuple-log records and entries,
     * checkpoint rounds and imd copies, and, on a volume with more groups than the imd cache holds,
     * groups parked, parked groups reloaded, pair-less commits and their pairs loaded in place
     * (docs/design/TUPLE_LOG.md §4), and how long rounds ran and waited for their syncs. Where device
     * writes and fsyncs come from, and what the rounds cost in time.
     */
    record EngineWork(long logRecords, long logEntries, long checkpointRounds, long checkpointWrites,
                      long groupsParked, long parkedReloads, long pairlessCommits, long pairlessLoads,
                      long checkpointNanos, long checkpointSyncNanos) {
        static EngineWork between(VolumeStats start, VolumeStats end) {
            return new EngineWork(end.logRecords() - start.logRecords(), end.logEntries() - start.logEntries(),
                end.checkpointRounds() - start.checkpointRounds(), end.checkpointWrites() - start.checkpointWrites(),
                end.groupsParked() - start.groupsParked(), end.parkedReloads() - start.parkedReloads(),
                end.pairlessCommits() - start.pairlessCommits(), end.pairlessLoads() - start.pairlessLoads(),
                end.checkpointNanos() - start.checkpointNanos(), end.checkpointSyncNanos() - start.checkpointSyncNanos());
        }

        Json toJson() {
            return Json.object().put("log_records", logRecords).put("log_entries", logEntries)
                .put("checkpoint_rounds", checkpointRounds).put("checkpoint_writes", checkpointWrites)
                .put("groups_parked", groupsParked).put("parked_reloads", parkedReloads)
                .put("pairless_commits", pairlessCommits).put("pairless_loads", pairlessLoads)
                .put("checkpoint_seconds", round(checkpointNanos / 1e9))
                .put("checkpoint_sync_seconds", round(checkpointSyncNanos / 1e9));
        }
    }

    /** Latency of one direction in nanoseconds, from a timer's snapshot. */
    record Latency(long count, double p50, double p99, double p999, double max, double mean) {
        static Latency of(Timer timer) {
            if (timer == null || timer.count() == 0) {
                return null;
            }
            HistogramSnapshot snapshot = timer.takeSnapshot();
            double max = snapshot.max(TimeUnit.NANOSECONDS);
            double p50 = Double.NaN;
            double p99 = Double.NaN;
            double p999 = Double.NaN;
            for (ValueAtPercentile value : snapshot.percentileValues()) {
                // A percentile is the upper edge of its histogram bucket, which can lie above the largest
                // sample: no sample exceeds the max, so neither does any percentile.
                double nanos = Math.min(value.value(TimeUnit.NANOSECONDS), max);
                if (value.percentile() == 0.5) {
                    p50 = nanos;
                } else if (value.percentile() == 0.99) {
                    p99 = nanos;
                } else if (value.percentile() == 0.999) {
                    p999 = nanos;
                }
            }
            return new Latency(snapshot.count(), p50, p99, p999, max, snapshot.mean(TimeUnit.NANOSECONDS));
        }

        Json toJson() {
            return Json.object().put("p50", Math.round(p50)).put("p99", Math.round(p99)).put("p999", Math.round(p999))
                .put("max", Math.round(max)).put("mean", Math.round(mean));
        }
    }

    /**
     * Makes the registry's csum timers also compute p50/p99/p99.9 (3 significant digits) over the
     * whole run, not Micrometer's default 2-minute sliding window. Call before binding the volume.
     */
    static void configurePercentiles(MeterRegistry registry) {
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(io.micrometer.core.instrument.Meter.Id id,
                                                         DistributionStatisticConfig config) {
                if (!id.getName().startsWith("csum.")) {
                    return config;
                }
                return DistributionStatisticConfig.builder()
                    .percentiles(0.5, 0.99, 0.999)
                    .percentilePrecision(3)
                    .expiry(Duration.ofDays(1))
                    .bufferLength(1)
                    .build()
                    .merge(config);
            }
        });
    }

    /** The latency the workload is judged by: reads for read and randrw workloads, else writes. */
    Latency headline() {
        return workload.reads() ? read : write;
    }

    double iops() {
        return outcome.ops() / outcome.seconds();
    }

    /**
     * Requests per second counting, after the timed window, the final flush and close that make its writes
     * durable and settle their metadata ({@code settleSeconds}): an engine (or a device cache) that defers
     * work past the window pays it here. NaN when the run failed before them.
     */
    double settledIops() {
        return settleSeconds == null ? Double.NaN : outcome.ops() / (outcome.seconds() + settleSeconds);
    }

    double bytesPerSecond() {
        return (outcome.readBytes() + outcome.writeBytes()) / outcome.seconds();
    }

    Json toJson() {
        Latency headline = headline();
        return Json.object()
            .put("device", device)
            .put("rw", workload.fioName)
            .put("bs", requestBytes)
            .put("iodepth", depth)
            .put("read_mode", outcome.readsInPlace() ? "in-place" : "copy")
            .put("region_bytes", regionBytes)
            .put("runtime_seconds", round(outcome.seconds()))
            .put("ops", outcome.ops())
            .put("iops", round(iops()))
            .put("bytes_per_second", Math.round(bytesPerSecond()))
            .put("latency_ns", headline == null ? null : headline.toJson())
            .put("read", direction(outcome.readOps(), outcome.readBytes(), read))
            .put("write", direction(outcome.writeOps(), outcome.writeBytes(), write))
            .put("cpu_seconds", round(outcome.cpuSeconds()))
            .put("layout_seconds", layoutSeconds == null ? null : round(layoutSeconds))
            .put("ramp_seconds", rampSeconds == null ? null : round(rampSeconds))
            .put("settle_seconds", settleSeconds == null ? null : round(settleSeconds))
            .put("settled_iops", round(settledIops()))
            .put("device_ops", Json.object()
                .put("reads", deviceOps.reads())
                .put("writes", deviceOps.writes())
                .put("bytes_read", deviceOps.bytesRead())
                .put("bytes_written", deviceOps.bytesWritten())
                .put("fsyncs", deviceOps.fsyncs())
                .put("writes_per_op", round(DeviceOps.perOp(deviceOps.writes(), outcome.ops())))
                .put("reads_per_op", round(DeviceOps.perOp(deviceOps.reads(), outcome.ops()))))
            .put("engine", engineWork.toJson());
    }

    private Json direction(long ops, long bytes, Latency latency) {
        if (ops == 0 && latency == null) {
            return null;
        }
        return Json.object().put("ops", ops).put("iops", round(ops / outcome.seconds()))
            .put("bytes_per_second", Math.round(bytes / outcome.seconds()))
            .put("latency_ns", latency == null ? null : latency.toJson());
    }

    /** Three decimals; NaN stays NaN (JSON null). */
    private static double round(double value) {
        return Double.isNaN(value) ? value : Math.round(value * 1000) / 1000.0;
    }

    /** The human form: a summary line, one row per direction, and CPU time. */
    void print(PrintStream out) {
        double seconds = outcome.seconds();
        out.printf(Locale.ROOT, "%s: %s bs=%s iodepth=%d over %s: %,.0f IOPS, %.1f MiB/s, %,d ops in %.2f s%n",
            device, workload.fioName, Sizes.human(requestBytes).replace(" ", ""), depth, Sizes.human(regionBytes),
            iops(), bytesPerSecond() / (1 << 20), outcome.ops(), seconds);
        if (rampSeconds != null) {
            out.printf(Locale.ROOT, "  after a ramp of %.2f s (the same load, not in the results)%n", rampSeconds);
        }
        out.printf(Locale.ROOT, "  %-6s %12s %10s %9s %10s %10s %10s %10s%n", "", "ops", "IOPS", "MiB/s",
            "p50 us", "p99 us", "p99.9 us", "max us");
        row(out, "read", outcome.readOps(), outcome.readBytes(), read);
        row(out, "write", outcome.writeOps(), outcome.writeBytes(), write);
        out.printf(Locale.ROOT, "  cpu: %.2f s of process CPU time (%.2f cores busy)%n", outcome.cpuSeconds(),
            outcome.cpuSeconds() / seconds);
        if (settleSeconds != null) {
            out.printf(Locale.ROOT, "  settle: the final flush and close took %.2f s; %,.0f IOPS counting them%n",
                settleSeconds, settledIops());
        }
        out.printf(Locale.ROOT, "  device ops: %.2f writes/op, %.2f reads/op (window + final flush/close): "
                + "%,d writes (%s), %,d reads (%s), %,d fsyncs%n",
            DeviceOps.perOp(deviceOps.writes(), outcome.ops()), DeviceOps.perOp(deviceOps.reads(), outcome.ops()),
            deviceOps.writes(), Sizes.human(deviceOps.bytesWritten()), deviceOps.reads(),
            Sizes.human(deviceOps.bytesRead()), deviceOps.fsyncs());
        out.printf(Locale.ROOT, "  engine: %,d log records (%,d entries), %,d checkpoint rounds (%,d imd copies; "
                + "%.2f s in rounds, %.2f s of it in their syncs)",
            engineWork.logRecords(), engineWork.logEntries(), engineWork.checkpointRounds(), engineWork.checkpointWrites(),
            engineWork.checkpointNanos() / 1e9, engineWork.checkpointSyncNanos() / 1e9);
        if (engineWork.groupsParked() + engineWork.pairlessCommits() > 0) {
            out.printf(Locale.ROOT, ", %,d groups parked, %,d reloaded, %,d pair-less commits (%,d pairs loaded in place)",
                engineWork.groupsParked(), engineWork.parkedReloads(), engineWork.pairlessCommits(),
                engineWork.pairlessLoads());
        }
        out.println();
    }

    private void row(PrintStream out, String name, long ops, long bytes, Latency latency) {
        if (ops == 0) {
            return;
        }
        double seconds = outcome.seconds();
        out.printf(Locale.ROOT, "  %-6s %,12d %,10.0f %9.1f %10.1f %10.1f %10.1f %10.1f%n", name, ops, ops / seconds,
            bytes / seconds / (1 << 20), micros(latency, Latency::p50), micros(latency, Latency::p99),
            micros(latency, Latency::p999), micros(latency, Latency::max));
    }

    private static double micros(Latency latency, java.util.function.ToDoubleFunction<Latency> field) {
        return latency == null ? Double.NaN : field.applyAsDouble(latency) / 1000;
    }
}
