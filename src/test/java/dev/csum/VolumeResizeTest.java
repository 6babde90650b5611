package dev.csum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.format.LogRecord;
import dev.csum.format.Superblock;
import dev.csum.format.VersionOneImage;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Volume#resize}: a 64 MiB volume with data grows to 1 GiB in place — every block written reads
 * back verified, the new space reads as zeros and takes writes, the log sequence never goes back —
 * and every bad input is refused with the devices unchanged (docs/FORMAT.md §7.2). The crash states
 * are in {@code VolumeResizerTest} and {@code ResizeSimulatedCrashTest}.
 */
class VolumeResizeTest {
    private static final long OLD_SIZE = 64L << 20;
    private static final long NEW_SIZE = 1L << 30;
    private static final long SMALL = 4L << 20;
    /** Every this many blocks of the old volume is written. */
    private static final long STRIDE = 97;

    @TempDir
    Path directory;

    /** Block {@code block}'s recognisable contents: its number and a salt in every 8 bytes. */
    private static byte[] pattern(long block, int blockSize, long salt) {
        ByteBuffer bytes = ByteBuffer.allocate(blockSize).order(ByteOrder.LITTLE_ENDIAN);
        while (bytes.hasRemaining()) {
            bytes.putLong(block * 1_000_003L + salt + bytes.position());
        }
        return bytes.array();
    }

    private static long[] writtenBlocks(long dataBlocks) {
        long count = (dataBlocks - 1) / STRIDE + 1;
        long[] blocks = new long[(int) count + 1];
        for (int i = 0; i < count; i++) {
            blocks[i] = i * STRIDE;
        }
        blocks[(int) count] = dataBlocks - 1; // the old last block, in the old (partial) last group
        return blocks;
    }

