package dev.csum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link Volume#discard} and {@link Volume#writeZeroes} on real files, on both I/O ports. */
class VolumeDiscardTest {
    private static final int BLOCK = 4096;

    @TempDir
    Path directory;

    private static byte[] pattern(long block, int version) {
        byte[] bytes = new byte[BLOCK];
        new SplittableRandom(block * 1_000_003L + version).nextBytes(bytes);
        return bytes;
    }

    /** Bytes the file system allocates to {@code file} ({@code st_blocks} × 512, from stat(1)). */
    static long allocatedBytes(Path file) throws Exception {
        Process stat = new ProcessBuilder("stat", "--format=%b", file.toString()).start();
        String out = new String(stat.getInputStream().readAllBytes()).strip();
        assertEquals(0, stat.waitFor(), "stat failed");
        return Long.parseLong(out) * 512;
    }

    private Path filled(IoEngine engine, long sizeBytes, int blocks) throws IOException {
        Path path = directory.resolve("volume-" + engine);
        Volume.format(FormatOptions.of(path).withSizeBytes(sizeBytes).withAllocation(FileAllocation.SPARSE));
        try (Volume volume = Volume.open(VolumeOptions.of(path).withIoEngine(engine))) {
            for (int block = 0; block < blocks; block++) {
                volume.writeBlocking((long) block * BLOCK, pattern(block, 0), 0, BLOCK);
            }
        }
        return path;
    }

    private static byte[] read(Volume volume, long block, int count) throws IOException {
        byte[] bytes = new byte[count * BLOCK];
        volume.readBlocking(block * BLOCK, bytes, 0, bytes.length);
        return bytes;
    }

    @ParameterizedTest
    @EnumSource(value = IoEngine.class, names = {"IO_URING", "PORTABLE"})
    void discardedBlocksReadAsVerifiedZerosTheFileShrinksAndNeighboursKeepTheirData(IoEngine engine) throws Exception {
        Path path = filled(engine, 16L << 20, 2048);
        long before = allocatedBytes(path);
        try (Volume volume = Volume.open(VolumeOptions.of(path).withIoEngine(engine))) {
            // 1,000 blocks from inside group 0 across group 1 into group 2 (510 blocks a group).
            volume.discardBlocking(100L * BLOCK, 1000L * BLOCK);
            assertArrayEquals(new byte[1000 * BLOCK], read(volume, 100, 1000));
            assertArrayEquals(pattern(99, 0), read(volume, 99, 1));
            assertArrayEquals(pattern(1100, 0), read(volume, 1100, 1));
            VolumeStats stats = volume.stats();
            assertEquals(1, stats.discards());
            assertEquals(1000L * BLOCK, stats.bytesDiscarded());
            assertEquals(3, stats.devicePunches(), "one punch per group the range covers");
            // A write after the discard lands, and is read back verified.
            volume.writeBlocking(500L * BLOCK, pattern(500, 1), 0, BLOCK);
            assertArrayEquals(pattern(500, 1), read(volume, 500, 1));
        }
        assertTrue(allocatedBytes(path) <= before - 990L * BLOCK,
            "punched: " + before + " bytes allocated before, " + allocatedBytes(path) + " after");
        try (Volume volume = Volume.open(VolumeOptions.of(path).withIoEngine(engine).withReadOnly(true))) {
            byte[] expected = new byte[1000 * BLOCK];
            System.arraycopy(pattern(500, 1), 0, expected, 400 * BLOCK, BLOCK);
            assertArrayEquals(expected, read(volume, 100, 1000), "after reopening: zeros, and the later write");
            assertTrue(volume.scrub(ScrubOptions.defaults().withRateBytesPerSecond(ScrubOptions.UNLIMITED)).clean());
        }
    }

    @ParameterizedTest
    @EnumSource(value = IoEngine.class, names = {"IO_URING", "PORTABLE"})
    void writeZeroesIsADiscardCountedApart(IoEngine engine) throws Exception {
        Path path = filled(engine, 8L << 20, 64);
        try (Volume volume = Volume.open(VolumeOptions.of(path).withIoEngine(engine))) {
            CompletableFuture<Void> zeroed = volume.writeZeroes(8L * BLOCK, 16L * BLOCK);
            zeroed.get();
            assertArrayEquals(new byte[16 * BLOCK], read(volume, 8, 16));
            assertArrayEquals(pattern(7, 0), read(volume, 7, 1));
            assertArrayEquals(pattern(24, 0), read(volume, 24, 1));
            assertEquals(1, volume.stats().discards());
        }
    }

