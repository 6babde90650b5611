package dev.csum.io;

import java.util.Arrays;

/**
 * Counters of a {@link SimulatedDisk}'s media, cumulative over every port {@link SimulatedDisk#reopen()
 * reopened} on it. {@link SimulatedDisk#stats()} returns an immutable snapshot.
 *
 * <p>Operations are counted when they complete: {@code reads}, {@code writes} and {@code fsyncs} count
 * every completion of that kind, failed or not; bytes count successful transfers only.
 */
public final class SimulatedDiskStats {

    long reads;
    long writes;
    long fsyncs;
    long bytesRead;
    long bytesWritten;
    long readErrors;
    long invalidOps;
    long cancelledOps;
    long unstableWriteBuffers;
    long crashes;
    long crashDroppedOps;
    long crashPersistedWrites;
    long crashDiscardedWrites;
    final long[] faultCounts = new long[FaultKind.values().length];

    SimulatedDiskStats() {
    }

    SimulatedDiskStats copy() {
        SimulatedDiskStats copy = new SimulatedDiskStats();
        copy.reads = reads;
        copy.writes = writes;
        copy.fsyncs = fsyncs;
        copy.bytesRead = bytesRead;
        copy.bytesWritten = bytesWritten;
        copy.readErrors = readErrors;
        copy.invalidOps = invalidOps;
        copy.cancelledOps = cancelledOps;
        copy.unstableWriteBuffers = unstableWriteBuffers;
        copy.crashes = crashes;
        copy.crashDroppedOps = crashDroppedOps;
        copy.crashPersistedWrites = crashPersistedWrites;
        copy.crashDiscardedWrites = crashDiscardedWrites;
        System.arraycopy(faultCounts, 0, copy.faultCounts, 0, faultCounts.length);
        return copy;
    }

    void countFault(FaultKind kind) {
        faultCounts[kind.ordinal()]++;
    }

    /** Reads completed (including failed and cancelled ones). */
    public long reads() { return reads; }

    /** Writes completed (including failed and cancelled ones; lost writes complete successfully). */
    public long writes() { return writes; }

    /** Fsyncs completed. */
    public long fsyncs() { return fsyncs; }

    /** Bytes delivered by successful reads. */
    public long bytesRead() { return bytesRead; }

    /** Bytes of successful writes (as reported to the caller, whatever was stored). */
    public long bytesWritten() { return bytesWritten; }

    /** Reads that completed with {@code -EIO} because they touched a latent sector error. */
    public long readErrors() { return readErrors; }

    /** Operations rejected with {@code -EINVAL}, {@code -EBADF} or {@code -EFAULT}. */
    public long invalidOps() { return invalidOps; }

    /** Operations completed with {@code -ECANCELED} because an earlier linked operation failed. */
    public long cancelledOps() { return cancelledOps; }

    /**
     * Writes whose buffer changed between the moment the device started them and their completion
     * (a stable-writes violation by the caller: the device stored the bytes it saw at the start).
     */
    public long unstableWriteBuffers() { return unstableWriteBuffers; }

    /** Calls to {@link SimulatedDisk#crash()}. */
    public long crashes() { return crashes; }

    /** Operations prepared, waiting or running at a crash, which never completed. */
    public long crashDroppedOps() { return crashDroppedOps; }

    /** Unflushed or in-flight writes that reached the media at a crash (whole or torn). */
    public long crashPersistedWrites() { return crashPersistedWrites; }

    /** Unflushed or in-flight writes that did not reach the media at a crash. */
    public long crashDiscardedWrites() { return crashDiscardedWrites; }

    /** Faults of {@code kind} injected so far. */
    public long faults(FaultKind kind) {
        return faultCounts[kind.ordinal()];
    }

    /** Faults of every kind injected so far. */
    public long faultsTotal() {
        return Arrays.stream(faultCounts).sum();
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("SimulatedDiskStats{reads=").append(reads)
                .append(", writes=").append(writes).append(", fsyncs=").append(fsyncs)
                .append(", bytesRead=").append(bytesRead).append(", bytesWritten=").append(bytesWritten)
                .append(", readErrors=").append(readErrors).append(", invalidOps=").append(invalidOps)
                .append(", cancelledOps=").append(cancelledOps)
                .append(", unstableWriteBuffers=").append(unstableWriteBuffers)
                .append(", crashes=").append(crashes).append(", crashDroppedOps=").append(crashDroppedOps)
                .append(", crashPersistedWrites=").append(crashPersistedWrites)
                .append(", crashDiscardedWrites=").append(crashDiscardedWrites);
        for (FaultKind kind : FaultKind.values()) {
            text.append(", ").append(kind).append('=').append(faults(kind));
        }
        return text.append('}').toString();
    }
}
