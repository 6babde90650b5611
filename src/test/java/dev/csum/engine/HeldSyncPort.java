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
    private final List<long[]> heldCompletions = new ArrayList<>(); // {userData, result}
    private boolean holding;
    private boolean releaseRequested;

    HeldSyncPort(IoPort port) {
        super(port);
    }

    /** From the first read prepared at one of {@code offsetsBytes} on, holds fsync completions. */
    void holdSyncsAfterReadOf(Set<Long> offsetsBytes) {
        watchedOffsets.addAll(offsetsBytes);
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
        watchedOffsets.clear();
        holding = false;
        releaseRequested = true;
    }

    @Override
    public boolean prepareRead(int fileIndex, long offsetBytes, java.lang.foreign.MemorySegment buffer, int flags,
                               long userData) {
        if (fileIndex == METADATA_FILE && watchedOffsets.contains(offsetBytes)) {
            triggeringReads.add(offsetBytes);
            holding = true;
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
        }
        int[] passed = {0};
        port.submitAndReap(delivered > 0 ? 0 : minCompletions, (userData, result) -> {
            if (heldSyncs.remove(userData)) {
                heldCompletions.add(new long[] {userData, result});
            } else {
                passed[0]++;
                sink.onCompletion(userData, result);
            }
        });
        return delivered + passed[0];
    }
}
