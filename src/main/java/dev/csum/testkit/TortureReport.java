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

    /** True when no seed violated the invariant. */
    public boolean passed() {
        return result.passed();
    }

    public long seeds() {
        return result.seeds();
    }

    /** Reads, writes and flushes issued, over every seed. */
    public long operations() {
        return result.operations();
    }

    /** Power losses simulated. */
    public long crashes() {
        return result.crashes();
    }

    /** Reads that failed, with an integrity or I/O error. */
    public long readsFailed() {
        return result.readsFailed();
    }

    /** Reads that failed in runs where media faults had been injected: faults caught. */
    public long faultsDetected() {
        return result.faultsDetected();
    }

    /** Reads that returned data the reference model does not allow: a violation. */
    public long silentCorruptions() {
        return result.silentCorruptions();
    }

    /** Integrity errors on blocks whose media holds an acceptable version: a violation. */
    public long falseErrors() {
        return result.falseErrors();
    }

    /** Failures that no fault or crash explains: a violation. */
    public long unexpectedErrors() {
        return result.unexpectedErrors();
    }

    /** Seeds that ended early because the volume could not be reopened. */
    public long reopenFailures() {
        return result.openFailures();
    }

    /** How many times the disks injected {@code fault}, over every seed. */
    public long faultsInjected(Fault fault) {
        return result.faultsInjected(FaultMapping.kind(fault));
    }

    /** The seeds that violated the invariant, ascending: each replays with {@link TortureOptions#seed}. */
    public List<Long> failingSeeds() {
        return List.copyOf(result.failingSeeds());
    }

    /** What the first violations were, one line each (a few at most). */
    public List<String> violationDetails() {
        return List.copyOf(result.violationDetails());
    }

    /** Wall-clock milliseconds the run took. */
    public long elapsedMillis() {
        return elapsedMillis;
    }

    /** The human-readable summary {@code csum torture} prints, naming the failing seeds and how to replay them. */
    public String text() {
        return text("");
    }

    /**
     * As {@link #text()}, with {@code replayOptions} (for example {@code " --faults lost_write"})
     * appended to every replay line.
     */
    public String text(String replayOptions) {
        return Torture.summaryText(result, operationsPerSeed, elapsedMillis, replayOptions);
    }

    /** The summary as one JSON object (stable field names; docs/RELIABILITY.md). */
    public String json() {
        return Torture.summaryJson(result, operationsPerSeed, elapsedMillis);
    }
}