    private static long storedCeiling(Path metadataDevice) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(metadataDevice.toFile(), "r")) {
            byte[] bytes = new byte[8];
            file.seek(Superblock.SEQUENCE_CEILING_OFFSET);
            file.readFully(bytes);
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }
    }

    @ParameterizedTest(name = "separate={0}, block size {1}")
    @CsvSource({"false, 4096", "false, 512", "true, 4096", "true, 512"})
    void a64MiBVolumeWithDataGrowsTo1GiB(boolean separate, int blockSize) throws IOException {
        Path data = directory.resolve("vol");
        Path metadata = separate ? directory.resolve("vol.meta") : null;
        Path metadataDevice = separate ? metadata : data;
        VolumeInfo before = Volume.format(FormatOptions.of(data).withMetadataPath(metadata).withSizeBytes(OLD_SIZE)
            .withBlockSizeBytes(blockSize));
        long[] written = writtenBlocks(before.dataBlockCount());
        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata))) {
            for (long block : written) {
                volume.writeBlocking(block * blockSize, pattern(block, blockSize, 1), 0, blockSize);
            }
        }
        long ceilingBefore = storedCeiling(metadataDevice);
        assertTrue(ceilingBefore > 0, "the sessions stored a ceiling");

        VolumeInfo after = Volume.resize(ResizeOptions.of(data, NEW_SIZE).withMetadataPath(metadata));

        assertEquals(NEW_SIZE, Files.size(data));
        assertEquals(before.uuid(), after.uuid());
        assertEquals(before.logSizeBytes(), after.logSizeBytes(), "the log keeps its length");
        assertEquals(before.dataZeroed(), after.dataZeroed());
        long expectedBlocks = separate ? NEW_SIZE / blockSize - 1
            : dev.csum.format.Geometry.dataBlocksFitting(NEW_SIZE, blockSize,
                dev.csum.format.MetadataPlacement.INTERLEAVED, before.logSizeBytes() / blockSize);
        assertEquals(expectedBlocks, after.dataBlockCount());
        assertEquals(after, Volume.inspect(data, metadata).info());
        assertTrue(Volume.inspect(data, metadata).warnings().isEmpty(), Volume.inspect(data, metadata).warnings().toString());
        assertTrue(storedCeiling(metadataDevice) >= ceilingBefore, "the log sequence ceiling never goes back");

        long newLast = after.dataBlockCount() - 1;
        long oldEnd = before.dataBlockCount();
        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata))) {
            assertEquals(after.usableBytes(), volume.sizeBytes());
            byte[] read = new byte[blockSize];
            for (long block : written) {
                volume.readBlocking(block * blockSize, read, 0, blockSize);
                assertArrayEquals(pattern(block, blockSize, 1), read, "old block " + block);
            }
            byte[] zeros = new byte[256 * blockSize];
            byte[] chunk = new byte[zeros.length];
            for (long first : new long[] {oldEnd, oldEnd + 300, after.dataBlockCount() / 2, after.dataBlockCount() - 256}) {
                volume.readBlocking(first * blockSize, chunk, 0, chunk.length);
                assertArrayEquals(zeros, chunk, "new space from block " + first);
            }
            for (long block : new long[] {oldEnd, oldEnd + 1, after.dataBlockCount() / 2, newLast}) {
                volume.writeBlocking(block * blockSize, pattern(block, blockSize, 2), 0, blockSize);
            }
            volume.writeBlocking(written[1] * blockSize, pattern(written[1], blockSize, 2), 0, blockSize);
        }
        assertFirstRecordAtOrAbove(metadataDevice, after, ceilingBefore);
        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata).withReadOnly(true))) {
            byte[] read = new byte[blockSize];
            for (long block : new long[] {oldEnd, oldEnd + 1, after.dataBlockCount() / 2, newLast, written[1]}) {
                volume.readBlocking(block * blockSize, read, 0, blockSize);
                assertArrayEquals(pattern(block, blockSize, 2), read, "block " + block + " after reopening");
            }
            volume.readBlocking(written[2] * blockSize, read, 0, blockSize);
            assertArrayEquals(pattern(written[2], blockSize, 1), read);
        }
    }

    /** The grown volume's first log record (at the region's first block) has a sequence at or above the old ceiling. */
    private static void assertFirstRecordAtOrAbove(Path metadataDevice, VolumeInfo info, long ceiling) throws IOException {
        long logOffset = info.backupSuperblockOffsetBytes() - info.logSizeBytes();
        byte[] block = new byte[info.blockSizeBytes()];
        try (RandomAccessFile file = new RandomAccessFile(metadataDevice.toFile(), "r")) {
            file.seek(logOffset);
            file.readFully(block);
        }
        MemorySegment record = MemorySegment.ofArray(block);
        assertEquals(LogRecord.MAGIC, record.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0), "a record at the log's start");
        assertTrue(LogRecord.sequence(record) >= ceiling, LogRecord.sequence(record) + " < " + ceiling);
    }

    @ParameterizedTest(name = "separate={0}")
    @CsvSource({"false", "true"})
    void a64MiBVolumeShrinksTo16MiBOverBlocksNeverWritten(boolean separate) throws IOException {
        Path data = directory.resolve("vol");
        Path metadata = separate ? directory.resolve("vol.meta") : null;
        VolumeInfo before = Volume.format(FormatOptions.of(data).withMetadataPath(metadata).withSizeBytes(OLD_SIZE));
        // Written blocks all below the new end (interleaved, the log the volume keeps takes room from the data).
        long kept = (16L << 20) / 4096 - 600 - before.logSizeBytes() / 4096;
        long[] written = writtenBlocks(kept);
        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata))) {
            for (long block : written) {
                volume.writeBlocking(block * 4096, pattern(block, 4096, 1), 0, 4096);
            }
        }
        long ceilingBefore = storedCeiling(separate ? metadata : data);

        VolumeInfo after = Volume.resize(ResizeOptions.of(data, 16L << 20).withMetadataPath(metadata));

        assertEquals(16L << 20, Files.size(data), "the file cut to the size asked");
        if (separate) {
            assertEquals(after.metadataDeviceMinBytes(), Files.size(metadata));
        }
        assertEquals(after, Volume.inspect(data, metadata).info());
        assertTrue(Volume.inspect(data, metadata).warnings().isEmpty(), Volume.inspect(data, metadata).warnings().toString());
        assertTrue(storedCeiling(separate ? metadata : data) >= ceilingBefore, "the log sequence ceiling never goes back");
        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata))) {
            assertEquals(after.usableBytes(), volume.sizeBytes());
            byte[] read = new byte[4096];
            for (long block : written) {
                volume.readBlocking(block * 4096, read, 0, 4096);
                assertArrayEquals(pattern(block, 4096, 1), read, "block " + block);
            }
            volume.writeBlocking(volume.sizeBytes() - 4096, pattern(7, 4096, 2), 0, 4096);
        }
        assertFirstRecordAtOrAbove(separate ? metadata : data, after, ceilingBefore);
        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata).withReadOnly(true))) {
            byte[] read = new byte[4096];
            volume.readBlocking(volume.sizeBytes() - 4096, read, 0, 4096);
            assertArrayEquals(pattern(7, 4096, 2), read, "the new last block");
        }
    }

    private static String digest(Path... paths) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path path : paths) {
                if (path != null) {
                    sha.update(Files.readAllBytes(path));
                    sha.update(Long.toString(Files.size(path)).getBytes());
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void badInputsAreRefusedWithNothingChanged() throws IOException {
        Path data = directory.resolve("small");
        Path metadata = directory.resolve("small.meta");
        VolumeInfo info = Volume.format(FormatOptions.of(data).withSizeBytes(SMALL));
        Volume.format(FormatOptions.of(directory.resolve("sep")).withMetadataPath(metadata).withSizeBytes(SMALL));
        try (Volume volume = Volume.open(VolumeOptions.of(data))) {
            volume.writeBlocking(0, pattern(0, 4096, 3), 0, 4096);
            volume.writeBlocking(volume.sizeBytes() - 4096, pattern(1, 4096, 3), 0, 4096);
        }
        String before = digest(data, metadata);

        IllegalArgumentException shrink = assertThrows(IllegalArgumentException.class,
            () -> Volume.resize(ResizeOptions.of(data, SMALL / 2)));
        assertEquals("shrinking would cut off block " + (info.dataBlockCount() - 1) + ", which was written; a volume shrinks"
            + " only over blocks never written (nothing cut)", shrink.getMessage());
        IllegalArgumentException nothingLeft = assertThrows(IllegalArgumentException.class,
            () -> Volume.resize(ResizeOptions.of(data, 64 * 4096)));
        assertTrue(nothingLeft.getMessage().contains("hold no data block"), nothingLeft.getMessage());
        assertEquals(info, Volume.resize(ResizeOptions.of(data, SMALL)), "already that size: nothing to do");
        assertEquals(info, Volume.resize(ResizeOptions.of(data, 0)), "the whole file: already that size");
        assertThrows(IllegalArgumentException.class, () -> ResizeOptions.of(data, -1));
        assertThrows(IllegalArgumentException.class, () -> Volume.resize(ResizeOptions.of(data, 2 * SMALL).withMetadataPath(data)));
        assertThrows(NoSuchFileException.class, () -> Volume.resize(ResizeOptions.of(directory.resolve("none"), 2 * SMALL)));
        InvalidVolumeException separate = assertThrows(InvalidVolumeException.class,
            () -> Volume.resize(ResizeOptions.of(directory.resolve("sep"), 2 * SMALL)));
        assertTrue(separate.getMessage().contains("metadata"), separate.getMessage());
        try (Volume open = Volume.open(VolumeOptions.of(data))) {
            assertThrows(IllegalStateException.class, () -> Volume.resize(ResizeOptions.of(data, 2 * SMALL)));
        }
        assertEquals(before, digest(data, metadata), "nothing written");

        try (RandomAccessFile file = new RandomAccessFile(data.toFile(), "rw")) {
            file.setLength(2 * SMALL);
        }
        VolumeInfo grown = Volume.resize(ResizeOptions.of(data, SMALL + SMALL / 2));
        assertTrue(grown.dataBlockCount() > info.dataBlockCount());
        assertEquals(SMALL + SMALL / 2, Files.size(data), "a file longer than the size asked is cut, past the volume");
        try (RandomAccessFile file = new RandomAccessFile(data.toFile(), "rw")) {
            file.setLength(2 * SMALL);
        }
        assertTrue(Volume.resize(ResizeOptions.of(data, 0)).dataBlockCount() > grown.dataBlockCount(), "the whole file");
    }

    /** A discarded block holds no data, but its tuple is not empty: this build does not cut it (FORMAT §7.3). */
    @Test
    void aShrinkOverADiscardedBlockIsRefusedSayingSo() throws IOException {
        Path data = directory.resolve("discarded");
        VolumeInfo info = Volume.format(FormatOptions.of(data).withSizeBytes(SMALL));
        try (Volume volume = Volume.open(VolumeOptions.of(data))) {
            volume.discardBlocking(volume.sizeBytes() - 4096, 4096);
        }
        String before = digest(data);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> Volume.resize(ResizeOptions.of(data, SMALL / 2)));
        assertEquals("shrinking would cut off block " + (info.dataBlockCount() - 1) + ", which was discarded (its tuple is not"
            + " empty); a volume shrinks only over blocks never written (nothing cut)", refused.getMessage());
        assertEquals(before, digest(data));
    }

    /**
     * A file the process may not write: mode 0444, and for root (who writes that anyway) also the
     * immutable attribute ({@code chattr +i}, which stops root too on ext4, xfs and btrfs).
     */
    @Test
    void aReadOnlyFileIsRefused() throws Exception {
        Path data = directory.resolve("ro");
        Volume.format(FormatOptions.of(data).withSizeBytes(SMALL));
        String before = digest(data);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("r--r--r--"));
        boolean immutable = Files.isWritable(data) && run("chattr", "+i", data.toString());
        try {
            assertFalse(Files.isWritable(data), "neither mode 0444 nor chattr +i made the file read-only here");
            IllegalArgumentException readOnly = assertThrows(IllegalArgumentException.class,
                () -> Volume.resize(ResizeOptions.of(data, 2 * SMALL)));
            assertTrue(readOnly.getMessage().contains("not writable"), readOnly.getMessage());
        } finally {
            if (immutable) {
                run("chattr", "-i", data.toString());
            }
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rw-r--r--"));
        }
        assertEquals(before, digest(data));
    }

    private static boolean run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        return process.waitFor() == 0;
    }

    @Test
    void aVersion1VolumeIsToldToConvertFirst() throws IOException {
        Path data = directory.resolve("v1");
        VersionOneImage.format(data, null, SMALL, 4096);
        String before = digest(data);
        InvalidVolumeException refused = assertThrows(InvalidVolumeException.class,
            () -> Volume.resize(ResizeOptions.of(data, 2 * SMALL)));
        assertTrue(refused.getMessage().contains("csum convert"), refused.getMessage());
        assertEquals(before, digest(data));
    }
}
