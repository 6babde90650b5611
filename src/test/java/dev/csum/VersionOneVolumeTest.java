package dev.csum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.format.DeviceRole;
import dev.csum.format.Geometry;
import dev.csum.format.Superblock;
import dev.csum.format.VersionOneImage;
import dev.csum.internal.VolumeInternals;
import dev.csum.io.IoPort;
import dev.csum.io.SimulatedDisk;
import java.lang.foreign.MemorySegment;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A build of format version 2 never misreads a volume of version 1 (docs/FORMAT.md §7): it opens
 * one read-only exactly as before, and refuses a writable open, before writing anything, with one line.
 */
class VersionOneVolumeTest {
    static final String REFUSAL = "format version 1 volume: open it read-only, or run 'csum convert VOLUME' to add the tuple log"
        + " (format version 2)";

    @TempDir
    Path directory;

    @Test
    void aVersion1VolumeOpensReadOnlyAndItsWritableOpenIsRefusedWritingNothing() throws IOException {
        for (boolean separate : new boolean[] {false, true}) {
            Path data = directory.resolve("v1-" + separate);
            Path metadata = separate ? directory.resolve("v1-" + separate + ".meta") : null;
            VersionOneImage.format(data, metadata, 4L << 20, 4096);
            VolumeInspection inspection = Volume.inspect(data, metadata);
            assertEquals(1, inspection.info().formatVersion());
            assertEquals(0, inspection.info().logSizeBytes());

            byte[] dataBefore = Files.readAllBytes(data);
            byte[] metadataBefore = separate ? Files.readAllBytes(metadata) : null;
            InvalidVolumeException refused = assertThrows(InvalidVolumeException.class,
                () -> Volume.open(VolumeOptions.of(data).withMetadataPath(metadata)));
            assertEquals(REFUSAL, refused.getMessage());
            assertArrayEquals(dataBefore, Files.readAllBytes(data), "refused: nothing written");
            if (separate) {
                assertArrayEquals(metadataBefore, Files.readAllBytes(metadata), "refused: nothing written");
            }

            try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata).withReadOnly(true))) {
                assertEquals(inspection.info(), volume.info());
                byte[] block = new byte[4096];
                volume.readBlocking(4096L * 100, block, 0, block.length);
                assertArrayEquals(new byte[4096], block, "never written: zeros, as version 1 reads it");
            }
        }
    }

    @Test
    void dataWrittenUnderTheSameLayoutReadsBackFromTheVersion1Volume() throws IOException {
        Path data = directory.resolve("downgraded");
        Volume.format(FormatOptions.of(data).withSizeBytes(4L << 20).withBlockSizeBytes(512));
        byte[] written = new byte[8 * 512];
        new Random(7).nextBytes(written);
        try (Volume volume = Volume.open(VolumeOptions.of(data))) {
            volume.writeBlocking(512L * 1000, written, 0, written.length);
        }
        VersionOneImage.downgrade(data, null);
        try (Volume volume = Volume.open(VolumeOptions.of(data).withReadOnly(true))) {
            assertEquals(1, volume.info().formatVersion());
            byte[] read = new byte[written.length];
            volume.readBlocking(512L * 1000, read, 0, read.length);
            assertArrayEquals(written, read);
        }
        assertThrows(InvalidVolumeException.class, () -> Volume.open(VolumeOptions.of(data)));
    }

    /** A writable open would put a damaged primary back from the backup: not on a version 1 volume. */
    @Test
    void aDamagedVersion1PrimaryIsNotRestoredByARefusedWritableOpen() throws IOException {
        Path data = directory.resolve("damaged");
        VersionOneImage.format(data, null, 4L << 20, 4096);
        try (RandomAccessFile file = new RandomAccessFile(data.toFile(), "rw")) {
            file.seek(100);
            file.write(0x5a); // a reserved byte: the checksum no longer verifies
        }
        byte[] before = Files.readAllBytes(data);
        InvalidVolumeException refused = assertThrows(InvalidVolumeException.class, () -> Volume.open(VolumeOptions.of(data)));
        assertEquals(REFUSAL, refused.getMessage());
        assertArrayEquals(before, Files.readAllBytes(data), "the damaged primary is left as it was");
        try (Volume volume = Volume.open(VolumeOptions.of(data).withReadOnly(true))) {
            assertEquals(1, volume.info().formatVersion());
            assertTrue(volume.openWarnings().stream().anyMatch(w -> w.contains("using the backup")), volume.openWarnings().toString());
        }
        assertArrayEquals(before, Files.readAllBytes(data), "a read-only open writes nothing either");
    }

    /** Opening on a port (the test kit, the torture harness) follows the same rule. */
    @Test
    void aVersion1VolumeOnAPortOpensReadOnlyOnly() throws IOException {
        SimulatedDisk disk = SimulatedDisk.builder(3).dataFileBytes(1L << 20).build();
        Superblock version1 = new Superblock(Superblock.FORMAT_VERSION_1, new UUID(1, 2), 512, ChecksumAlgorithm.CRC32C,
            Geometry.dataBlocksFitting(1L << 20, 512, dev.csum.format.MetadataPlacement.INTERLEAVED, 0),
            dev.csum.format.MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED, 0, 0);
        byte[] block = new byte[512];
        version1.encode(MemorySegment.ofArray(block));
        disk.writeRaw(IoPort.DATA_FILE, 0, block);
        disk.writeRaw(IoPort.DATA_FILE, version1.geometry().backupSuperblockOffsetBytes(), block);
        InvalidVolumeException refused = assertThrows(InvalidVolumeException.class,
            () -> VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("sim")), true));
        assertEquals(REFUSAL, refused.getMessage());
        try (Volume volume = VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("sim")).withReadOnly(true), true)) {
            assertEquals(1, volume.info().formatVersion());
        }
    }

    @Test
    void formatRefusesToOverwriteAVersion1VolumeUnlessTold() throws IOException {
        Path data = directory.resolve("old");
        VersionOneImage.format(data, null, 4L << 20, 4096);
        InvalidVolumeException refused = assertThrows(InvalidVolumeException.class, () -> Volume.format(FormatOptions.of(data)));
        assertTrue(refused.getMessage().contains("already holds csum volume"), refused.getMessage());
        VolumeInfo info = Volume.format(FormatOptions.of(data).withOverwrite(true));
        assertEquals(2, info.formatVersion());
        assertFalse(info.logSizeBytes() == 0);
    }
}
