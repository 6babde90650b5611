package dev.csum;

import dev.csum.engine.TupleTally;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;

/**
 * One {@link Volume#countBlocks()}: the count requests of every group range, all submitted at once
 * (the engine loads their pairs at full queue depth), their tallies summed on the event loop, the
 * caller waiting for the last.
 */
final class BlockCountScan implements IoCallback, TupleTally {
    /** Groups per count request: a piece each, so a request stays small. */
    static final int GROUPS_PER_REQUEST = 64;

    private final CountDownLatch done;
    private final long startNanos = System.nanoTime();
    // Written on the event loop only; read by the caller after the latch opens.
    private long written;
    private long neverWritten;
    private long discarded;
    private long groupsDiffering;
    private long groupsDamaged;
    private double logLiveFraction = Double.NaN;
    private long logGroupsReplayed;
    private IOException failure;

    private BlockCountScan(int requests) {
        this.done = new CountDownLatch(requests);
    }

    /** Counts every block of {@code volume} through {@code submit}, waiting for the answer. */
    static BlockCounts run(Volume volume, Submitter submit) throws IOException {
        VolumeInfo info = volume.info();
        long groupBytes = (long) info.blocksPerGroup() * info.blockSizeBytes();
        long chunkBytes = groupBytes * GROUPS_PER_REQUEST;
        int requests = Math.toIntExact((volume.sizeBytes() + chunkBytes - 1) / chunkBytes);
        BlockCountScan scan = new BlockCountScan(requests);
        for (long at = 0; at < volume.sizeBytes(); at += chunkBytes) {
            submit.count(at, Math.min(chunkBytes, volume.sizeBytes() - at), scan);
        }
        boolean interrupted = false;
        while (true) {
            try {
                scan.done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the requests are in flight: wait for them, as blocking calls do
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (scan.failure != null) {
            throw scan.failure;
        }
        return new BlockCounts(scan.written, scan.neverWritten, scan.discarded, scan.groupsDiffering,
            scan.groupsDamaged, scan.logLiveFraction, scan.logGroupsReplayed, (System.nanoTime() - scan.startNanos) / 1e9);
    }

    /** Submits one count request. */
    interface Submitter {
        void count(long offsetBytes, long lengthBytes, BlockCountScan scan);
    }

    @Override
    public void add(long writtenBlocks, long neverWrittenBlocks, long discardedBlocks, long groupsWithDifferingCopies,
                    long damagedGroups, double logLive, long groupsReplayed) {
        logGroupsReplayed = groupsReplayed;
        written += writtenBlocks;
        neverWritten += neverWrittenBlocks;
        discarded += discardedBlocks;
        groupsDiffering += groupsWithDifferingCopies;
        groupsDamaged += damagedGroups;
        if (logLive >= 0) {
            logLiveFraction = Double.isNaN(logLiveFraction) ? logLive : Math.max(logLiveFraction, logLive);
        }
    }

    @Override
    public void onComplete(long token, IOException error) {
        if (error != null && failure == null) {
            failure = error;
        }
        done.countDown();
    }
}
