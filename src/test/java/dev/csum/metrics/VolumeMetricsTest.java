package dev.csum.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.IntegrityException;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.Checksum;
import dev.csum.FormatOptions;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What operators alert on: failed requests by cause, and the volume's identity. */
class VolumeMetricsTest {
    private static final int BLOCK = 512;

    @TempDir
    Path directory;

    private Path formatted(Checksum checksum) throws IOException {
        Path data = directory.resolve("volume");
        Volume.format(FormatOptions.of(data).withSizeBytes(4L << 20).withBlockSizeBytes(BLOCK).withChecksum(checksum));
        return data;
    }

    /** A registry with {@code volume}'s metrics bound, tagged {@code volume="v"}. */
    private static SimpleMeterRegistry boundTo(Volume volume) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new VolumeMetrics(volume, "v").bindTo(registry);
        return registry;
    }

    private static double failed(SimpleMeterRegistry registry, String operation, String cause) {
        return registry.get(VolumeMetrics.REQUESTS_FAILED).tags("op", operation, "cause", cause).counter().count();
    }

    @Test
    void aChecksumMismatchIsAnIntegrityFailureOfARead() throws Exception {
        Path data = formatted(Checksum.CRC32C);
        long blockOffset;
        try (Volume volume = Volume.open(VolumeOptions.of(data)); Arena arena = Arena.ofConfined()) {
            volume.writeBlocking(5L * BLOCK, arena.allocate(BLOCK).fill((byte) 7));
            blockOffset = volume.info().dataDeviceOffsetBytes(5);
        }
        try (RandomAccessFile file = new RandomAccessFile(data.toFile(), "rw")) {
            file.seek(blockOffset + 100);
            file.write(0x55);
        }
        try (Volume volume = Volume.open(VolumeOptions.of(data)); Arena arena = Arena.ofConfined()) {
            SimpleMeterRegistry registry = boundTo(volume);
            assertThrows(IntegrityException.class, () -> volume.readBlocking(4L * BLOCK, arena.allocate(4 * BLOCK)));
            volume.readBlocking(0, arena.allocate(BLOCK));
            assertEquals(1, failed(registry, "read", "integrity"));
            assertEquals(0, failed(registry, "read", "io"));
            assertEquals(0, failed(registry, "write", "io"));
            assertEquals(2, registry.get("csum.reads").functionCounter().count(), "csum.reads counts failed reads too");
        }
    }

    @Test
    void aDeviceErrorIsAnIoFailure() throws Exception {
        Path data = formatted(Checksum.CRC32C);
        try (Volume volume = Volume.open(VolumeOptions.of(data)); Arena arena = Arena.ofConfined()) {
            SimpleMeterRegistry registry = boundTo(volume);
            long last = volume.sizeBytes() - BLOCK;
            volume.writeBlocking(last, arena.allocate(BLOCK).fill((byte) 1));
            volume.flushBlocking();
            // The device shrinks under the open volume: the read of its last block comes back short.
            try (RandomAccessFile file = new RandomAccessFile(data.toFile(), "rw")) {
                file.setLength(1 << 20);
            }
            IOException failure = assertThrows(IOException.class, () -> volume.readBlocking(last, arena.allocate(BLOCK)));
            assertFalse(failure instanceof IntegrityException, failure.toString());
            assertEquals(0, failed(registry, "read", "integrity"));
            assertEquals(1, failed(registry, "read", "io"), failure.toString());
        }
    }

    @Test
    void volumeInfoIsOneWithTheUuidChecksumAndBlockSize() throws Exception {
        Path data = formatted(Checksum.CRC16_T10DIF);
        try (Volume volume = Volume.open(VolumeOptions.of(data))) {
            SimpleMeterRegistry registry = boundTo(volume);
            Gauge info = registry.get(VolumeMetrics.VOLUME_INFO).tags("volume", "v",
                "uuid", volume.info().uuid().toString(), "checksum", "crc16-t10dif", "block_size", "512")
                .gauge();
            assertEquals(1.0, info.value());
        }
    }

    @Test
    void bindingToTwoRegistriesRecordsEveryRequestInBoth() throws Exception {
        Path data = formatted(Checksum.CRC32C);
        try (Volume volume = Volume.open(VolumeOptions.of(data)); Arena arena = Arena.ofConfined()) {
            SimpleMeterRegistry first = new SimpleMeterRegistry();
            SimpleMeterRegistry second = new SimpleMeterRegistry();
            VolumeMetrics metrics = new VolumeMetrics(volume, "v");
            metrics.bindTo(first);
            metrics.bindTo(second);
            volume.writeBlocking(0, arena.allocate(BLOCK).fill((byte) 1));
            volume.readBlocking(0, arena.allocate(BLOCK));
            for (SimpleMeterRegistry registry : java.util.List.of(first, second)) {
                assertEquals(1, registry.get(VolumeMetrics.WRITE_LATENCY).timer().count());
                assertEquals(1, registry.get(VolumeMetrics.READ_LATENCY).timer().count());
            }
        }
    }

    @Test
    void deviceOpsAndBytesAreTheVolumesDeviceCountersByOperation() throws Exception {
        Path data = formatted(Checksum.CRC32C);
        try (Volume volume = Volume.open(VolumeOptions.of(data)); Arena arena = Arena.ofConfined()) {
            SimpleMeterRegistry registry = boundTo(volume);
            volume.writeBlocking(0, arena.allocate(4 * BLOCK).fill((byte) 1));
            volume.readBlocking(0, arena.allocate(BLOCK));
            volume.flushBlocking();
            dev.csum.VolumeStats stats = volume.stats();
            assertEquals(stats.deviceReads(), deviceOps(registry, "read"));
            assertEquals(stats.deviceWrites(), deviceOps(registry, "write"));
            assertEquals(stats.deviceFlushes(), deviceOps(registry, "flush"));
            assertEquals(stats.deviceBytesRead(), deviceBytes(registry, "read"));
            assertEquals(stats.deviceBytesWritten(), deviceBytes(registry, "write"));
            // One log record and one data write of 4 blocks, after the fresh volume's first raise of
            // the log sequence ceiling (the backup and primary superblocks); one sync.
            assertEquals(4, deviceOps(registry, "write"));
            assertEquals(4 * BLOCK + BLOCK + 2 * BLOCK, deviceBytes(registry, "write"));
            assertEquals(1, deviceOps(registry, "flush"));
            assertEquals("bytes", registry.get(VolumeMetrics.DEVICE_BYTES).tags("op", "write").functionCounter()
                .getId().getBaseUnit());
        }
    }

    /** The engine's work counters are the volume's: two writes, two records of five entries, no round yet. */
    @Test
    void logAndCheckpointCountersAreTheVolumes() throws Exception {
        Path data = formatted(Checksum.CRC32C);
        SimpleMeterRegistry registry;
        Volume closed;
        try (Volume volume = Volume.open(VolumeOptions.of(data)); Arena arena = Arena.ofConfined()) {
            registry = boundTo(volume);
            closed = volume;
            volume.writeBlocking(0, arena.allocate(4 * BLOCK).fill((byte) 1));
            volume.writeBlocking(8 * BLOCK, arena.allocate(BLOCK).fill((byte) 2));
            dev.csum.VolumeStats stats = volume.stats();
            assertEquals(2, stats.logRecords(), "one record per write here (one at a time)");
            assertEquals(5, stats.logEntries(), "one entry per block written");
            assertEquals(stats.logRecords(), counted(registry, "csum.log.records"));
            assertEquals(stats.logEntries(), counted(registry, "csum.log.entries"));
            assertEquals(0, counted(registry, "csum.checkpoint.rounds"), "no round before the log fills or close");
            assertEquals(stats.checkpointWrites(), counted(registry, "csum.checkpoint.writes"));
            for (String name : new String[] {"csum.groups.parked", "csum.parked.reloads", "csum.pairless.commits",
                    "csum.pairless.loads"}) {
                assertEquals(0, counted(registry, name), name + ": the default cache holds every group");
            }
            assertEquals(0, counted(registry, "csum.checkpoint.time"));
            assertEquals(0, counted(registry, "csum.checkpoint.sync.time"));
        }
        dev.csum.VolumeStats after = closed.stats(); // the close's round is in it
        assertTrue(after.checkpointRounds() >= 1 && after.checkpointSyncNanos() > 0, after.toString());
        assertEquals(after.checkpointNanos() / 1e9, counted(registry, "csum.checkpoint.time"), 1e-12);
        assertEquals(after.checkpointSyncNanos() / 1e9, counted(registry, "csum.checkpoint.sync.time"), 1e-12);
        assertEquals("seconds", registry.get("csum.checkpoint.time").functionCounter().getId().getBaseUnit());
    }

    private static double counted(SimpleMeterRegistry registry, String name) {
        return registry.get(name).tags("volume", "v").functionCounter().count();
    }

    private static double deviceOps(SimpleMeterRegistry registry, String operation) {
        return registry.get(VolumeMetrics.DEVICE_OPS).tags("volume", "v", "op", operation).functionCounter().count();
    }

    private static double deviceBytes(SimpleMeterRegistry registry, String operation) {
        return registry.get(VolumeMetrics.DEVICE_BYTES).tags("volume", "v", "op", operation).functionCounter().count();
    }

    @Test
    void scrubMetersCountBadBlocksAndStampTheLastCompletion() throws Exception {
        Path data = formatted(Checksum.CRC32C);
        long blockOffset;
        try (Volume volume = Volume.open(VolumeOptions.of(data)); Arena arena = Arena.ofConfined()) {
            volume.writeBlocking(9L * BLOCK, arena.allocate(BLOCK).fill((byte) 3));
            blockOffset = volume.info().dataDeviceOffsetBytes(9);
        }
        try (RandomAccessFile file = new RandomAccessFile(data.toFile(), "rw")) {
            file.seek(blockOffset + 7);
            file.write(0x77);
        }
        try (Volume volume = Volume.open(VolumeOptions.of(data).withReadOnly(true))) {
            SimpleMeterRegistry registry = boundTo(volume);
            assertTrue(Double.isNaN(registry.get(VolumeMetrics.SCRUB_PROGRESS).gauge().value()), "no scrub yet");
            assertTrue(Double.isNaN(registry.get(VolumeMetrics.SCRUB_LAST_COMPLETION).gauge().value()));
            assertEquals(0, registry.get(VolumeMetrics.SCRUB_BAD_BLOCKS).functionCounter().count());
            long before = System.currentTimeMillis() / 1000;
            volume.scrub(dev.csum.ScrubOptions.defaults());
            assertEquals(1, registry.get(VolumeMetrics.SCRUB_BAD_BLOCKS).functionCounter().count());
            double completed = registry.get(VolumeMetrics.SCRUB_LAST_COMPLETION).gauge().value();
            assertTrue(completed >= before && completed <= System.currentTimeMillis() / 1000.0 + 1, "" + completed);
        }
    }
}
