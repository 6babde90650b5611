package dev.csum.engine;

import static dev.csum.engine.SmallCacheVolume.BLOCK;
import static dev.csum.engine.SmallCacheVolume.blockOf;
import static dev.csum.engine.SmallCacheVolume.fill;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.Volume;
import dev.csum.VolumeStats;
import dev.csum.io.ForwardingIoPort;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * {@link VolumeStats#checkpointNanos()} and {@link VolumeStats#checkpointSyncNanos()}: a round is timed
 * from its start to its closing sync, and each of its syncs from submission to completion; a caller's
 * flush is not a checkpoint's.
 */
class CheckpointTimeTest {
    private static final long SYNC_DELAY_NANOS = 40_000_000L;

    /** Sends each fsync to the disk no sooner than {@link #SYNC_DELAY_NANOS} after it was prepared (real time). */
    private static final class SlowSyncPort extends ForwardingIoPort {
        private long syncPreparedNanos = -1;

        SlowSyncPort(IoPort port) {
            super(port);
        }

        @Override
        public boolean prepareFsync(int fileIndex, int flags, long userData) {
            if (syncPreparedNanos < 0) {
                syncPreparedNanos = System.nanoTime();
            }
            return super.prepareFsync(fileIndex, flags, userData);
        }

        @Override
        public int submitAndReap(int minCompletions, CompletionSink sink) throws IOException {
            if (syncPreparedNanos >= 0) {
                long wait;
                while ((wait = syncPreparedNanos + SYNC_DELAY_NANOS - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                syncPreparedNanos = -1;
            }
            return super.submitAndReap(minCompletions, sink);
        }
    }

    @Test
    void roundsAndTheirSyncsAreTimedAndACallersFlushIsNot() throws IOException {
        SmallCacheVolume fixture = SmallCacheVolume.format(21, 9);
        Volume volume = SmallCacheVolume.open(new SlowSyncPort(fixture.disk()));
        for (int group = 0; group < 3; group++) {
            assertNull(ManualIo.write(volume, BLOCK * blockOf(group, 1), fill(group + 1)));
        }
        assertNull(ManualIo.flush(volume));
        VolumeStats flushed = volume.stats();
        assertTrue(flushed.deviceFlushes() >= 1, "the flush synced the device: " + flushed);
        assertEquals(0, flushed.checkpointRounds(), "no round before close: " + flushed);
        assertEquals(0, flushed.checkpointNanos(), "a caller's flush is not a round");
        assertEquals(0, flushed.checkpointSyncNanos(), "a caller's flush is not a round's sync");

        volume.close(); // its round checkpoints the three groups: a data sync, then the closing sync
        VolumeStats closed = volume.stats();
        assertTrue(closed.checkpointRounds() >= 1, "close's round: " + closed);
        assertTrue(closed.checkpointSyncNanos() >= 2 * closed.checkpointRounds() * SYNC_DELAY_NANOS,
            "each round waited for two syncs of at least 40 ms (512-byte imd blocks need no copy barrier): " + closed);
        assertTrue(closed.checkpointNanos() >= closed.checkpointSyncNanos(),
            "a round's time includes its syncs': " + closed);
    }
}
