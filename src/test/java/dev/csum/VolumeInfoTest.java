package dev.csum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.checksum.ChecksumAlgorithm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Volume#format(FormatOptions)}, {@link Volume#info()} and {@link Volume#inspect} speak API types only. */
class VolumeInfoTest {
    @TempDir
    Path directory;

    @Test
    void formatReturnsTheInfoThatOpenAndInspectReport() throws IOException {
        Path data = directory.resolve("data");
        Path metadata = directory.resolve("metadata");
        VolumeInfo formatted = Volume.format(FormatOptions.of(data).withMetadataPath(metadata)
            .withSizeBytes(8L << 20).withBlockSizeBytes(512).withChecksum(Checksum.CRC16_T10DIF));

        assertEquals(512, formatted.blockSizeBytes());
        assertEquals(Checksum.CRC16_T10DIF, formatted.checksum());
        assertEquals(MetadataPlacement.SEPARATE, formatted.metadataPlacement());
        assertEquals(formatted.dataBlockCount() * 512, formatted.usableBytes());
        assertTrue(formatted.usableBytes() > (8L << 20) - 4096 && formatted.usableBytes() < (8L << 20),
            "a separate data device is all data but its superblock: " + formatted);
        assertEquals(2 * formatted.groupCount(), formatted.metadataBlockCount());
        assertEquals(formatted.metadataDeviceMinBytes() - 512, formatted.backupSuperblockOffsetBytes());
        assertEquals(2, formatted.formatVersion());
        // The default log: a sixteenth of the data here (1/64 is less, 64 MiB more): 16,383 blocks of 512
        // bytes make 1,024 log blocks; on the metadata device, after the pairs.
        assertEquals(512L << 10, formatted.logSizeBytes());
        assertEquals((1 + 2 * formatted.groupCount()) * 512 + formatted.logSizeBytes(), formatted.backupSuperblockOffsetBytes());
        // A separate data device holds its superblock in block 0, then every data block in order.
        assertEquals(512, formatted.dataDeviceOffsetBytes(0));
        assertEquals(512 * 11, formatted.dataDeviceOffsetBytes(10));

        VolumeInspection inspection = Volume.inspect(data, metadata);
        assertEquals(formatted, inspection.info());
        assertFalse(inspection.usedBackupSuperblock());
        assertEquals(java.util.List.of(), inspection.warnings());
        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata))) {
            assertEquals(formatted, volume.info());
            assertEquals(formatted.usableBytes(), volume.sizeBytes());
        }
    }

    @Test
    void formatWithoutASizeTakesTheExistingFilesSize() throws IOException {
        Path data = directory.resolve("existing");
        Files.write(data, new byte[0]);
        try (var channel = java.nio.channels.FileChannel.open(data, java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(0).write(java.nio.ByteBuffer.allocate(1), (4L << 20) - 1);
        }
        VolumeInfo info = Volume.format(FormatOptions.of(data));
        assertEquals(4096, info.blockSizeBytes());
        assertEquals(Checksum.CRC32C, info.checksum());
        assertEquals(MetadataPlacement.INTERLEAVED, info.metadataPlacement());
        assertEquals(4L << 20, Files.size(data));
        assertTrue(info.dataDeviceMinBytes() <= 4L << 20, info.toString());
        assertEquals(256L << 10, info.logSizeBytes(), "a 4 MiB volume's log: the default's 256 KiB floor");
        assertEquals(info.dataDeviceMinBytes() - 4096 - info.logSizeBytes(),
            (1 + 2 * info.groupCount() + info.dataBlockCount()) * 4096, "the log between the last group and the backup");
        assertEquals(info.dataDeviceMinBytes(), info.metadataDeviceMinBytes(), "interleaved: one device holds both");
        // Interleaved: block 0 is the superblock, then group 0's imd pair, then its data blocks.
        assertEquals(3 * 4096, info.dataDeviceOffsetBytes(0));
        assertThrows(IndexOutOfBoundsException.class, () -> info.dataDeviceOffsetBytes(info.dataBlockCount()));
    }

    @Test
    void formatRefusesADeviceHoldingDataUnlessToldToOverwrite() throws IOException {
        Path data = directory.resolve("full");
        byte[] old = new byte[4 << 20];
        java.util.Arrays.fill(old, (byte) 0x5A);
        Files.write(data, old);
        InvalidVolumeException refused = assertThrows(InvalidVolumeException.class,
            () -> Volume.format(FormatOptions.of(data)));
        assertTrue(refused.getMessage().contains("non-zero"), refused.getMessage());
        assertEquals(java.util.Arrays.hashCode(old), java.util.Arrays.hashCode(Files.readAllBytes(data)));
        assertEquals(Checksum.CRC32C, Volume.format(FormatOptions.of(data).withOverwrite(true)).checksum());
    }

    @Test
    void whatIsNotAVolumeIsRefusedWithTheApisInvalidVolumeException() throws IOException {
        Path zeros = directory.resolve("zeros");
        Files.write(zeros, new byte[1 << 20]);
        InvalidVolumeException opening = assertThrows(InvalidVolumeException.class,
            () -> Volume.open(VolumeOptions.of(zeros)));
        assertTrue(opening.getMessage().contains("not a csum volume"), opening.getMessage());
        assertThrows(InvalidVolumeException.class, () -> Volume.inspect(zeros, null));
        assertEquals(java.util.Arrays.hashCode(new byte[1 << 20]), java.util.Arrays.hashCode(Files.readAllBytes(zeros)));
    }

    @Test
    void formatOptionsRefuseBadValuesWhenBuilt() {
        FormatOptions options = FormatOptions.of(directory.resolve("x"));
        assertEquals(OptionalLong.empty(), options.sizeBytes(), "the default is the existing size");
        assertEquals(OptionalLong.of(1L << 20), options.withSizeBytes(1L << 20).sizeBytes());
        assertEquals(OptionalLong.empty(), options.withSizeBytes(1L << 20).withExistingSize().sizeBytes());
        assertThrows(IllegalArgumentException.class, () -> options.withSizeBytes(0));
        assertThrows(IllegalArgumentException.class, () -> options.withSizeBytes(-1));
        assertThrows(IllegalArgumentException.class, () -> options.withBlockSizeBytes(1024));
        assertThrows(NullPointerException.class, () -> options.withChecksum(null));
        assertThrows(NullPointerException.class, () -> FormatOptions.of(null));
        assertEquals(0, options.logSizeBytes(), "the default log size");
        assertEquals(1L << 20, options.withLogSizeBytes(1L << 20).logSizeBytes());
        assertThrows(IllegalArgumentException.class, () -> options.withLogSizeBytes(-4096));
    }

    @Test
    void aLogSizeIsCheckedAgainstTheBlockSizeAndTheDeviceBeforeAnythingIsWritten() throws IOException {
        Path data = directory.resolve("log");
        FormatOptions options = FormatOptions.of(data).withSizeBytes(8L << 20);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Volume.format(options.withLogSizeBytes(6000)));
        assertTrue(e.getMessage().contains("not a multiple of the block size"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Volume.format(options.withLogSizeBytes(15 * 4096)));
        assertTrue(e.getMessage().contains("below the minimum of 16 blocks"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Volume.format(options.withLogSizeBytes(8L << 20)));
        assertTrue(e.getMessage().contains("too small"), e.getMessage());
        assertFalse(Files.exists(data), "nothing was created");
        VolumeInfo info = Volume.format(options.withLogSizeBytes(64 * 4096));
        assertEquals(64 * 4096, info.logSizeBytes());
        assertEquals(info, Volume.inspect(data, null).info());
    }

    @Test
    void everyApiChecksumStandsForTheInternalAlgorithmOfTheSameName() {
        assertEquals(ChecksumAlgorithm.values().length, Checksum.values().length);
        assertEquals(java.util.List.of("crc32c", "crc16-ccitt", "crc16-t10dif"),
            java.util.Arrays.stream(Checksum.values()).map(Checksum::displayName).toList());
        for (Checksum checksum : Checksum.values()) {
            ChecksumAlgorithm algorithm = ApiMapping.algorithm(checksum);
            assertEquals(checksum.displayName(), algorithm.displayName());
            assertEquals(checksum, ApiMapping.checksum(algorithm));
            assertEquals(checksum, Checksum.fromName(checksum.displayName().toUpperCase(java.util.Locale.ROOT)));
        }
        assertThrows(IllegalArgumentException.class, () -> Checksum.fromName("md5"));
        for (MetadataPlacement placement : MetadataPlacement.values()) {
            assertEquals(placement, ApiMapping.placement(ApiMapping.placement(placement)));
        }
    }
}
