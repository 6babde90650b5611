package dev.csum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.format.Geometry;
import dev.csum.format.VersionOneImage;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Volume#convert}: a volume of format version 1 becomes version 2 in place — the data where it
 * was, a tuple log added after the last group or metadata pair — and then opens writable
 * (docs/FORMAT.md §7). The crash states of the conversion itself are in {@code VolumeConverterTest}.
 */
class VolumeConvertTest {
    private static final long SIZE = 8L << 20;

    @TempDir
    Path directory;

    /** A range of blocks written into a version 1 volume, and what they hold. */
    private record Written(long firstBlock, byte[] bytes) {
    }

    /**
     * Blocks written the way version 1's engine left them: settled groups, and groups whose pair a
     * crash left with two different copies (which the version 2 engine resolves before its first
     * commit to the group, as version 1 did).
     */
    private static List<Written> writeAsVersion1(Path data, Path metadata, int blockSize, long dataBlocks) throws IOException {
        int tuples = Geometry.tuplesPerGroup(blockSize);
        Random random = new Random(blockSize + (metadata == null ? 0 : 1));
        List<Written> written = List.of(
            new Written(0, randomBlocks(random, 3, blockSize)),
            new Written(tuples - 2, randomBlocks(random, 5, blockSize)),      // across groups 0 and 1
            new Written(2L * tuples + 7, randomBlocks(random, 1, blockSize)),
            new Written(dataBlocks - 2, randomBlocks(random, 2, blockSize))); // the (partial) last group
        VersionOneImage.write(data, metadata, written.get(0).firstBlock(), written.get(0).bytes(), true);
        VersionOneImage.write(data, metadata, written.get(1).firstBlock(), written.get(1).bytes(), true);
        VersionOneImage.write(data, metadata, written.get(2).firstBlock(), written.get(2).bytes(), false);
        VersionOneImage.write(data, metadata, written.get(3).firstBlock(), written.get(3).bytes(), false);
        return written;
    }

    private static byte[] randomBlocks(Random random, int blocks, int blockSize) {
        byte[] bytes = new byte[blocks * blockSize];
        random.nextBytes(bytes);
        return bytes;
    }

    private static void assertReads(Volume volume, long firstBlock, byte[] expected) throws IOException {
        byte[] read = new byte[expected.length];
        volume.readBlocking(firstBlock * volume.blockSizeBytes(), read, 0, read.length);
        assertArrayEquals(expected, read, "blocks from " + firstBlock);
    }