    @ParameterizedTest
    @EnumSource(value = IoEngine.class, names = {"IO_URING"})
    void aDiscardLongerThanOneEngineChunkCompletesOnceAllChunksHave(IoEngine engine) throws Exception {
        Path path = directory.resolve("big");
        Volume.format(FormatOptions.of(path).withSizeBytes(600L << 20).withAllocation(FileAllocation.SPARSE));
        try (Volume volume = Volume.open(VolumeOptions.of(path).withIoEngine(engine))) {
            long last = volume.sizeBytes() / BLOCK - 1;
            volume.writeBlocking(0, pattern(0, 0), 0, BLOCK);
            volume.writeBlocking(last * BLOCK, pattern(last, 0), 0, BLOCK);
            volume.writeBlocking(70_000L * BLOCK, pattern(70_000, 0), 0, BLOCK);
            volume.discardBlocking(0, volume.sizeBytes());
            assertTrue(volume.stats().discards() >= 3, "split into chunks of 256 MiB: " + volume.stats().discards());
            assertArrayEquals(new byte[BLOCK], read(volume, 0, 1));
            assertArrayEquals(new byte[BLOCK], read(volume, 70_000, 1));
            assertArrayEquals(new byte[BLOCK], read(volume, last, 1));
        }
    }

    @ParameterizedTest
    @EnumSource(value = IoEngine.class, names = {"IO_URING"})
    void writesAndDiscardsOfOneThreadApplyInTheOrderIssued(IoEngine engine) throws Exception {
        Path path = filled(engine, 8L << 20, 0);
        try (Volume volume = Volume.open(VolumeOptions.of(path).withIoEngine(engine))) {
            byte[][] model = new byte[1024][];
            SplittableRandom random = new SplittableRandom(7);
            CompletableFuture<?>[] pending = new CompletableFuture<?>[400];
            for (int op = 0; op < pending.length; op++) {
                int first = random.nextInt(1000);
                int count = 1 + random.nextInt(20);
                if (random.nextInt(3) == 0) {
                    pending[op] = volume.discard((long) first * BLOCK, (long) count * BLOCK);
                    for (int b = first; b < first + count; b++) {
                        model[b] = null;
                    }
                } else {
                    byte[] data = new byte[count * BLOCK];
                    for (int b = 0; b < count; b++) {
                        byte[] block = pattern(first + b, op + 1);
                        System.arraycopy(block, 0, data, b * BLOCK, BLOCK);
                        model[first + b] = block;
                    }
                    pending[op] = volume.write((long) first * BLOCK, data, 0, data.length);
                }
            }
            CompletableFuture.allOf(pending).get();
            for (int b = 0; b < 1020; b++) {
                assertArrayEquals(model[b] == null ? new byte[BLOCK] : model[b], read(volume, b, 1), "block " + b);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = IoEngine.class, names = {"IO_URING"})
    void badRangesAndReadOnlyVolumesAreRefusedBeforeAnyIo(IoEngine engine) throws Exception {
        Path path = filled(engine, 4L << 20, 8);
        try (Volume volume = Volume.open(VolumeOptions.of(path).withIoEngine(engine))) {
            long size = volume.sizeBytes();
            assertThrows(IllegalArgumentException.class, () -> volume.discard(100, BLOCK));
            assertThrows(IllegalArgumentException.class, () -> volume.discard(0, 100));
            assertThrows(IllegalArgumentException.class, () -> volume.discard(0, 0));
            assertThrows(IllegalArgumentException.class, () -> volume.discard(-BLOCK, BLOCK));
            assertThrows(IllegalArgumentException.class, () -> volume.writeZeroes(size - BLOCK, 2L * BLOCK));
            assertThrows(IllegalArgumentException.class, () -> volume.discard(0, BLOCK, null, 0));
            assertEquals(0, volume.stats().discards());
            assertEquals(0, volume.stats().devicePunches());
            assertArrayEquals(pattern(3, 0), read(volume, 3, 1));
        }
        try (Volume volume = Volume.open(VolumeOptions.of(path).withIoEngine(engine).withReadOnly(true))) {
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> volume.discard(0, BLOCK));
            assertTrue(refused.getMessage().contains("read-only"), refused.getMessage());
            assertThrows(IllegalStateException.class, () -> volume.writeZeroesBlocking(0, BLOCK));
        }
        byte[] still = Arrays.copyOf(pattern(0, 0), BLOCK);
        try (Volume volume = Volume.open(VolumeOptions.of(path).withIoEngine(engine).withReadOnly(true))) {
            assertArrayEquals(still, read(volume, 0, 1));
        }
    }
}
