package dev.csum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.metrics.VolumeMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Request observers: several at once, added and removed from any thread, told kind, size, latency and outcome. */
class VolumeObserverTest {
    private static final int BLOCK = 4096;

    @TempDir
    Path directory;

    private record Seen(RequestKind kind, long lengthBytes, long latencyNanos, boolean failed, int mismatchedBlocks) {
    }

    private static final class Recorder implements RequestObserver {
        final List<Seen> seen = new CopyOnWriteArrayList<>();

        @Override
        public void onRequestComplete(RequestKind kind, long lengthBytes, long latencyNanos, boolean failed,
                                      int mismatchedBlocks) {
            seen.add(new Seen(kind, lengthBytes, latencyNanos, failed, mismatchedBlocks));
        }
    }

    private Path formatted() throws IOException {
        Path data = directory.resolve("volume");
        Volume.format(FormatOptions.of(data).withSizeBytes(8L << 20));
        return data;
    }

    @Test
    void everyAttachedObserverIsToldOfEveryRequestWithItsKindLengthAndOutcome() throws IOException {
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        try (Volume volume = Volume.open(VolumeOptions.of(formatted()))) {
            assertTrue(volume.addObserver(first));
            assertTrue(volume.addObserver(second));
            volume.writeBlocking(0, new byte[2 * BLOCK], 0, 2 * BLOCK);
            volume.readBlocking(0, new byte[BLOCK], 0, BLOCK);
            volume.flushBlocking();
        }
        for (Recorder recorder : List.of(first, second)) {
            assertEquals(List.of(RequestKind.WRITE, RequestKind.READ, RequestKind.FLUSH),
                recorder.seen.stream().map(Seen::kind).toList());
            assertEquals(List.of(2L * BLOCK, (long) BLOCK, 0L), recorder.seen.stream().map(Seen::lengthBytes).toList());
            for (Seen seen : recorder.seen) {
                assertTrue(seen.latencyNanos() > 0 && !seen.failed() && seen.mismatchedBlocks() == 0, seen.toString());
            }
        }
    }

    @Test
    void aReadThatFailsVerificationIsToldAsFailedWithItsBadBlockCount() throws IOException {
        Path data = formatted();
        long fileOffset;
        try (Volume volume = Volume.open(VolumeOptions.of(data))) {
            volume.writeBlocking(0, new byte[4 * BLOCK], 0, 4 * BLOCK);
            fileOffset = volume.info().dataDeviceOffsetBytes(2);
        }
        try (FileChannel file = FileChannel.open(data, StandardOpenOption.WRITE)) {
            file.write(ByteBuffer.wrap(new byte[] {1}), fileOffset + 7);
        }
        Recorder recorder = new Recorder();
        try (Volume volume = Volume.open(VolumeOptions.of(data))) {
            volume.addObserver(recorder);
            assertThrows(IntegrityException.class, () -> volume.readBlocking(0, new byte[4 * BLOCK], 0, 4 * BLOCK));
        }
        assertEquals(List.of(RequestKind.READ), recorder.seen.stream().map(Seen::kind).toList());
        assertTrue(recorder.seen.getFirst().failed());
        assertEquals(1, recorder.seen.getFirst().mismatchedBlocks());
    }

    @Test
    void aRemovedObserverIsToldNothingMoreAndAnObserverIsAttachedOnce() throws IOException {
        Recorder recorder = new Recorder();
        try (Volume volume = Volume.open(VolumeOptions.of(formatted()))) {
            assertTrue(volume.addObserver(recorder));
            assertFalse(volume.addObserver(recorder), "attached already");
            volume.flushBlocking();
            assertTrue(volume.removeObserver(recorder));
            assertFalse(volume.removeObserver(recorder), "detached already");
            volume.flushBlocking();
            assertThrows(NullPointerException.class, () -> volume.addObserver(null));
        }
        assertEquals(1, recorder.seen.size(), "told once, about the flush before it was removed: " + recorder.seen);
    }

    @Test
    void theMetricsBinderSharesTheVolumeWithOtherObservers() throws IOException {
        Recorder recorder = new Recorder();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Volume volume = Volume.open(VolumeOptions.of(formatted()))) {
            volume.addObserver(recorder);
            new VolumeMetrics(volume, "v").bindTo(registry);
            volume.writeBlocking(0, new byte[BLOCK], 0, BLOCK);
            volume.readBlocking(0, new byte[BLOCK], 0, BLOCK);
        }
        assertEquals(1, registry.get(VolumeMetrics.WRITE_LATENCY).timer().count());
        assertEquals(1, registry.get(VolumeMetrics.READ_LATENCY).timer().count());
        assertEquals(2, recorder.seen.size());
    }
}