    @ParameterizedTest(name = "separate={0}, block size {1}")
    @CsvSource({"false, 512", "false, 4096", "true, 512", "true, 4096"})
    void aVersion1VolumeWithDataConvertsAndOpensWritable(boolean separate, int blockSize) throws IOException {
        Path data = directory.resolve("v1");
        Path metadata = separate ? directory.resolve("v1.meta") : null;
        VersionOneImage.format(data, metadata, SIZE, blockSize);
        VolumeInfo before = Volume.inspect(data, metadata).info();
        List<Written> written = writeAsVersion1(data, metadata, blockSize, before.dataBlockCount());
        // A block version 1 never wrote holds junk: it has no defined contents, and reads as zeros.
        long neverWritten = 10;
        byte[] junk = randomBlocks(new Random(3), 1, blockSize);
        overwrite(data, before.dataDeviceOffsetBytes(neverWritten), junk);
        long dataSizeBefore = Files.size(data);
        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata).withReadOnly(true))) {
            for (Written range : written) {
                assertReads(volume, range.firstBlock(), range.bytes());
            }
            assertEquals(2, volume.stats().metadataRepairsDeferred(), "two groups left in a crash state (dual)");
        }

        VolumeInfo info = Volume.convert(ConvertOptions.of(data).withMetadataPath(metadata));

        assertEquals(2, info.formatVersion());
        assertEquals(before.uuid(), info.uuid());
        assertEquals(before.dataBlockCount(), info.dataBlockCount(), "the data stays: same blocks");
        assertEquals(Geometry.defaultLogBlockCount(blockSize, before.dataBlockCount()) * blockSize, info.logSizeBytes());
        assertFalse(info.dataZeroed(), "blocks version 1 never wrote may hold anything");
        assertEquals(before.backupSuperblockOffsetBytes() + info.logSizeBytes(), info.backupSuperblockOffsetBytes(),
            "the log sits where version 1's backup was, the backup after it");
        for (long block : new long[] {0, 100, info.dataBlockCount() - 1}) {
            assertEquals(before.dataDeviceOffsetBytes(block), info.dataDeviceOffsetBytes(block), "the seed's mapping holds");
        }
        Path logDevice = separate ? metadata : data;
        assertEquals(info.metadataDeviceMinBytes(), Files.size(logDevice), "the file grew to the new layout exactly");
        if (separate) {
            assertEquals(dataSizeBefore, Files.size(data), "a separate data device keeps its size");
        }
        VolumeInspection inspection = Volume.inspect(data, metadata);
        assertEquals(info, inspection.info());
        assertEquals(List.of(), inspection.warnings());

        byte[] more = randomBlocks(new Random(4), 4, blockSize);
        byte[] overwritten = randomBlocks(new Random(5), 1, blockSize);
        long overwrittenBlock = written.get(2).firstBlock() + 1; // in the group a crash left unsettled
        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata))) {
            assertFalse(volume.isReadOnly());
            for (Written range : written) {
                assertReads(volume, range.firstBlock(), range.bytes());
            }
            assertReads(volume, neverWritten, new byte[blockSize]);
            volume.writeBlocking(200L * blockSize, more, 0, more.length);
            volume.writeBlocking(overwrittenBlock * blockSize, overwritten, 0, overwritten.length);
            volume.writeBlocking(neverWritten * blockSize, overwritten, 0, overwritten.length);
            assertReads(volume, 200, more);
        }
        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata))) {
            for (Written range : written) {
                assertReads(volume, range.firstBlock(), range.bytes());
            }
            assertReads(volume, 200, more);
            assertReads(volume, overwrittenBlock, overwritten);
            assertReads(volume, neverWritten, overwritten);
            assertEquals(0, volume.stats().mismatches());
        }
    }

    /**
     * A version 1 crash state whose data write never landed: the pair's newer copy holds the new
     * tuple, the block its older data. Version 1 resolved it to the older data; a version 2 engine
     * never takes two differing copies for a crash state, so convert resolves such pairs before it
     * converts (FORMAT.md §7.1): the block reads as its older data afterwards, not as an error.
     */
    @ParameterizedTest(name = "separate={0}, block size {1}")
    @CsvSource({"false, 512", "true, 4096"})
    void aVersion1CrashStateWhoseDataNeverLandedReadsAsItsOlderDataAfterConvert(boolean separate, int blockSize)
            throws IOException {
        Path data = directory.resolve("v1");
        Path metadata = separate ? directory.resolve("v1.meta") : null;
        VersionOneImage.format(data, metadata, SIZE, blockSize);
        byte[] older = randomBlocks(new Random(6), 2, blockSize);
        byte[] lost = randomBlocks(new Random(7), 1, blockSize);
        VersionOneImage.write(data, metadata, 40, older, true);
        VersionOneImage.write(data, metadata, 41, lost, false, false); // committed, data never written
        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata).withReadOnly(true))) {
            assertReads(volume, 40, older);
        }

        Volume.convert(ConvertOptions.of(data).withMetadataPath(metadata));

        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata))) {
            assertReads(volume, 40, older);
            byte[] next = randomBlocks(new Random(8), 1, blockSize);
            volume.writeBlocking(41L * blockSize, next, 0, next.length);
            assertReads(volume, 41, next);
        }
    }

    @Test
    void aVersion2VolumeIsLeftAsItIs() throws IOException {
        Path data = directory.resolve("v2");
        VolumeInfo formatted = Volume.format(FormatOptions.of(data).withSizeBytes(SIZE).withBlockSizeBytes(512));
        byte[] before = Files.readAllBytes(data);
        assertEquals(formatted, Volume.convert(ConvertOptions.of(data)), "nothing to do: its info");
        assertEquals(formatted, Volume.convert(ConvertOptions.of(data).withLogSizeBytes(formatted.logSizeBytes())));
        IllegalArgumentException resize = assertThrows(IllegalArgumentException.class,
            () -> Volume.convert(ConvertOptions.of(data).withLogSizeBytes(2 * formatted.logSizeBytes())));
        assertTrue(resize.getMessage().contains("already format version 2, with a tuple log of " + formatted.logSizeBytes()
            + " bytes; convert does not resize a log"), resize.getMessage());
        assertArrayEquals(before, Files.readAllBytes(data), "nothing written");
    }

    @Test
    void aVolumeInUseIsRefusedWritingNothing() throws Exception {
        Path data = directory.resolve("busy");
        VersionOneImage.format(data, null, SIZE, 4096);
        byte[] before = Files.readAllBytes(data);
        try (Volume reader = Volume.open(VolumeOptions.of(data).withReadOnly(true))) {
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> Volume.convert(ConvertOptions.of(data)));
            assertTrue(refused.getMessage().contains("already open as a csum volume in this process"), refused.getMessage());
        }
        try (VolumeLockTest.Child reader = VolumeLockTest.Child.start(data, "hold", "read-only")) {
            IOException refused = assertThrows(IOException.class, () -> Volume.convert(ConvertOptions.of(data)));
            assertTrue(refused.getMessage().contains("in use by another process"), refused.getMessage());
        }
        assertArrayEquals(before, Files.readAllBytes(data), "nothing written");
        assertEquals(1, Volume.inspect(data, null).info().formatVersion());
    }

    @Test
    void whatIsNotAVersion1VolumeOrABadLogSizeIsRefusedWritingNothing() throws IOException {
        Path zeros = directory.resolve("zeros");
        Files.write(zeros, new byte[1 << 20]);
        InvalidVolumeException notAVolume = assertThrows(InvalidVolumeException.class, () -> Volume.convert(ConvertOptions.of(zeros)));
        assertEquals(assertThrows(InvalidVolumeException.class, () -> Volume.inspect(zeros, null)).getMessage(),
            notAVolume.getMessage(), "refused as status and open refuse it");
        assertArrayEquals(new byte[1 << 20], Files.readAllBytes(zeros));

        Path data = directory.resolve("v1");
        VersionOneImage.format(data, null, SIZE, 512);
        byte[] before = Files.readAllBytes(data);
        IllegalArgumentException unaligned = assertThrows(IllegalArgumentException.class,
            () -> Volume.convert(ConvertOptions.of(data).withLogSizeBytes(16 * 512 + 100)));
        assertEquals("log size 8292 bytes is not a multiple of the block size, 512 bytes", unaligned.getMessage());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
            () -> Volume.convert(ConvertOptions.of(data).withLogSizeBytes(15 * 512)));
        assertEquals("log size 7680 bytes is below the minimum of 16 blocks, 8192 bytes", small.getMessage());
        assertArrayEquals(before, Files.readAllBytes(data), "nothing written");

        long oldBackup = Volume.inspect(data, null).info().backupSuperblockOffsetBytes();
        VolumeInfo info = Volume.convert(ConvertOptions.of(data).withLogSizeBytes(16 * 512));
        assertEquals(16 * 512, info.logSizeBytes(), "a log of a given size");
        assertEquals(oldBackup + 16 * 512, info.backupSuperblockOffsetBytes());
        assertEquals(info.metadataDeviceMinBytes(), Files.size(data));
    }

    private static void overwrite(Path file, long offsetBytes, byte[] bytes) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offsetBytes);
            raf.write(bytes);
        }
    }
}
