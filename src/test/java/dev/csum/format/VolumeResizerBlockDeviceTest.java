package dev.csum.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.engine.LogSettling;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Growing a volume on a block device (a loop device over a file; needs root) that was itself grown:
 * its image file extended with junk and the loop device's capacity re-read. The junk the new layout
 * covers must read as zeros (the device zeroes it: a loop device punches its file) and a size beyond
 * the device is refused before any write. (Grow's written-zeros path, for a device that cannot zero,
 * is the one the simulated disk takes: {@code ResizeSimulatedCrashTest}.)
 */
class VolumeResizerBlockDeviceTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private static void appendJunk(Path image, long toBytes) throws Exception {
        byte[] junk = new byte[MIB];
        new Random(toBytes).nextBytes(junk);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            for (long offset = file.length(); offset < toBytes; offset += junk.length) {
                file.seek(offset);
                file.write(junk, 0, (int) Math.min(junk.length, toBytes - offset));
            }
        }
    }

    @ParameterizedTest(name = "block {0} on sectors of {1}")
    @CsvSource({"4096, 512", "512, 512", "4096, 4096"})
    void aGrownLoopDeviceGrowsItsVolumeAndTheJunkReadsAsZeros(int blockSize, int sectorBytes) throws Exception {
        Path image = dir.resolve("grown.img");
        Files.write(image, new byte[4 * MIB]);
        try (LoopDevice loop = LoopDevice.attach(image, sectorBytes)) {
            Path device = loop.asPath();
            Superblock old = VolumeFormatter.format(new VolumeFormatter.Request(device, null, VolumeFormatter.EXISTING_SIZE,
                blockSize, ChecksumAlgorithm.CRC32C, true));
            long last = old.dataBlockCount() - 1;
            byte[] data = new byte[2 * blockSize];
            new Random(blockSize).nextBytes(data);
            try (Volume volume = Volume.open(VolumeOptions.of(device))) {
                volume.writeBlocking((last - 1) * blockSize, data, 0, data.length);
            }
            appendJunk(image, 12L * MIB);
            Tools.run("mount", "", "losetup", "--set-capacity", loop.path());
            assertEquals(12L * MIB, Files.size(image));

            byte[] before = Files.readAllBytes(image);
            IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                () -> VolumeResizer.resize(new VolumeResizer.Request(device, null, 13L * MIB), LogSettling::settle));
            assertTrue(tooBig.getMessage().contains("fewer than the"), tooBig.getMessage());
            assertArrayEquals(before, Files.readAllBytes(image), "nothing written");

            Superblock grown = VolumeResizer.resize(new VolumeResizer.Request(device, null, VolumeResizer.WHOLE_DEVICE),
                LogSettling::settle);
            assertEquals(Geometry.dataBlocksFitting(12L * MIB, blockSize, MetadataPlacement.INTERLEAVED, old.logBlockCount()),
                grown.dataBlockCount());
            assertEquals(grown, VolumeLabel.read(device, null).superblock());
            assertTrue(VolumeLabel.read(device, null).warnings().isEmpty(), VolumeLabel.read(device, null).warnings().toString());
            try (Volume volume = Volume.open(VolumeOptions.of(device))) {
                byte[] read = new byte[data.length];
                volume.readBlocking((last - 1) * blockSize, read, 0, read.length);
                assertArrayEquals(data, read, "the old last blocks");
                byte[] fresh = new byte[(int) ((grown.dataBlockCount() - old.dataBlockCount()) * blockSize)];
                volume.readBlocking(old.dataBlockCount() * blockSize, fresh, 0, fresh.length);
                assertArrayEquals(new byte[fresh.length], fresh, "every new block reads as zeros, junk and old log alike");
                volume.writeBlocking((grown.dataBlockCount() - 2) * blockSize, data, 0, data.length);
            }
            try (Volume volume = Volume.open(VolumeOptions.of(device).withReadOnly(true))) {
                byte[] read = new byte[data.length];
                volume.readBlocking((grown.dataBlockCount() - 2) * blockSize, read, 0, read.length);
                assertArrayEquals(data, read, "the new last blocks");
            }
        }
    }
}
