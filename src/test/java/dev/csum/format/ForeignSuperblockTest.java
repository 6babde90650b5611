package dev.csum.format;

import static dev.csum.format.SuperblockEdits.flipBit;
import static dev.csum.format.SuperblockEdits.putIntSealed;
import static dev.csum.format.VolumeLabelTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.checksum.ChecksumAlgorithm;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A superblock that is intact (magic present, checksum verifies) but that csum does not accept is a
 * refusal, not damage: no backup or metadata copy ever stands in for it, and nothing is written.
 * Only a superblock whose checksum fails is damaged (docs/FORMAT.md §3.1, §6).
 */
class ForeignSuperblockTest {

    @TempDir
    Path dir;

    private static Superblock format(Path data, Path metadata) throws IOException {
        return VolumeFormatter.format(new VolumeFormatter.Request(data, metadata, 8L << 20, 4096, ChecksumAlgorithm.CRC32C, false));
    }

    /** Volume A, interleaved, on {@code aData}; volume B, separate, on {@code bData} and {@code bMetadata}. */
    private record Strangers(Path aData, Path bData, Path bMetadata, Superblock b) {
    }

    private Strangers formatStrangers() throws IOException {
        Path aData = dir.resolve("a");
        Path bData = dir.resolve("b");
        Path bMetadata = dir.resolve("b.meta");
        format(aData, null);
        return new Strangers(aData, bData, bMetadata, format(bData, bMetadata));
    }

    @Test
    void anotherVolumesVersion3DeviceWithAStrangersMetadataDeviceIsRefusedAndNeverWritten() throws IOException {
        Strangers strangers = formatStrangers();
        Path aData = strangers.aData();
        Path bMetadata = strangers.bMetadata();
        putIntSealed(aData, 0, 4096, Superblock.FORMAT_VERSION_OFFSET, 3); // as a future csum would have written A

        assertRefused(aData + ": unsupported format version 3 (this build reads 1 and 2)", aData, bMetadata);

        Path input = dir.resolve("input");
        byte[] block = new byte[4096];
        new Random(11).nextBytes(block);
        Files.write(input, block);
        byte[] aBefore = Files.readAllBytes(aData);
        byte[] bMetadataBefore = Files.readAllBytes(bMetadata);
        // What `csum write aData -M bMetadata` does (the command maps the refusal to exit 2): open it.
        dev.csum.InvalidVolumeException refused = assertThrows(dev.csum.InvalidVolumeException.class,
                () -> dev.csum.Volume.open(dev.csum.VolumeOptions.of(aData).withMetadataPath(bMetadata)));
        assertTrue(refused.getMessage().contains("unsupported format version 3"), refused.getMessage());
        assertArrayEquals(aBefore, Files.readAllBytes(aData), "A's device unchanged");
        assertArrayEquals(bMetadataBefore, Files.readAllBytes(bMetadata), "B's metadata device unchanged");
    }

    /** Edits a checksum verifies after: each makes an intact superblock that this build refuses. */
    private static final List<Consumer<MemorySegment>> INTACT_BUT_REFUSED = List.of(
            block -> block.set(SuperblockEdits.U32, Superblock.FORMAT_VERSION_OFFSET, 3),
            block -> block.set(SuperblockEdits.U32, Superblock.FLAGS_OFFSET, 0x10),
            block -> block.set(ValueLayout.JAVA_BYTE, Superblock.CHECKSUM_ALGORITHM_OFFSET, (byte) 9),
            block -> block.set(ValueLayout.JAVA_BYTE, 1000, (byte) 1));
    private static final List<String> INTACT_BUT_REFUSED_MESSAGES = List.of(
            "unsupported format version 3 (this build reads 1 and 2)",
            "unsupported superblock flags 0x10 (format version 2 knows 0x3)",
            "superblock invalid: unknown checksum algorithm id 9",
            "superblock reserved bytes at 1000 are not zero");

    @Test
    void anIntactInterleavedPrimaryThisBuildRefusesIsNeverReplacedByItsIntactBackup() throws IOException {
        for (int i = 0; i < INTACT_BUT_REFUSED.size(); i++) {
            Path file = dir.resolve("vol" + i);
            format(file, null);
            SuperblockEdits.editSealed(file, 0, 4096, INTACT_BUT_REFUSED.get(i));
            assertRefused(file + ": " + INTACT_BUT_REFUSED_MESSAGES.get(i), file, null);
        }
    }

