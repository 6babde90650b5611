package dev.csum.torture;

import dev.csum.io.FaultKind;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * The torture simulation (DESIGN.md §6, after TigerBeetle's VOPR): seeded runs of the engine on a
 * fault-injecting simulated disk, checked against a reference model. Entry point of
 * {@code csum torture} and of the tests.
 *
 * <p>Runs are independent and each is deterministic in its seed: seed {@code s} with the same
 * operation count replays exactly, so a failing seed printed by a large run is a complete bug report.
 * Single-threaded (the caller's thread).
 */
public final class Torture {
    private Torture() {
    }

    /** Runs one configuration. */
    public static SeedResult runSeed(TortureConfig config) {
        SeedResult result = SeedRun.run(config);
        if (!result.passed() && result.failingSeeds.isEmpty()) {
            result.failingSeeds.add(config.seed());
        }
        return result;
    }

    /**
     * Runs seeds {@code firstSeed .. firstSeed + seedCount - 1}, each with {@code operations}
     * operations and the configuration {@link TortureConfig#forSeed} derives, passed through
     * {@code adjust} (identity for the CLI; tests pin a dimension with it).
     */
    public static SeedResult run(long firstSeed, int seedCount, int operations, UnaryOperator<TortureConfig> adjust) {
        SeedResult total = new SeedResult();
        for (long seed = firstSeed; seed < firstSeed + seedCount; seed++) {
            total.add(runSeed(adjust.apply(TortureConfig.forSeed(seed, operations))));
        }
        return total;
    }

    /** A human-readable summary; names the failing seeds and how to replay them. */
    public static String summaryText(SeedResult result, int operationsPerSeed, long elapsedMillis) {
        return summaryText(result, operationsPerSeed, elapsedMillis, "");
    }

    /**
     * As {@link #summaryText(SeedResult, int, long)}, with {@code replayOptions} (the run's options
     * that changed each seed's configuration, for example {@code " --faults lost_write"}) appended to
     * every replay line.
     */
    public static String summaryText(SeedResult result, int operationsPerSeed, long elapsedMillis, String replayOptions) {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "csum torture: %d seeds, %d operations (%d reads, %d writes of which %d"
                + " discards or write-zeroes, %d flushes), %d crashes, %d clean reopens in %.1f s%n", result.seeds,
            result.operations, result.reads, result.writes, result.zeroings, result.flushes, result.crashes,
            result.reopens, elapsedMillis / 1000.0));
        text.append("faults injected:");
        for (FaultKind kind : FaultKind.values()) {
            text.append(' ').append(kind.name().toLowerCase(Locale.ROOT)).append('=').append(result.faultsInjected(kind));
        }
        text.append(System.lineSeparator());
        text.append(String.format(Locale.ROOT, "reads failed: %d; faults detected: %d; torn blocks detected: %d%n",
            result.readsFailed, result.faultsDetected, result.tornDataDetected));
        text.append(String.format(Locale.ROOT, "log: %d records written (%d blocks), wrapped %d times in %d seeds;"
                + " imd copies written %d, pairs reloaded %d; record writes damaged: %d lost, %d misdirected, %d torn,"
                + " %d rotted; unreadable records written over %d%n",
            result.logRecordWrites, result.logBlocksWritten, result.logWraps, result.seedsWithLogWraps,
            result.imdCopiesWritten, result.imdPairReloads,
            result.logRecordsLostOrMisdirected - result.logRecordsMisdirected,
            result.logRecordsMisdirected, result.logRecordsTorn, result.logRecordsRotted,
            result.logRecordsOverwrittenUnreadable));
        text.append(String.format(Locale.ROOT, "documented limits (RELIABILITY.md): stale reads %d (dropped data"
                + " write above the durable watermark), %d (tuple lost to media faults, and a second fault);"
                + " allowed errors %d (unflushed, default mode)%n",
            result.staleAfterDroppedWrite, result.staleAfterLostTuple, result.allowedCacheErrors));
        text.append(String.format(Locale.ROOT, "silent corruptions: %d; false errors: %d; unexpected errors: %d;"
                + " reopen failures: %d%n", result.silentCorruptions, result.falseErrors, result.unexpectedErrors,
            result.openFailures));
        if (result.passed()) {
            text.append("PASSED").append(System.lineSeparator());
        } else {
            text.append("FAILED: ").append(result.failingSeeds.size()).append(" seed(s) violated the invariant")
                .append(System.lineSeparator());
            for (String detail : result.violationDetails) {
                text.append("  ").append(detail).append(System.lineSeparator());
            }
            for (long seed : result.failingSeeds.subList(0, Math.min(10, result.failingSeeds.size()))) {
                text.append("  replay: csum torture --seed ").append(seed).append(" --ops ").append(operationsPerSeed)
                    .append(replayOptions).append(System.lineSeparator());
            }
        }
        return text.toString();
    }

    /** The summary as one JSON object (stable field names; see RELIABILITY.md). */
    public static String summaryJson(SeedResult result, int operationsPerSeed, long elapsedMillis) {
        StringBuilder json = new StringBuilder("{");
        field(json, "seeds", result.seeds);
        field(json, "operations_per_seed", operationsPerSeed);
        field(json, "operations", result.operations);
        field(json, "reads", result.reads);
        field(json, "writes", result.writes);
        field(json, "discards", result.zeroings);
        field(json, "flushes", result.flushes);
        field(json, "crashes", result.crashes);
        field(json, "reopens", result.reopens);
        field(json, "faults_injected", result.mediaFaultsInjected() + result.faultsInjected(FaultKind.CRASH_TORN_WRITE));
        json.append("\"faults_injected_by_kind\":{");
        FaultKind[] kinds = FaultKind.values();
        for (int i = 0; i < kinds.length; i++) {
            json.append('"').append(kinds[i].name().toLowerCase(Locale.ROOT)).append("\":")
                .append(result.faultsInjected(kinds[i])).append(i + 1 < kinds.length ? "," : "");
        }
        json.append("},");
        field(json, "reads_failed", result.readsFailed);
        field(json, "faults_detected", result.faultsDetected);
        field(json, "silent_corruptions", result.silentCorruptions);
        field(json, "false_errors", result.falseErrors);
        field(json, "unexpected_errors", result.unexpectedErrors);
        field(json, "stale_reads_after_dropped_write", result.staleAfterDroppedWrite);
        field(json, "stale_reads_after_lost_tuple", result.staleAfterLostTuple);
        field(json, "torn_blocks_detected", result.tornDataDetected);
        field(json, "allowed_unflushed_errors", result.allowedCacheErrors);
        field(json, "reopen_failures", result.openFailures);
        field(json, "log_records_written", result.logRecordWrites);
        field(json, "log_blocks_written", result.logBlocksWritten);
        field(json, "log_wraps", result.logWraps);
        field(json, "seeds_with_log_wraps", result.seedsWithLogWraps);
        field(json, "imd_copies_written", result.imdCopiesWritten);
        field(json, "imd_pair_reloads", result.imdPairReloads);
        field(json, "log_records_lost", result.logRecordsLostOrMisdirected - result.logRecordsMisdirected);
        field(json, "log_records_misdirected", result.logRecordsMisdirected);
        field(json, "log_records_torn", result.logRecordsTorn);
        field(json, "log_records_rotted", result.logRecordsRotted);
        field(json, "log_records_overwritten_unreadable", result.logRecordsOverwrittenUnreadable);
        field(json, "elapsed_ms", elapsedMillis);
        json.append("\"failing_seeds\":").append(result.failingSeeds).append(',');
        json.append("\"passed\":").append(result.passed()).append('}');
        return json.toString();
    }

    private static void field(StringBuilder json, String name, long value) {
        json.append('"').append(name).append("\":").append(value).append(',');
    }
}
