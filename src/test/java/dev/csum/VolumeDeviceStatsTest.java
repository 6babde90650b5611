package dev.csum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link VolumeStats}' device counters on real files, through the public API: they grow with the
 * requests, and {@link Volume#stats()} after {@link Volume#close()} includes the close's own work.
 */
class VolumeDeviceStatsTest {
    private static final int BLOCK = 4096;
    private static final int N = 16;

    @TempDir
    Path directory;

    private Path formatted() throws IOException {
        Path data = directory.resolve("volume");
        Volume.format(FormatOptions.of(data).withSizeBytes(8L << 20));
        return data;
    }

    @ParameterizedTest
    @EnumSource(value = IoEngine.class, names = {"AUTO", "PORTABLE"})
    void deviceCountersGrowWithTheRequestsAndIncludeTheCloseAfterClose(IoEngine engine) throws IOException {
        Path data = formatted();
        Volume volume = Volume.open(VolumeOptions.of(data).withIoEngine(engine));
        VolumeStats beforeClose;
        try {
            VolumeStats opened = volume.stats();
            assertEquals(0, opened.deviceReads() + opened.deviceWrites() + opened.deviceFlushes(),
                "the open's superblock reads are not the engine's: " + opened);
            byte[] block = new byte[BLOCK];
            for (int i = 0; i < N; i++) {
                block[0] = (byte) (i + 1);
                volume.writeBlocking((long) i * 37 * BLOCK, block, 0, BLOCK);
            }
            volume.flushBlocking();
            VolumeStats written = volume.stats();
            assertTrue(written.deviceWrites() >= N, written.toString());
            assertTrue(written.deviceBytesWritten() >= (long) N * BLOCK, written.toString());
            assertTrue(written.deviceFlushes() >= 1, written.toString());

            for (int i = 0; i < N; i++) {
                volume.readBlocking((long) i * 37 * BLOCK, block, 0, BLOCK);
            }
            beforeClose = volume.stats();
            assertTrue(beforeClose.deviceReads() - written.deviceReads() >= N, beforeClose.toString());
            assertTrue(beforeClose.deviceBytesRead() - written.deviceBytesRead() >= (long) N * BLOCK,
                beforeClose.toString());
        } finally {
            volume.close();
        }
        VolumeStats closed = volume.stats();
        assertTrue(closed.deviceWrites() > beforeClose.deviceWrites(),
            "the close settled the written groups' metadata: " + beforeClose + " -> " + closed);
        assertEquals(beforeClose.deviceFlushes() + 4, closed.deviceFlushes(),
            "and synced the device four times: the data before its checkpoint, between the groups' first and second"
                + " imd copies (4096-byte imd blocks can tear), after checkpointing them, and after the log's empty record");
        assertEquals(closed, volume.stats(), "final after close");
    }

    @ParameterizedTest
    @EnumSource(value = IoEngine.class, names = {"AUTO", "PORTABLE"})
    void aReadOnlyOpenWritesNothing(IoEngine engine) throws IOException {
        Path data = formatted();
        try (Volume volume = Volume.open(VolumeOptions.of(data))) {
            volume.writeBlocking(0, new byte[BLOCK], 0, BLOCK);
        }
        Volume readOnly = Volume.open(VolumeOptions.of(data).withReadOnly(true).withIoEngine(engine));
        try (readOnly) {
            readOnly.readBlocking(0, new byte[4 * BLOCK], 0, 4 * BLOCK);
        }
        VolumeStats stats = readOnly.stats();
        assertTrue(stats.deviceReads() >= 1, stats.toString());
        assertEquals(0, stats.deviceWrites(), stats.toString());
        assertEquals(0, stats.deviceBytesWritten(), stats.toString());
        assertEquals(0, stats.deviceFlushes(), stats.toString());
    }
}
