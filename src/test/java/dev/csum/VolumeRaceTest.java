package dev.csum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.metrics.VolumeMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads racing writes to the same blocks, callers changing buffers in flight, and metrics. */
class VolumeRaceTest {
    private static final int BLOCK = 4096;
    @TempDir
    Path directory;

    /** The I/O port these tests run on; {@code VolumeRacePortableTest} runs them on the portable one. */
    IoEngine ioEngine() {
        return IoEngine.IO_URING;
    }

    private Volume formatAndOpen() throws Exception {
        Path data = directory.resolve("volume");
        Volume.format(FormatOptions.of(data).withSizeBytes(8L << 20).withBlockSizeBytes(BLOCK));
        return Volume.open(VolumeOptions.of(data).withIoEngine(ioEngine()).withQueueDepth(32));
    }

    /** Each block holds one version number in every 8-byte word, so a mixed or foreign block is detectable. */
    private static void fillVersion(MemorySegment segment, long firstBlock, long version) {
        for (long offset = 0; offset < segment.byteSize(); offset += 8) {
            long block = firstBlock + offset / BLOCK;
            segment.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, version << 20 | block);
        }
    }

    @Test
    void readsRacingWritesToTheSameBlocksSeeOldOrNewDataNeverAnError() throws Exception {
        try (Volume volume = formatAndOpen(); Arena arena = Arena.ofShared()) {
            int blocks = 64; // spans a group boundary with 4 KiB blocks? no: first group has 510; use the boundary
            long firstBlock = volume.info().blocksPerGroup() - 32;
            long offset = firstBlock * BLOCK;
            MemorySegment initial = arena.allocate((long) blocks * BLOCK, 64);
            fillVersion(initial, firstBlock, 0);
            volume.writeBlocking(offset, initial);
            AtomicLong completedVersion = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = Thread.ofPlatform().start(() -> {
                try (Arena own = Arena.ofConfined()) {
                    MemorySegment data = own.allocate((long) blocks * BLOCK, 64);
                    for (long version = 1; !stop.get() && version < 4000; version++) {
                        fillVersion(data, firstBlock, version);
                        volume.writeBlocking(offset, data);
                        completedVersion.set(version);
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            MemorySegment into = arena.allocate((long) blocks * BLOCK, 64);
            int reads = 0;
            long start = System.nanoTime();
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2)) {
                long floor = completedVersion.get();
                volume.readBlocking(offset, into); // an IntegrityException here fails the test
                for (int b = 0; b < blocks; b++) {
                    long word = into.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) b * BLOCK);
                    long version = word >>> 20;
                    assertEquals(firstBlock + b, word & 0xFFFFF, "block holds its own data");
                    assertTrue(version >= floor, "not older than the last completed write");
                    for (long w = 8; w < BLOCK; w += 8) {
                        assertEquals(word, into.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) b * BLOCK + w),
                            "block " + (firstBlock + b) + " is one whole version");
                    }
                }
                reads++;
            }
            stop.set(true);
            writer.join();
            assertTrue(reads > 20 && completedVersion.get() > 20, reads + " reads, " + completedVersion + " writes");
            assertEquals(0, volume.stats().mismatches());
        }
    }

    @Test
    void changingTheSourceWhileAWriteIsInFlightNeverStoresAMismatch() throws Exception {
        try (Volume volume = formatAndOpen(); Arena arena = Arena.ofShared()) {
            MemorySegment source = arena.allocate(16 * BLOCK, 64);
            for (int round = 0; round < 300; round++) {
                long offset = (long) (round % 40) * 16 * BLOCK;
                source.fill((byte) round);
                CompletableFuture<Void> write = volume.write(offset, source);
                // The caller breaks the rule and scribbles while the write is in flight.
                byte scribble = 0;
                while (!write.isDone()) {
                    source.set(ValueLayout.JAVA_BYTE, (scribble & 0xFF) * 251L % source.byteSize(), scribble++);
                }
                write.get();
            }
            MemorySegment back = arena.allocate(16 * BLOCK, 64);
            for (int chunk = 0; chunk < 40; chunk++) {
                volume.readBlocking((long) chunk * 16 * BLOCK, back); // verifies every block
            }
            assertEquals(0, volume.stats().mismatches());
        }
    }

    @Test
    void metricsBinderRecordsLatencyAndCounters() throws Exception {
        try (Volume volume = formatAndOpen(); Arena arena = Arena.ofShared()) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new VolumeMetrics(volume, "test").bindTo(registry);
            MemorySegment block = arena.allocate(BLOCK).fill((byte) 3);
            for (int i = 0; i < 10; i++) {
                volume.writeBlocking((long) i * BLOCK, block);
                volume.readBlocking((long) i * BLOCK, block);
            }
            volume.flushBlocking();
            assertEquals(10, registry.get(VolumeMetrics.READ_LATENCY).timer().count());
            assertEquals(10, registry.get(VolumeMetrics.WRITE_LATENCY).timer().count());
            assertEquals(1, registry.get(VolumeMetrics.FLUSH_LATENCY).timer().count());
            assertEquals(10.0 * BLOCK, registry.get("csum.read.bytes").functionCounter().count());
            assertEquals(10.0 * BLOCK, registry.get("csum.write.bytes").functionCounter().count());
            assertTrue(registry.get(VolumeMetrics.READ_LATENCY).timer().max(TimeUnit.NANOSECONDS) > 0);
            assertEquals("test", registry.get("csum.mismatches").functionCounter().getId().getTag("volume"));
            // The ten blocks share one never-written group: its all-zero pair was read twice, once.
            assertEquals(1.0, registry.get("csum.imd.confirm.reads").functionCounter().count());
        }
    }
}