    @Test
    void aVersionFieldChangedWithoutItsChecksumIsDamageAndTheBackupStandsIn() throws IOException {
        Path file = dir.resolve("vol");
        Superblock superblock = format(file, null);
        flipBit(file, Superblock.FORMAT_VERSION_OFFSET * 8L + 1); // version 2 reads 0, checksum stale
        VolumeLabel.Opened opened = VolumeLabel.read(file, null);
        assertEquals(superblock, opened.superblock());
        assertTrue(opened.usedBackup());
        assertTrue(opened.warnings().get(0).contains("primary superblock invalid (superblock checksum mismatch"), opened.warnings().get(0));
    }

    @Test
    void aDamagedPrimaryWhoseBackupIsIntactButOfAnotherVersionIsRefusedNamingTheVersion() throws IOException {
        Path file = dir.resolve("vol");
        Superblock superblock = format(file, null);
        long backup = superblock.geometry().backupSuperblockOffsetBytes();
        putIntSealed(file, backup, 4096, Superblock.FORMAT_VERSION_OFFSET, 3);
        flipBit(file, 8 * 100);
        assertRefused(file + ": primary superblock invalid (superblock checksum mismatch", file, null);
        assertRefused("the backup at byte " + backup + " is intact but unsupported format version 3 (this build reads 1 and 2)", file, null);

        Path data = dir.resolve("data");
        Path metadata = dir.resolve("meta");
        Superblock separate = format(data, metadata);
        long metadataBackup = separate.geometry().backupSuperblockOffsetBytes();
        putIntSealed(metadata, metadataBackup, 4096, Superblock.FORMAT_VERSION_OFFSET, 3);
        flipBit(metadata, 8 * 100);
        assertRefused("the backup at byte " + metadataBackup + " is intact but unsupported format version 3", data, metadata);
    }

    @Test
    void anIntactSeparatePrimaryThisBuildRefusesIsNeverReplacedByACopy() throws IOException {
        for (int i = 0; i < INTACT_BUT_REFUSED.size(); i++) {
            for (boolean onData : new boolean[] {true, false}) {
                Path data = dir.resolve("data" + i + onData);
                Path metadata = dir.resolve("meta" + i + onData);
                format(data, metadata);
                Path edited = onData ? data : metadata;
                SuperblockEdits.editSealed(edited, 0, 4096, INTACT_BUT_REFUSED.get(i));
                assertRefused(edited + ": " + INTACT_BUT_REFUSED_MESSAGES.get(i), data, metadata);
            }
        }
    }

    @Test
    void aSeparateDataDeviceWithAnIntactSuperblockOfAnotherVolumeIsRefusedNeverAdopted() throws IOException {
        Path data = dir.resolve("data");
        Path metadata = dir.resolve("meta");
        Superblock superblock = format(data, metadata);
        SuperblockEdits.editSealed(data, 0, 4096, block -> block.set(ValueLayout.JAVA_BYTE, Superblock.VOLUME_UUID_OFFSET + 15,
                (byte) (block.get(ValueLayout.JAVA_BYTE, Superblock.VOLUME_UUID_OFFSET + 15) ^ 1)));
        assertRefused("metadata device " + metadata + " belongs to volume " + superblock.volumeUuid(), data, metadata);
        flipBit(metadata, 8 * 100); // the metadata primary damaged too: its backup stands in, the data device is still refused
        assertRefused("metadata device " + metadata + " belongs to volume " + superblock.volumeUuid(), data, metadata);
    }

    @Test
    void anotherVolumesDamagedSuperblockIsNotAdoptedFromAStrangersMetadataDevice() throws IOException {
        Strangers strangers = formatStrangers();
        Path aData = strangers.aData();
        Path bData = strangers.bData();
        Path bMetadata = strangers.bMetadata();
        Superblock b = strangers.b();
        flipBit(aData, 8 * 100); // A's superblock damaged, its magic intact
        assertRefused(aData + ": superblock invalid (superblock checksum mismatch", aData, bMetadata);
        assertRefused("not a damaged copy of metadata device " + bMetadata + "'s (volume " + b.volumeUuid() + ")", aData, bMetadata);
        // B's own data device, damaged the same way, is still a recognisable copy: the metadata device's stands in.
        flipBit(bData, 8 * 100);
        VolumeLabel.Opened opened = VolumeLabel.read(bData, bMetadata);
        assertEquals(b, opened.superblock());
        assertTrue(opened.usedBackup());
        assertFalse(opened.warnings().isEmpty());
    }
}
