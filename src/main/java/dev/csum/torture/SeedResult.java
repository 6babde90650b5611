package dev.csum.torture;

import dev.csum.io.FaultKind;
import java.util.ArrayList;
import java.util.List;

/**
 * The counts of one torture run (or, via {@link #add}, of many). Violations are
 * {@link #silentCorruptions}, {@link #falseErrors} and {@link #unexpectedErrors}: any of them fails
 * the run.
 */
public final class SeedResult {
    /** At most this many violation descriptions are kept per result. */
    static final int MAX_DETAILS = 5;

    long seeds;
    long operations;
    long reads;
    long writes;
    long flushes;
    long crashes;
    long reopens;
    long readsFailed;
    /** Media faults injected, by {@link FaultKind} ordinal (crash tears included as their own kind). */
    final long[] faultsInjected = new long[FaultKind.values().length];
    /** Reads that failed (integrity or I/O error) in a run where media faults had been injected. */
    long faultsDetected;
    /** Reads that returned data the reference model does not allow (and no excuse below applies). */
    long silentCorruptions;
    /** Integrity errors, without media faults, on a block whose media holds an acceptable version. */
    long falseErrors;
    /** Failures without media faults that no crash explains (an I/O error, a failed write or flush). */
    long unexpectedErrors;
    /**
     * Reads that returned the block's previous version because the device dropped the newer data write
     * (lost, misdirected or torn) while both imd copies were accepted: the format cannot tell this from
     * a write in flight at a crash. Not a violation; reported (RELIABILITY.md).
     */
    long staleAfterDroppedWrite;
    /**
     * Reads that returned an older version of the block, or zeros for a block written since, because
     * a media fault damaged an imd copy of its group and the tuple only that copy held was lost.
     * Not a violation; reported (RELIABILITY.md).
     */
    long staleAfterMetadataFault;
    /** Integrity errors allowed in the default mode after a power loss (unflushed write reordered). */
    long allowedCacheErrors;
    /** Integrity errors, without media faults, on blocks a crash tore (media holds no version): correct. */
    long tornDataDetected;
    /** Runs that ended early because the volume could not be reopened (superblock unreadable). */
    long openFailures;
    final List<String> violationDetails = new ArrayList<>();
    final List<Long> failingSeeds = new ArrayList<>();

    long violations() {
        return silentCorruptions + falseErrors + unexpectedErrors;
    }

    public boolean passed() {
        return violations() == 0;
    }

    public long seeds() { return seeds; }
    public long operations() { return operations; }
    public long silentCorruptions() { return silentCorruptions; }
    public long falseErrors() { return falseErrors; }
    public long unexpectedErrors() { return unexpectedErrors; }
    public long faultsDetected() { return faultsDetected; }
    public long staleAfterDroppedWrite() { return staleAfterDroppedWrite; }
    public long staleAfterMetadataFault() { return staleAfterMetadataFault; }
    public long crashes() { return crashes; }
    public long readsFailed() { return readsFailed; }
    public long allowedCacheErrors() { return allowedCacheErrors; }
    public long tornDataDetected() { return tornDataDetected; }
    public long openFailures() { return openFailures; }
    public List<Long> failingSeeds() { return failingSeeds; }
    public List<String> violationDetails() { return violationDetails; }

    public long faultsInjected(FaultKind kind) {
        return faultsInjected[kind.ordinal()];
    }

    /** Media faults injected, all kinds except crash tears. */
    public long mediaFaultsInjected() {
        long total = 0;
        for (FaultKind kind : FaultKind.values()) {
            if (kind != FaultKind.CRASH_TORN_WRITE) {
                total += faultsInjected[kind.ordinal()];
            }
        }
        return total;
    }

    void violation(long seed, String detail) {
        if (failingSeeds.isEmpty() || failingSeeds.getLast() != seed) {
            failingSeeds.add(seed);
        }
        if (violationDetails.size() < MAX_DETAILS) {
            violationDetails.add("seed " + seed + ": " + detail);
        }
    }

    /** Adds {@code other}'s counts to this one. */
    void add(SeedResult other) {
        seeds += other.seeds;
        operations += other.operations;
        reads += other.reads;
        writes += other.writes;
        flushes += other.flushes;
        crashes += other.crashes;
        reopens += other.reopens;
        readsFailed += other.readsFailed;
        for (int i = 0; i < faultsInjected.length; i++) {
            faultsInjected[i] += other.faultsInjected[i];
        }
        faultsDetected += other.faultsDetected;
        silentCorruptions += other.silentCorruptions;
        falseErrors += other.falseErrors;
        unexpectedErrors += other.unexpectedErrors;
        staleAfterDroppedWrite += other.staleAfterDroppedWrite;
        staleAfterMetadataFault += other.staleAfterMetadataFault;
        allowedCacheErrors += other.allowedCacheErrors;
        tornDataDetected += other.tornDataDetected;
        openFailures += other.openFailures;
        for (String detail : other.violationDetails) {
            if (violationDetails.size() < MAX_DETAILS) {
                violationDetails.add(detail);
            }
        }
        failingSeeds.addAll(other.failingSeeds);
    }
}
