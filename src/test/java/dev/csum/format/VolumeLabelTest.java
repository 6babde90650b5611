package dev.csum.format;

import static dev.csum.format.SuperblockEdits.flipBit;
import static dev.csum.format.SuperblockEdits.putIntSealed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.checksum.ChecksumAlgorithm;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Open-time validation: every refusal has a clear message and leaves the files byte for byte unchanged. */
class VolumeLabelTest {

    @TempDir
    Path dir;

    private Superblock format(Path data, Path metadata, long size, int blockSize) throws IOException {
        return VolumeFormatter.format(new VolumeFormatter.Request(data, metadata, size, blockSize, ChecksumAlgorithm.CRC32C, false));
    }

    /** Asserts {@code read} refuses with a message containing {@code expected} and writes nothing to either file. */
    static InvalidVolumeException assertRefused(String expected, Path data, Path metadata) throws IOException {
        byte[] dataBefore = Files.readAllBytes(data);
        byte[] metadataBefore = metadata == null ? null : Files.readAllBytes(metadata);
        InvalidVolumeException e = assertThrows(InvalidVolumeException.class, () -> VolumeLabel.read(data, metadata));
        assertTrue(e.getMessage().contains(expected), "message: " + e.getMessage());
        assertArrayEquals(dataBefore, Files.readAllBytes(data), "data file unchanged");
        if (metadata != null) {
            assertArrayEquals(metadataBefore, Files.readAllBytes(metadata), "metadata file unchanged");
        }
        return e;
    }

    @Test
    void fileOfZerosIsNotAVolume() throws IOException {
        Path file = dir.resolve("zeros");
        Files.write(file, new byte[1 << 20]);
        InvalidVolumeException e = assertRefused("not a csum volume (bad magic)", file, null);
        assertTrue(e.getMessage().startsWith(file.toString()), "names the device: " + e.getMessage());
    }

    @Test
    void fileOfRandomBytesIsNotAVolume() throws IOException {
        Path file = dir.resolve("random");
        byte[] bytes = new byte[1 << 20];
        new Random(11).nextBytes(bytes);
        Files.write(file, bytes);
        assertRefused("not a csum volume (bad magic)", file, null);
        Path empty = dir.resolve("empty");
        Files.write(empty, new byte[0]);
        assertRefused("truncated", empty, null);
    }

