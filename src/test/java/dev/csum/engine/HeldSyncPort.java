package dev.csum.engine;

import dev.csum.io.ForwardingIoPort;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Test port: passes everything through, except that once a read of one of the watched metadata-file
 * offsets (imd pairs) is prepared ({@link #holdSyncsAfterReadOf}), every fsync prepared from then on has its
 * completion held back until {@link #release()} — a checkpoint round stopped at its first sync, with
 * the reads that started it known ({@link #triggeringReads()}).
 */
final class HeldSyncPort extends ForwardingIoPort {
    private final Set<Long> watchedOffsets = new HashSet<>();
    private final List<Long> triggeringReads = new ArrayList<>();
    private final Set<Long> heldSyncs = new HashSet<>();
    /** Reads at a watched offset whose completions are held, by user data: the result to deliver. */
    private final java.util.Map<Long, Integer> heldReads = new java.util.HashMap<>();
    private boolean holdReadsFailing;
    private int failingSpanBytes;
    /** After a release with {@link #holdWatchedReadsFailing}: where reads keep failing until {@link #healReads}. */
    private final Set<Long> failingOffsets = new HashSet<>();
    private final Set<Long> failingReads = new HashSet<>();
    private final List<long[]> heldCompletions = new ArrayList<>(); // {userData, result}
    private boolean holding;
    private boolean releaseRequested;

    private final dev.csum.io.SimulatedDisk disk;

    HeldSyncPort(dev.csum.io.SimulatedDisk disk) {
        super(disk);
        this.disk = disk;
    }

    /** The simulated disk under this port (to reopen it). */
    dev.csum.io.SimulatedDisk disk() {
        return disk;
    }

    /** From the first read prepared at one of {@code offsetsBytes} on, holds fsync completions. */
    void holdSyncsAfterReadOf(Set<Long> offsetsBytes) {
        watchedOffsets.addAll(offsetsBytes);
    }

    /**
     * Also holds the completion of each watched read (the reload of a parked group's pair stays in
     * flight) and, at {@link #release()}, delivers it as failed ({@code EIO}); reads within
     * {@code spanBytes} of those offsets (a pair: both copies) fail from then on, the engine's retries
     * too, until {@link #healReads()}.
     */
    void holdWatchedReadsFailing(int spanBytes) {
        holdReadsFailing = true;
        failingSpanBytes = spanBytes;
    }

    /** Reads at the offsets failed at the release succeed again. */
    void healReads() {
        failingOffsets.clear();
    }

    /** Whether a watched read was seen: fsyncs are held. */
    boolean holding() {
        return holding;
    }

    /** The watched offsets read, in order. */
    List<Long> triggeringReads() {
        return triggeringReads;
    }

    /** Stops holding (and watching); the next {@code submitAndReap} delivers the held completions. */
    void release() {
        if (holdReadsFailing) {
            failingOffsets.addAll(triggeringReads);
        }
        watchedOffsets.clear();
        holding = false;
        releaseRequested = true;
    }

    @Override
    public boolean prepareRead(int fileIndex, long offsetBytes, java.lang.foreign.MemorySegment buffer, int flags,
                               long userData) {
        for (long failing : failingOffsets) {
            if (fileIndex == METADATA_FILE && offsetBytes >= failing && offsetBytes < failing + failingSpanBytes) {
                failingReads.add(userData);
            }
        }
        if (fileIndex == METADATA_FILE && watchedOffsets.contains(offsetBytes)) {
            triggeringReads.add(offsetBytes);
            holding = true;
            if (holdReadsFailing) {
                heldReads.put(userData, -5); // EIO
            }
        }
        return super.prepareRead(fileIndex, offsetBytes, buffer, flags, userData);
    }

    @Override
    public boolean prepareFsync(int fileIndex, int flags, long userData) {
        if (holding) {
            heldSyncs.add(userData);
        }
        return super.prepareFsync(fileIndex, flags, userData);
    }

    @Override
    public int submitAndReap(int minCompletions, CompletionSink sink) throws IOException {
        int delivered = 0;
        if (releaseRequested) {
            releaseRequested = false;
            for (long[] held : heldCompletions) {
                sink.onCompletion(held[0], (int) held[1]);
                delivered++;
            }
            heldCompletions.clear();
            heldSyncs.clear();
            heldReads.clear();
        }
        int[] passed = {0};
        port.submitAndReap(delivered > 0 ? 0 : minCompletions, (userData, result) -> {
            Integer readResult = heldReads.remove(userData);
            if (failingReads.remove(userData)) {
                passed[0]++;
                sink.onCompletion(userData, -5); // EIO
            } else if (readResult != null) {
                heldCompletions.add(new long[] {userData, readResult});
            } else if (heldSyncs.remove(userData)) {
                heldCompletions.add(new long[] {userData, result});
            } else {
                passed[0]++;
                sink.onCompletion(userData, result);
            }
        });
        return delivered + passed[0];
    }
}
