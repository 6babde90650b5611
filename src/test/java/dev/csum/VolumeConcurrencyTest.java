package dev.csum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Many threads against one volume on disk, checked against an in-memory reference model. */
class VolumeConcurrencyTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ALWAYS)
    Path directory;

    /** The I/O port these tests run on; {@code VolumeConcurrencyPortableTest} runs them on the portable one. */
    IoEngine ioEngine() {
        return IoEngine.IO_URING;
    }

    /** Blocks held by an operation in flight: a thread waits until its whole range is free. */
    private static final class RangeLocks {
        private final boolean[] held;

        RangeLocks(int blocks) {
            held = new boolean[blocks];
        }

        synchronized void lock(int first, int count) throws InterruptedException {
            while (true) {
                boolean free = true;
                for (int b = first; b < first + count && free; b++) {
                    free = !held[b];
                }
                if (free) {
                    for (int b = first; b < first + count; b++) {
                        held[b] = true;
                    }
                    return;
                }
                wait();
            }
        }

        synchronized void unlock(int first, int count) {
            for (int b = first; b < first + count; b++) {
                held[b] = false;
            }
            notifyAll();
        }
    }

    @ParameterizedTest
    @CsvSource({"512, false", "4096, false", "4096, true"})
    void tenThousandRandomOperationsFromEightThreadsMatchTheModel(int blockSize, boolean separateMetadata)
            throws Exception {
        Path data = directory.resolve("data");
        Path metadata = separateMetadata ? directory.resolve("meta") : null;
        Volume.format(FormatOptions.of(data).withMetadataPath(metadata).withSizeBytes(24L << 20)
            .withBlockSizeBytes(blockSize));
        VolumeOptions options = VolumeOptions.of(data).withIoEngine(ioEngine()).withMetadataPath(metadata)
            .withQueueDepth(32)
            .withImdCacheBytes(32 * 1024); // small: evictions and reloads happen
        int threads = 8;
        int operationsPerThread = 10_000 / threads;
        List<Throwable> failures = new ArrayList<>();
        AtomicInteger reads = new AtomicInteger();
        try (Volume volume = Volume.open(options)) {
            int blocks = (int) (volume.sizeBytes() / blockSize);
            int groupBlocks = volume.info().blocksPerGroup();
            int maxBlocks = (int) Math.min(3L * groupBlocks, volume.maxRequestBytes() / blockSize);
            byte[] model = new byte[(int) volume.sizeBytes()];
            RangeLocks locks = new RangeLocks(blocks);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = t;
                workers.add(Thread.ofPlatform().start(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment buffer = arena.allocate((long) maxBlocks * blockSize, 64);
                        for (int op = 0; op < operationsPerThread; op++) {
                            int count = 1 + random.nextInt(random.nextInt(8) == 0 ? maxBlocks : 16);
                            int first = random.nextInt(blocks - count + 1);
                            long offset = (long) first * blockSize;
                            int length = count * blockSize;
                            MemorySegment slice = buffer.asSlice(0, length);
                            locks.lock(first, count);
                            try {
                                if (random.nextBoolean()) {
                                    byte[] bytes = new byte[length];
                                    random.nextBytes(bytes);
                                    MemorySegment.copy(bytes, 0, slice, ValueLayout.JAVA_BYTE, 0, length);
                                    volume.writeBlocking(offset, slice);
                                    synchronized (model) {
                                        System.arraycopy(bytes, 0, model, (int) offset, length);
                                    }
                                } else {
                                    volume.readBlocking(offset, slice);
                                    byte[] expected = new byte[length];
                                    synchronized (model) {
                                        System.arraycopy(model, (int) offset, expected, 0, length);
                                    }
                                    assertArrayEquals(expected, slice.toArray(ValueLayout.JAVA_BYTE),
                                        "read of " + count + " blocks at " + offset);
                                    reads.incrementAndGet();
                                }
                            } finally {
                                locks.unlock(first, count);
                            }
                        }
                    } catch (Throwable failure) {
                        synchronized (failures) {
                            failures.add(failure);
                        }
                    }
                }));
            }
            for (Thread worker : workers) {
                worker.join();
            }
            if (!failures.isEmpty()) {
                throw new AssertionError(failures.size() + " worker(s) failed", failures.get(0));
            }
            VolumeStats stats = volume.stats();
            assertEquals(0, stats.mismatches());
            assertEquals(10_000, stats.reads() + stats.writes());
            assertTrue(stats.imdCacheMisses() > 0 && stats.imdCacheHits() > 0, stats.toString());
        }
        assertTrue(reads.get() > 4000);
    }
}
