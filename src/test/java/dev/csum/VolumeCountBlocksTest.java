package dev.csum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Volume#countBlocks()} against a model of every block, and with damaged metadata. */
class VolumeCountBlocksTest {
    private static final int BLOCK = 4096;
    private static final byte NEVER = 0;
    private static final byte WRITTEN = 1;
    private static final byte DISCARDED = 2;

    @TempDir
    Path directory;

    private static long count(byte[] model, byte state) {
        long n = 0;
        for (byte b : model) {
            n += b == state ? 1 : 0;
        }
        return n;
    }

    @Test
    void countsMatchAModelAfterRandomWritesAndDiscardsBeforeAndAfterReopening() throws Exception {
        Path path = directory.resolve("v");
        Volume.format(FormatOptions.of(path).withSizeBytes(24L << 20));
        byte[] model;
        try (Volume volume = Volume.open(VolumeOptions.of(path).withImdCacheBytes(16 * 8192))) {
            int blocks = (int) (volume.sizeBytes() / BLOCK);
            model = new byte[blocks];
            BlockCounts fresh = volume.countBlocks();
            assertEquals(new BlockCounts(0, blocks, 0, 0, 0, fresh.logLiveFraction(), 0, fresh.seconds()), fresh);
            SplittableRandom random = new SplittableRandom(11);
            CompletableFuture<?>[] pending = new CompletableFuture<?>[600];
            for (int op = 0; op < pending.length; op++) {
                int first = random.nextInt(blocks - 64);
                int count = 1 + random.nextInt(random.nextInt(8) == 0 ? 1200 : 40);
                count = Math.min(count, blocks - first);
                if (random.nextInt(4) == 0) {
                    pending[op] = random.nextBoolean() ? volume.discard((long) first * BLOCK, (long) count * BLOCK)
                        : volume.writeZeroes((long) first * BLOCK, (long) count * BLOCK);
                    java.util.Arrays.fill(model, first, first + count, DISCARDED);
                } else {
                    count = Math.min(count, 256);
                    pending[op] = volume.write((long) first * BLOCK, new byte[count * BLOCK], 0, count * BLOCK);
                    java.util.Arrays.fill(model, first, first + count, WRITTEN);
                }
            }
            CompletableFuture.allOf(pending).get();
            BlockCounts counts = volume.countBlocks();
            assertEquals(count(model, WRITTEN), counts.writtenBlocks());
            assertEquals(count(model, NEVER), counts.neverWrittenBlocks());
            assertEquals(count(model, DISCARDED), counts.discardedBlocks());
            assertEquals(blocks, counts.writtenBlocks() + counts.unwrittenBlocks());
            assertEquals(0, counts.groupsWithDifferingCopies());
            assertEquals(0, counts.damagedGroups());
            assertTrue(counts.logLiveFraction() > 0 && counts.logLiveFraction() <= 1, "log live: " + counts);
            assertTrue(counts.writtenBlocks() > 1000 && counts.discardedBlocks() > 1000, counts.toString());
        }
        try (Volume volume = Volume.open(VolumeOptions.of(path).withReadOnly(true))) {
            BlockCounts counts = volume.countBlocks();
            assertEquals(count(model, WRITTEN), counts.writtenBlocks(), "from the checkpointed pairs");
            assertEquals(count(model, DISCARDED), counts.discardedBlocks());
            assertEquals(count(model, NEVER), counts.neverWrittenBlocks());
            assertTrue(Double.isNaN(counts.logLiveFraction()), "read-only: no log written");
            assertEquals(0, counts.logGroupsReplayed(), "closed cleanly: nothing to replay");
        }
    }

    @Test
    void groupsWithADamagedCopyOrBothAreCounted() throws Exception {
        Path path = directory.resolve("v");
        Volume.format(FormatOptions.of(path).withSizeBytes(16L << 20));
        long pairOne;
        long pairThree;
        int blocksPerGroup;
        try (Volume volume = Volume.open(VolumeOptions.of(path))) {
            blocksPerGroup = volume.info().blocksPerGroup();
            volume.writeBlocking(0, new byte[4 * blocksPerGroup * BLOCK], 0, 4 * blocksPerGroup * BLOCK); // groups 0..3
            // The imd pair sits right before a group's first data block (interleaved placement).
            pairOne = volume.info().dataDeviceOffsetBytes(blocksPerGroup) - 2L * BLOCK;
            pairThree = volume.info().dataDeviceOffsetBytes(3L * blocksPerGroup) - 2L * BLOCK;
        }
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.seek(pairOne + 100);
            file.write(0x42); // one copy of group 1 damaged
            file.seek(pairThree + 100);
            file.write(0x42);
            file.seek(pairThree + BLOCK + 100);
            file.write(0x42); // both copies of group 3
        }
        try (Volume volume = Volume.open(VolumeOptions.of(path).withReadOnly(true))) {
            BlockCounts counts = volume.countBlocks();
            assertEquals(1, counts.groupsWithDifferingCopies(), counts.toString());
            assertEquals(1, counts.damagedGroups(), counts.toString());
            assertEquals(3L * blocksPerGroup, counts.writtenBlocks(),
                "groups 0..3 written but group 3's tuples are lost: " + counts);
        }
        try (Volume volume = Volume.open(VolumeOptions.of(path))) {
            volume.countBlocks();
            volume.flushBlocking();
        }
        try (Volume volume = Volume.open(VolumeOptions.of(path).withReadOnly(true))) {
            assertEquals(0, volume.countBlocks().groupsWithDifferingCopies(), "the writable open rewrote group 1's pair");
        }
    }

    @Test
    void notOnAClosedVolume() throws Exception {
        Path path = directory.resolve("v");
        Volume.format(FormatOptions.of(path).withSizeBytes(4L << 20));
        Volume volume = Volume.open(VolumeOptions.of(path));
        volume.close();
        assertThrows(IllegalStateException.class, volume::countBlocks);
    }

    static void unwrap(CompletableFuture<?> future) throws Exception {
        try {
            future.get();
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }
}
