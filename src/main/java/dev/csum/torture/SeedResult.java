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
    /** Of the writes, the discards and write-zeroes (their blocks read as zeros). */
    long zeroings;
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
     * Reads that returned the block's previous version because the device dropped its newer data
     * write (lost, misdirected or torn) and a power loss followed before a durable watermark covered
     * it: recovery cannot tell that write from one in flight. Not a violation; reported (RELIABILITY.md).
     */
    long staleAfterDroppedWrite;
    /**
     * Reads that returned an older version of the block, or zeros, because media faults damaged the
     * metadata holding its tuple (a log record, or imd copies) and a second fault followed (its data
     * write dropped too, or the read misdirected onto never-written data). Not a violation; reported.
     */
    long staleAfterLostTuple;
    /** Integrity errors allowed in the default mode after a power loss (unflushed write reordered). */
    long allowedCacheErrors;
    /** Integrity errors, without media faults, on blocks a crash tore (media holds no version): correct. */
    long tornDataDetected;
    /** Runs that ended early because the volume could not be reopened (superblock unreadable). */
    long openFailures;
    /** Tuple log record writes that completed, and the log blocks they covered. */
    long logRecordWrites;
    long logBlocksWritten;
    /** The log region's length in blocks (one seed's; not summed). */
    long logRegionBlocks;
    /** Times the log wrapped (blocks written / region length, per seed), and seeds in which it did. */
    long logWraps;
    long seedsWithLogWraps;
    /** Record writes the device reported done but that did not land intact at their place, by what it left there. */
    long logRecordsLostOrMisdirected;
    long logRecordsTorn;
    long logRecordsRotted;
    /**
     * Records a session wrote over although recovery would still have replayed them, had the device
     * been able to return them: a sticky read fault (latent sector error, read rot) hid them from the
     * open's scan, so the session could not know them (RELIABILITY.md §4).
     */
    long logRecordsOverwrittenUnreadable;
    /** Record writes that landed, whole, somewhere else (a subset of the lost-or-misdirected ones). */
    long logRecordsMisdirected;
    /** Imd copies written (checkpoints, recovery's rewrites) that completed. */
    long imdCopiesWritten;
    /** Whole imd pairs read again in the session that had read them: groups evicted from the imd cache and reloaded. */
    long imdPairReloads;
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
    public long staleAfterLostTuple() { return staleAfterLostTuple; }
    public long crashes() { return crashes; }
    public long readsFailed() { return readsFailed; }
    public long allowedCacheErrors() { return allowedCacheErrors; }
    public long tornDataDetected() { return tornDataDetected; }
    public long openFailures() { return openFailures; }
    public long logRecordWrites() { return logRecordWrites; }
    public long logBlocksWritten() { return logBlocksWritten; }
    public long logWraps() { return logWraps; }
    public long seedsWithLogWraps() { return seedsWithLogWraps; }
    public long logRecordsLostOrMisdirected() { return logRecordsLostOrMisdirected; }
    public long logRecordsMisdirected() { return logRecordsMisdirected; }
    public long logRecordsTorn() { return logRecordsTorn; }
    public long logRecordsRotted() { return logRecordsRotted; }
    public long logRecordsOverwrittenUnreadable() { return logRecordsOverwrittenUnreadable; }
    public long imdCopiesWritten() { return imdCopiesWritten; }
    public long imdPairReloads() { return imdPairReloads; }

    /** Ends one seed's counts: how many times its log wrapped. */
    void finishSeed() {
        if (logRegionBlocks > 0) {
            logWraps = logBlocksWritten / logRegionBlocks;
            seedsWithLogWraps = logWraps > 0 ? 1 : 0;
        }
    }
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
        zeroings += other.zeroings;
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
        staleAfterLostTuple += other.staleAfterLostTuple;
        allowedCacheErrors += other.allowedCacheErrors;
        tornDataDetected += other.tornDataDetected;
        openFailures += other.openFailures;
        logRecordWrites += other.logRecordWrites;
        logBlocksWritten += other.logBlocksWritten;
        logWraps += other.logWraps;
        seedsWithLogWraps += other.seedsWithLogWraps;
        logRecordsLostOrMisdirected += other.logRecordsLostOrMisdirected;
        logRecordsTorn += other.logRecordsTorn;
        logRecordsRotted += other.logRecordsRotted;
        logRecordsOverwrittenUnreadable += other.logRecordsOverwrittenUnreadable;
        logRecordsMisdirected += other.logRecordsMisdirected;
        imdCopiesWritten += other.imdCopiesWritten;
        imdPairReloads += other.imdPairReloads;
        for (String detail : other.violationDetails) {
            if (violationDetails.size() < MAX_DETAILS) {
                violationDetails.add(detail);
            }
        }
        failingSeeds.addAll(other.failingSeeds);
    }
}
