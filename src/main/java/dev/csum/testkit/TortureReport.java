package dev.csum.testkit;

import dev.csum.torture.SeedResult;
import dev.csum.torture.Torture;
import java.util.List;

/**
 * What a torture run found (docs/RELIABILITY.md explains each count). The run passed when no seed
 * returned wrong data ({@link #silentCorruptions()}), reported an integrity error on intact data
 * ({@link #falseErrors()}) or failed in a way no fault or crash explains ({@link #unexpectedErrors()}).
 */
public final class TortureReport {
    private final SeedResult result;
    private final int operationsPerSeed;
    private final long elapsedMillis;

    TortureReport(SeedResult result, int operationsPerSeed, long elapsedMillis) {
        this.result = result;
        this.operationsPerSeed = operationsPerSeed;
        this.elapsedMillis = elapsedMillis;
    }

    /**
     * Whether the run passed.
     *
     * @return true when no seed violated the invariant
     */
    public boolean passed() {
        return result.passed();
    }

    /**
     * How many seeds ran.
     *
     * @return the number of seeds run
     */
    public long seeds() {
        return result.seeds();
    }

    /**
     * The workload's size.
     *
     * @return the reads, writes and flushes issued, over every seed
     */
    public long operations() {
        return result.operations();
    }

    /**
     * The power losses.
     *
     * @return the power losses simulated, over every seed
     */
    public long crashes() {
        return result.crashes();
    }

    /**
     * The failed reads, expected or not.
     *
     * @return the reads that failed, with an integrity or I/O error
     */
    public long readsFailed() {
        return result.readsFailed();
    }

    /**
     * The faults caught.
     *
     * @return the reads that failed in runs where media faults had been injected
     */
    public long faultsDetected() {
        return result.faultsDetected();
    }

    /**
     * Wrong data returned: a violation.
     *
     * @return the reads that returned data the reference model does not allow (0 in a passing run)
     */
    public long silentCorruptions() {
        return result.silentCorruptions();
    }

    /**
     * False alarms: a violation.
     *
     * @return the integrity errors on blocks whose media holds an acceptable version (0 in a passing
     *     run)
     */
    public long falseErrors() {
        return result.falseErrors();
    }

    /**
     * Unexplained failures: a violation.
     *
     * @return the failures that no fault or crash explains (0 in a passing run)
     */
    public long unexpectedErrors() {
        return result.unexpectedErrors();
    }

    /**
     * Seeds cut short.
     *
     * @return the seeds that ended early because the volume could not be reopened
     */
    public long reopenFailures() {
        return result.openFailures();
    }

    /**
     * How many times the disks injected {@code fault}, over every seed.
     *
     * @param fault the fault to count
     * @return the count: sectors for the {@linkplain Fault#isPerSector() per-sector} faults,
     *     operations for the others
     */
    public long faultsInjected(Fault fault) {
        return result.faultsInjected(FaultMapping.kind(fault));
    }

    /**
     * The seeds that violated the invariant: each replays with {@link TortureOptions#seed}.
     *
     * @return the failing seeds, ascending (empty when the run passed)
     */
    public List<Long> failingSeeds() {
        return List.copyOf(result.failingSeeds());
    }

    /**
     * What the first violations were.
     *
     * @return one line per violation, a few at most (empty when the run passed)
     */
    public List<String> violationDetails() {
        return List.copyOf(result.violationDetails());
    }

    /**
     * How long the run took.
     *
     * @return the run's wall-clock time in milliseconds
     */
    public long elapsedMillis() {
        return elapsedMillis;
    }

    /**
     * The human-readable summary {@code csum torture} prints, naming the failing seeds and how to
     * replay them.
     *
     * @return the summary, several lines
     */
    public String text() {
        return text("");
    }

    /**
     * As {@link #text()}, with {@code replayOptions} appended to every replay line.
     *
     * @param replayOptions the {@code csum torture} options that changed each seed's configuration,
     *     with a leading space (for example {@code " --faults lost_write"}); empty for none
     * @return the summary, several lines
     */
    public String text(String replayOptions) {
        return Torture.summaryText(result, operationsPerSeed, elapsedMillis, replayOptions);
    }

    /**
     * The summary as one JSON object (stable field names; docs/RELIABILITY.md).
     *
     * @return the JSON text, one object
     */
    public String json() {
        return Torture.summaryJson(result, operationsPerSeed, elapsedMillis);
    }
}
