package dev.csum.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.Volume;
import dev.csum.VolumeOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The conversion's writes and their crash states (docs/FORMAT.md §7, "Converting a version 1
 * volume"): a crash before the commit leaves the version 1 volume as it was, one after it a version 2
 * volume; a block device without room is refused before anything is written.
 */
class VolumeConverterTest {
    private static final long SIZE = 4L << 20;
    private static final int BLOCK = 4096;

    @TempDir
    Path dir;

    private static byte[] written(int blocks) {
        byte[] bytes = new byte[blocks * BLOCK];
        new Random(blocks).nextBytes(bytes);
        return bytes;
    }

    private static VolumeConverter.Request request(Path data, Path metadata) {
        return new VolumeConverter.Request(data, metadata, VolumeConverter.DEFAULT_LOG_SIZE);
    }

    private static void assertReads(Path data, Path metadata, boolean readOnly, byte[] expected) throws IOException {
        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata).withReadOnly(readOnly))) {
            byte[] read = new byte[expected.length];
            volume.readBlocking(BLOCK * 500L, read, 0, read.length);
            assertArrayEquals(expected, read);
        }
    }

    @ParameterizedTest(name = "separate={0}, stopped after {1}")
    @CsvSource({"false, LOG_ZEROED", "false, BACKUP_WRITTEN", "true, LOG_ZEROED", "true, BACKUP_WRITTEN"})
    void aCrashBeforeTheCommitLeavesTheVersion1VolumeAsItWas(boolean separate, VolumeConverter.Step step) throws IOException {
        Path data = dir.resolve("data");
        Path metadata = separate ? dir.resolve("meta") : null;
        Path logDevice = separate ? metadata : data;
        Superblock version1 = VersionOneImage.format(data, metadata, SIZE, BLOCK);
        byte[] blocks = written(20); // across groups 0 and 1
        VersionOneImage.write(data, metadata, 500, blocks, true);
        byte[] before = Files.readAllBytes(logDevice);

        assertEquals(version1, VolumeConverter.convert(request(data, metadata), BlockDeviceZeroing::zero, step));

        byte[] after = Files.readAllBytes(logDevice);
        assertTrue(after.length > before.length, "grown");
        assertArrayEquals(before, Arrays.copyOf(after, before.length), "every byte of the version 1 volume as it was");
        VolumeLabel.Opened label = VolumeLabel.read(data, metadata);
        assertEquals(version1, label.superblock(), "still version 1");
        assertEquals(List.of(), label.warnings(), "its backup where version 1 looks for it");
        assertReads(data, metadata, true, blocks);
        dev.csum.InvalidVolumeException refused = assertThrows(dev.csum.InvalidVolumeException.class,
            () -> Volume.open(VolumeOptions.of(data).withMetadataPath(metadata)));
        assertEquals(Superblock.VERSION_1_WRITABLE_REFUSAL, refused.getMessage());

        Superblock version2 = VolumeConverter.convert(request(data, metadata));
        assertEquals(Superblock.FORMAT_VERSION, version2.formatVersion());
        assertEquals(version2, VolumeLabel.read(data, metadata).superblock());
        assertEquals(List.of(), VolumeLabel.read(data, metadata).warnings());
        assertReads(data, metadata, false, blocks);
    }

    @Test
    void aCrashAfterTheCommitLeavesAVersion2Volume() throws IOException {
        Path data = dir.resolve("interleaved");
        Superblock version1 = VersionOneImage.format(data, null, SIZE, BLOCK);
        byte[] blocks = written(3);
        VersionOneImage.write(data, null, 500, blocks, false);
        Superblock version2 = VolumeConverter.convert(request(data, null), BlockDeviceZeroing::zero, VolumeConverter.Step.COMMITTED);
        assertEquals(version2, VolumeLabel.read(data, null).superblock());
        assertEquals(List.of(), VolumeLabel.read(data, null).warnings());
        try (FileChannel channel = FileChannel.open(data)) {
            assertEquals(version1, Superblock.decode(VolumeFiles.read(channel, version2.geometry().logOffsetBytes(), BLOCK)),
                "the log's first block still holds version 1's backup: not a record, so harmless");
        }
        assertReads(data, null, false, blocks);
        try (Volume volume = Volume.open(VolumeOptions.of(data))) {
            volume.writeBlocking(BLOCK * 500L, blocks, 0, BLOCK);
        }
        assertReads(data, null, false, blocks);
    }

    /** Separate: the metadata device's primary is the commit; the data device's follows it. */
    @Test
    void aCrashBetweenTheTwoPrimariesLeavesAVersion2VolumeThatAWritableOpenFinishes() throws IOException {
        Path data = dir.resolve("data");
        Path metadata = dir.resolve("meta");
        Superblock version1 = VersionOneImage.format(data, metadata, SIZE, BLOCK);
        byte[] blocks = written(3);
        VersionOneImage.write(data, metadata, 500, blocks, true);
        Superblock version2 = VolumeConverter.convert(request(data, metadata), BlockDeviceZeroing::zero, VolumeConverter.Step.COMMITTED);

        VolumeLabel.Opened label = VolumeLabel.read(data, metadata);
        assertEquals(version2, label.superblock());
        assertEquals(Set.of(DeviceRole.DATA), label.damagedPrimaries());
        assertEquals(List.of(data + ": superblock of format version 1, the metadata device's of version 2 (a conversion was"
            + " interrupted); using the metadata device's copy"), label.warnings());
        assertEquals(version2, VolumeConverter.convert(request(data, metadata)), "a version 2 volume: nothing to convert");
        assertReads(data, metadata, true, blocks);
        try (FileChannel channel = FileChannel.open(data)) {
            assertEquals(version1, Superblock.decode(VolumeFiles.read(channel, 0, BLOCK)), "a read-only open writes nothing");
        }

        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata))) {
            assertEquals(List.of("restored the primary superblock of " + data + " from the metadata device's copy"),
                volume.openWarnings().stream().filter(w -> w.startsWith("restored")).toList());
        }
        assertEquals(List.of(), VolumeLabel.read(data, metadata).warnings());
        assertReads(data, metadata, false, blocks);
    }

    /** Another volume's version 1 data superblock is not taken for this one's left behind. */
    @Test
    void onlyThisVolumesOwnVersion1SuperblockCountsAsAnInterruptedConversion() throws IOException {
        Path data = dir.resolve("data");
        Path metadata = dir.resolve("meta");
        VersionOneImage.format(data, metadata, SIZE, BLOCK);
        VolumeConverter.convert(request(data, metadata), BlockDeviceZeroing::zero, VolumeConverter.Step.COMMITTED);
        Path stranger = dir.resolve("stranger");
        VersionOneImage.format(stranger, dir.resolve("stranger.meta"), SIZE, BLOCK);
        try (FileChannel from = FileChannel.open(stranger); FileChannel to = FileChannel.open(data, StandardOpenOption.WRITE)) {
            VolumeFiles.write(to, 0, VolumeFiles.read(from, 0, BLOCK));
        }
        InvalidVolumeException refused = assertThrows(InvalidVolumeException.class, () -> VolumeLabel.read(data, metadata));
        assertTrue(refused.getMessage().contains("belongs to volume"), refused.getMessage());
    }

    @Test
    void aDamagedVersion1PrimaryIsPutBackBeforeTheConversion() throws IOException {
        Path data = dir.resolve("damaged");
        VersionOneImage.format(data, null, SIZE, 512);
        SuperblockEdits.flipBit(data, 8 * 40 + 3);
        assertTrue(VolumeLabel.read(data, null).usedBackup());
        Superblock version2 = VolumeConverter.convert(request(data, null));
        VolumeLabel.Opened label = VolumeLabel.read(data, null);
        assertEquals(version2, label.superblock());
        assertEquals(List.of(), label.warnings());
    }

    @Test
    void aBlockDeviceWithoutRoomIsRefusedWritingNothing() throws Exception {
        Path image = dir.resolve("v1.img");
        Superblock version1 = VersionOneImage.format(image, null, SIZE, BLOCK);
        byte[] before = Files.readAllBytes(image);
        try (LoopDevice loop = LoopDevice.attach(image, 512)) {
            long needed = version1.geometry().backupSuperblockOffsetBytes()
                + (Geometry.defaultLogBlockCount(BLOCK, version1.dataBlockCount()) + 1) * BLOCK;
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> VolumeConverter.convert(request(loop.asPath(), null)));
            assertEquals("block device " + loop.path() + " has " + SIZE + " bytes; format version 2 needs " + needed + " ("
                + (needed - SIZE) + " more, for a tuple log of 262144 bytes after the last group and the backup superblock after"
                + " it); nothing written", refused.getMessage());
        }
        assertArrayEquals(before, Files.readAllBytes(image), "nothing written");
    }

    /** A metadata block device with room: the log region becomes zeros (by the device, or written), nothing after it changes. */
    @Test
    void aBlockDeviceWithRoomGetsItsLogZeroed() throws Exception {
        for (boolean fast : new boolean[] {true, false}) {
            Path data = dir.resolve("data" + fast);
            Path image = dir.resolve("meta" + fast + ".img");
            VersionOneImage.format(data, image, SIZE, BLOCK);
            byte[] junk = new byte[1 << 20];
            new Random(9).nextBytes(junk);
            try (FileChannel channel = FileChannel.open(image, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                VolumeFiles.write(channel, 0, MemorySegment.ofArray(junk)); // room after the volume, holding old data
            }
            byte[] blocks = written(2);
            VersionOneImage.write(data, image, 500, blocks, true);
            try (LoopDevice loop = LoopDevice.attach(image, 512)) {
                Superblock version2 = VolumeConverter.convert(request(data, loop.asPath()),
                    fast ? BlockDeviceZeroing::zero : (device, offset, length) -> false, VolumeConverter.Step.DONE);
                assertEquals(version2, VolumeLabel.read(data, loop.asPath()).superblock());
                assertReads(data, loop.asPath(), false, blocks);
            }
            byte[] after = Files.readAllBytes(image);
            Geometry geometry = Superblock.decode(MemorySegment.ofArray(after)).geometry();
            assertFalse(Arrays.equals(new byte[BLOCK], Arrays.copyOfRange(after, 0, BLOCK)));
            long logEnd = geometry.backupSuperblockOffsetBytes();
            assertArrayEquals(new byte[(int) (logEnd - geometry.logOffsetBytes())],
                Arrays.copyOfRange(after, (int) geometry.logOffsetBytes(), (int) logEnd), "the log region is zeros");
            assertArrayEquals(Arrays.copyOfRange(junk, (int) (logEnd + BLOCK - (after.length - junk.length)), junk.length),
                Arrays.copyOfRange(after, (int) logEnd + BLOCK, after.length), "after the backup: untouched");
        }
    }
}
