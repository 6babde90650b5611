package dev.csum.format;

import static dev.csum.format.VolumeFormatterTest.assertImdBlocksEmpty;
import static dev.csum.format.VolumeFormatterTest.assertZeros;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.checksum.ChecksumAlgorithm;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Format on block devices (loop devices over files full of old data; needs root): everything
 * between the superblocks zeroed by the device where it can ({@code DATA_ZEROED} set), else the imd
 * pairs and the log written as zeros and the data area left alone (the flag clear).
 */
class VolumeFormatterBlockDeviceTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private Path junkImage(String name, int mebibytes) throws Exception {
        byte[] junk = new byte[mebibytes * MIB];
        new Random(name.hashCode()).nextBytes(junk);
        Path image = dir.resolve(name);
        Files.write(image, junk);
        return image;
    }

    private static VolumeFormatter.Request forced(Path data, Path metadata, int blockSize) {
        return new VolumeFormatter.Request(data, metadata, VolumeFormatter.EXISTING_SIZE, blockSize, ChecksumAlgorithm.CRC32C, true);
    }

    @Test
    void aDeviceThatZeroesWithoutWritingGetsItsDataAreaZeroed() throws Exception {
        try (LoopDevice loop = LoopDevice.attach(junkImage("interleaved.img", 16), 512)) {
            Path device = loop.asPath();
            Superblock superblock = VolumeFormatter.format(forced(device, null, 4096));
            assertTrue(superblock.dataZeroed(), "a loop device zeroes through its file's hole punching");
            assertEverythingButTheSuperblocksIsZero(device, null, superblock);
            assertEquals(superblock, VolumeLabel.read(device, null).superblock());
        }
        try (LoopDevice data = LoopDevice.attach(junkImage("data.img", 8), 512);
             LoopDevice metadata = LoopDevice.attach(junkImage("meta.img", 1), 512)) {
            Superblock superblock = VolumeFormatter.format(forced(data.asPath(), metadata.asPath(), 4096));
            assertTrue(superblock.dataZeroed());
            assertEverythingButTheSuperblocksIsZero(data.asPath(), metadata.asPath(), superblock);
            assertEquals(superblock, VolumeLabel.read(data.asPath(), metadata.asPath()).superblock());
        }
    }

    /**
     * A 512-byte-block volume on a device of 4096-byte sectors: the range between the superblocks is
     * not aligned to the device's sectors, the kernel refuses to zero it (EINVAL), and format writes
     * the metadata's zeros itself.
     */
    @Test
    void aDeviceThatCannotZeroTheRangeGetsItsPairsAndLogWrittenAndTheFlagClear() throws Exception {
        Path image = junkImage("4kn.img", 4);
        byte[] before = Files.readAllBytes(image);
        try (LoopDevice loop = LoopDevice.attach(image, 4096)) {
            Path device = loop.asPath();
            Superblock superblock = VolumeFormatter.format(forced(device, null, 512));
            assertFalse(superblock.dataZeroed());
            assertMetadataZeroAndDataUntouched(device, null, superblock, before);
        }
    }

    @Test
    void withoutFastZeroingFormatFallsBackToWritingTheMetadatasZeros() throws Exception {
        Path image = junkImage("nofast.img", 8);
        byte[] before = Files.readAllBytes(image);
        try (LoopDevice loop = LoopDevice.attach(image, 512)) {
            Superblock superblock = VolumeFormatter.format(forced(loop.asPath(), null, 4096), (device, offset, length) -> false);
            assertFalse(superblock.dataZeroed());
            assertMetadataZeroAndDataUntouched(loop.asPath(), null, superblock, before);
        }
        Path dataImage = junkImage("nofast-data.img", 8);
        byte[] dataBefore = Files.readAllBytes(dataImage);
        try (LoopDevice data = LoopDevice.attach(dataImage, 512);
             LoopDevice metadata = LoopDevice.attach(junkImage("nofast-meta.img", 1), 512)) {
            Superblock superblock = VolumeFormatter.format(forced(data.asPath(), metadata.asPath(), 4096), (device, offset, length) -> false);
            assertFalse(superblock.dataZeroed());
            assertMetadataZeroAndDataUntouched(data.asPath(), metadata.asPath(), superblock, dataBefore);
        }
    }

    /** The imd pairs, the log and sampled data blocks read as zeros. */
    private static void assertEverythingButTheSuperblocksIsZero(Path data, Path metadata, Superblock superblock) throws Exception {
        Geometry geometry = superblock.geometry();
        Path metadataDevice = metadata == null ? data : metadata;
        assertImdBlocksEmpty(metadataDevice, superblock);
        assertZeros(metadataDevice, geometry.logOffsetBytes(), geometry.logBlockCount() * geometry.blockSizeBytes(), "log");
        for (long block = 0; block < geometry.dataBlockCount(); block += 97) {
            assertZeros(data, geometry.dataOffsetBytes(block), geometry.blockSizeBytes(), "data block " + block);
        }
    }

    /** The imd pairs and the log read as zeros; a data block still holds what the device held before ({@code before}). */
    private static void assertMetadataZeroAndDataUntouched(Path data, Path metadata, Superblock superblock, byte[] before)
            throws Exception {
        Geometry geometry = superblock.geometry();
        Path metadataDevice = metadata == null ? data : metadata;
        assertImdBlocksEmpty(metadataDevice, superblock);
        assertZeros(metadataDevice, geometry.logOffsetBytes(), geometry.logBlockCount() * geometry.blockSizeBytes(), "log");
        try (FileChannel channel = FileChannel.open(data)) {
            long block = geometry.dataBlockCount() / 2;
            long offset = geometry.dataOffsetBytes(block);
            MemorySegment now = VolumeFiles.read(channel, offset, geometry.blockSizeBytes());
            assertEquals(-1, now.mismatch(MemorySegment.ofArray(before).asSlice(offset, geometry.blockSizeBytes())),
                    "data block " + block + " not written");
            assertTrue(now.mismatch(MemorySegment.ofArray(new byte[geometry.blockSizeBytes()])) >= 0, "and it is not zeros");
        }
    }
}