    @Test
    void truncatedVolumeIsRefused() throws IOException {
        Path file = dir.resolve("vol");
        Superblock superblock = format(file, null, 4L << 20, 4096);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(3L << 20);
        }
        assertRefused("truncated: device is 3145728 bytes, volume needs " + superblock.geometry().dataFileSizeBytes(), file, null);
    }

    @Test
    void unsupportedFormatVersionIsRefused() throws IOException {
        Path file = dir.resolve("vol");
        Superblock superblock = format(file, null, 1L << 20, 512);
        // Both copies intact (checksums recomputed) and of version 7, as a future csum would write them.
        putIntSealed(file, 0, 512, Superblock.FORMAT_VERSION_OFFSET, 7);
        putIntSealed(file, superblock.geometry().backupSuperblockOffsetBytes(), 512, Superblock.FORMAT_VERSION_OFFSET, 7);
        assertRefused("unsupported format version 7 (this build reads 1 and 2)", file, null);
    }

    @Test
    void everyBitFlipInThePrimaryFallsBackToTheBackup() throws IOException {
        for (int blockSize : new int[] {512, 4096}) {
            Path file = dir.resolve("vol" + blockSize);
            Superblock superblock = format(file, null, 4L << 20, blockSize);
            // Every bit of the encoded fields, and a sample of the zero tail.
            for (long bit = 0; bit < blockSize * 8L; bit += bit < Superblock.ENCODED_BYTES * 8 ? 1 : 97) {
                flipBit(file, bit);
                byte[] before = superblockRegions(file);
                VolumeLabel.Opened opened = VolumeLabel.read(file, null);
                assertArrayEquals(before, superblockRegions(file), "nothing written");
                assertEquals(superblock, opened.superblock(), "bit " + bit);
                assertTrue(opened.usedBackup(), "bit " + bit);
                assertEquals(1, opened.warnings().size());
                assertTrue(opened.warnings().get(0).contains("primary superblock invalid"), opened.warnings().get(0));
                flipBit(file, bit);
            }
            assertFalse(VolumeLabel.read(file, null).usedBackup());
        }
    }

    /** The first and last 16 KiB of a file: where superblocks live. */
    private static byte[] superblockRegions(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        byte[] regions = new byte[32 * 1024];
        System.arraycopy(all, 0, regions, 0, 16 * 1024);
        System.arraycopy(all, all.length - 16 * 1024, regions, 16 * 1024, 16 * 1024);
        return regions;
    }

    @Test
    void damagedBackupIsAWarningAndBothDamagedIsARefusal() throws IOException {
        Path file = dir.resolve("vol");
        Superblock superblock = format(file, null, 4L << 20, 4096);
        long backup = superblock.geometry().backupSuperblockOffsetBytes();
        flipBit(file, backup * 8 + 200);
        VolumeLabel.Opened opened = VolumeLabel.read(file, null);
        assertFalse(opened.usedBackup());
        assertEquals(1, opened.warnings().size());
        assertTrue(opened.warnings().get(0).contains("backup superblock at byte " + backup + " invalid"), opened.warnings().get(0));
        flipBit(file, 200);
        assertRefused("superblock checksum mismatch", file, null);
    }

    @Test
    void separateMetadataDeviceOfAnotherVolumeIsRefused() throws IOException {
        Path dataA = dir.resolve("dataA");
        Path metaA = dir.resolve("metaA");
        Path dataB = dir.resolve("dataB");
        Path metaB = dir.resolve("metaB");
        Superblock a = format(dataA, metaA, 4L << 20, 4096);
        Superblock b = format(dataB, metaB, 4L << 20, 4096);
        assertRefused("metadata device " + metaB + " belongs to volume " + b.volumeUuid() + ", data device " + dataA + " to " + a.volumeUuid(),
                dataA, metaB);
        assertEquals(a, VolumeLabel.read(dataA, metaA).superblock());
    }

    @Test
    void devicesMustBeOpenedInTheirRoles() throws IOException {
        Path data = dir.resolve("data");
        Path metadata = dir.resolve("meta");
        Path combined = dir.resolve("combined");
        Path otherData = dir.resolve("otherData");
        format(data, metadata, 4L << 20, 512);
        format(otherData, dir.resolve("otherMeta"), 4L << 20, 512);
        format(combined, null, 4L << 20, 512);
        assertRefused("keeps its metadata on a separate device; give the metadata device's path too", data, null);
        assertRefused("is the metadata device of volume", metadata, null);
        assertRefused("keeps its metadata interleaved; open it without a metadata device", combined, metadata);
        assertRefused("is the data device of volume", data, otherData);
        assertRefused("is the metadata device of volume", metadata, data);
        assertRefused("keeps its metadata interleaved", data, combined);
    }

    @Test
    void separateVolumeFallsBackToCopiesOfDamagedSuperblocks() throws IOException {
        Path data = dir.resolve("data");
        Path metadata = dir.resolve("meta");
        Superblock superblock = format(data, metadata, 4L << 20, 4096);
        flipBit(metadata, 8 * 20);
        VolumeLabel.Opened opened = VolumeLabel.read(data, metadata);
        assertEquals(superblock, opened.superblock());
        assertTrue(opened.usedBackup());
        flipBit(metadata, 8 * 20);
        flipBit(data, 3); // in the magic: damaged, still recognisable
        opened = VolumeLabel.read(data, metadata);
        assertEquals(superblock, opened.superblock());
        assertTrue(opened.usedBackup());
        assertTrue(opened.warnings().get(0).contains("using the metadata device's copy"), opened.warnings().get(0));
        // A data device that was never a volume is not adopted.
        Files.write(data, new byte[(int) Files.size(data)]);
        assertRefused("not a csum volume (bad magic)", data, metadata);
    }

    @Test
    void truncatedSeparateDevicesAreRefused() throws IOException {
        Path data = dir.resolve("data");
        Path metadata = dir.resolve("meta");
        Superblock superblock = format(data, metadata, 4L << 20, 4096);
        try (RandomAccessFile raf = new RandomAccessFile(data.toFile(), "rw")) {
            raf.setLength(2L << 20);
        }
        assertRefused("truncated: device is 2097152 bytes, volume needs " + superblock.geometry().dataFileSizeBytes(), data, metadata);
    }

    @Test
    void missingFilesAreNamed() {
        InvalidVolumeException e = assertThrows(InvalidVolumeException.class, () -> VolumeLabel.read(dir.resolve("nope"), null));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }
}
