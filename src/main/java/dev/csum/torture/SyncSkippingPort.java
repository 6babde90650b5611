package dev.csum.torture;

import dev.csum.io.ForwardingIoPort;
import dev.csum.io.IoPort;
import java.io.IOException;

/**
 * An {@link IoPort} decorator that completes every fsync at once, successfully, without sending it
 * to the device: for a volume whose writes are thrown away afterwards (crash replay's check volume,
 * every write of which is undone before the next crash point), where durability does not matter
 * and a real sync would cost a journal commit per call.
 *
 * <p>Threading: as the port contract says, the event-loop thread only.
 */
final class SyncSkippingPort extends ForwardingIoPort {
    private long[] skipped = new long[4];
    private int skippedCount;

    SyncSkippingPort(IoPort delegate) {
        super(delegate);
    }

    @Override
    public boolean prepareFsync(int fileIndex, int flags, long userData) {
        if (skippedCount == skipped.length) {
            skipped = java.util.Arrays.copyOf(skipped, skippedCount * 2);
        }
        skipped[skippedCount++] = userData;
        return true;
    }

    @Override
    public int submitAndReap(int minCompletions, CompletionSink sink) throws IOException {
        int delivered = skippedCount;
        long[] done = java.util.Arrays.copyOf(skipped, delivered);
        skippedCount = 0;
        for (long userData : done) {
            sink.onCompletion(userData, 0);
        }
        return delivered + port.submitAndReap(Math.max(0, minCompletions - delivered), sink);
    }
}
