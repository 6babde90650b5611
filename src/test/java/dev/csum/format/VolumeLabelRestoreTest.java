package dev.csum.format;

import static dev.csum.format.SuperblockEdits.flipBit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.checksum.ChecksumAlgorithm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A writable open puts back a damaged primary superblock from the copy that stood in for it, and nothing else. */
class VolumeLabelRestoreTest {

    @TempDir
    Path dir;

    private static Superblock format(Path data, Path metadata, int blockSize) throws IOException {
        return VolumeFormatter.format(new VolumeFormatter.Request(data, metadata, 4L << 20, blockSize, ChecksumAlgorithm.CRC32C, false));
    }

    @Test
    void aDamagedInterleavedPrimaryIsPutBackByteForByte() throws IOException {
        for (int blockSize : new int[] {512, 4096}) {
            Path file = dir.resolve("vol" + blockSize);
            Superblock superblock = format(file, null, blockSize);
            byte[] pristine = Files.readAllBytes(file);
            flipBit(file, 8 * 40 + 3); // in the data block count

            VolumeLabel.Opened damaged = VolumeLabel.read(file, null);
            assertTrue(damaged.usedBackup());
            assertEquals(Set.of(DeviceRole.COMBINED), damaged.damagedPrimaries());
            assertEquals(1, damaged.warnings().size());
            assertTrue(damaged.warnings().get(0).contains("primary superblock invalid"), damaged.warnings().get(0));

            assertEquals(List.of("restored the primary superblock of " + file + " from the backup"),
                    VolumeLabel.restorePrimaries(damaged, file, null));
            assertArrayEquals(pristine, Files.readAllBytes(file), "block 0 as format wrote it, every other byte untouched");

            VolumeLabel.Opened again = VolumeLabel.read(file, null);
            assertEquals(superblock, again.superblock());
            assertFalse(again.usedBackup());
            assertEquals(List.of(), again.warnings());
            assertEquals(List.of(), VolumeLabel.restorePrimaries(again, file, null), "nothing damaged, nothing written");
            assertEquals(List.of(), VolumeLabel.restorePrimaries(damaged, file, null), "restored already");
            assertArrayEquals(pristine, Files.readAllBytes(file));
        }
    }

    @Test
    void damagedSeparatePrimariesArePutBackFromTheBackupAndTheMetadataDevicesCopy() throws IOException {
        Path data = dir.resolve("data");
        Path metadata = dir.resolve("meta");
        format(data, metadata, 4096);
        byte[] dataPristine = Files.readAllBytes(data);
        byte[] metadataPristine = Files.readAllBytes(metadata);
        flipBit(data, 8 * 20);
        flipBit(metadata, 8 * 3000);

        VolumeLabel.Opened damaged = VolumeLabel.read(data, metadata);
        assertEquals(Set.of(DeviceRole.DATA, DeviceRole.METADATA), damaged.damagedPrimaries());
        assertEquals(List.of("restored the primary superblock of " + data + " from the metadata device's copy",
                        "restored the primary superblock of " + metadata + " from the backup"),
                VolumeLabel.restorePrimaries(damaged, data, metadata));
        assertArrayEquals(dataPristine, Files.readAllBytes(data));
        assertArrayEquals(metadataPristine, Files.readAllBytes(metadata));
        VolumeLabel.Opened again = VolumeLabel.read(data, metadata);
        assertFalse(again.usedBackup());
        assertEquals(List.of(), again.warnings());

        flipBit(metadata, 8 * 3000); // the metadata device alone
        assertEquals(List.of("restored the primary superblock of " + metadata + " from the backup"),
                VolumeLabel.restorePrimaries(VolumeLabel.read(data, metadata), data, metadata));
        assertArrayEquals(dataPristine, Files.readAllBytes(data));
        assertArrayEquals(metadataPristine, Files.readAllBytes(metadata));
    }

    @Test
    void aPrimaryThatBecameAnIntactSuperblockOfAnotherKindSinceTheReadIsNotOverwritten() throws IOException {
        Path file = dir.resolve("vol");
        format(file, null, 4096);
        flipBit(file, 8 * 100);
        VolumeLabel.Opened damaged = VolumeLabel.read(file, null);
        SuperblockEdits.putIntSealed(file, 0, 4096, Superblock.FORMAT_VERSION_OFFSET, 3); // meanwhile: an intact version 3
        byte[] before = Files.readAllBytes(file);
        InvalidVolumeException e = assertThrows(InvalidVolumeException.class, () -> VolumeLabel.restorePrimaries(damaged, file, null));
        assertTrue(e.getMessage().contains("not restoring the primary superblock: block 0 is no longer damaged but unsupported format version 3"),
                e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
    }
}
