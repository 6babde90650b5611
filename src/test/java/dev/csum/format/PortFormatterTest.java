package dev.csum.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.io.IoPort;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Formatting a simulated disk: format version 2, its log zeroed, DATA_ZEROED (a new simulated disk reads as zeros). */
class PortFormatterTest {

    @Test
    void aSimulatedVolumeGetsALogOfOneSixtyFourthOfTheDeviceWrittenAsZeros() throws IOException {
        SimulatedDisk disk = SimulatedDisk.builder(1).dataFileBytes(2L << 20).build();
        long logBlocks = PortFormatter.simulatedLogBlockCount(2L << 20, 512);
        assertEquals(64, logBlocks, "4096 blocks / 64");
        byte[] junk = new byte[(int) logBlocks * 512];
        Arrays.fill(junk, (byte) 0x5a);
        long logOffset = Geometry.of(512, Geometry.dataBlocksFitting(2L << 20, 512, MetadataPlacement.INTERLEAVED, logBlocks),
                MetadataPlacement.INTERLEAVED, logBlocks).logOffsetBytes();
        disk.writeRaw(IoPort.METADATA_FILE, logOffset, junk); // what a port held before must not pass for a record

        Superblock superblock = PortFormatter.format(disk, 512, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED, new UUID(1, 2));
        assertEquals(Superblock.FORMAT_VERSION, superblock.formatVersion());
        assertTrue(superblock.dataZeroed());
        assertEquals(logBlocks, superblock.logBlockCount());
        assertEquals(logOffset, superblock.geometry().logOffsetBytes());
        byte[] log = new byte[junk.length];
        disk.readRaw(IoPort.METADATA_FILE, logOffset, log);
        assertArrayEquals(new byte[junk.length], log);
        assertEquals(superblock, PortSuperblock.read(disk));
        byte[] backup = new byte[512];
        disk.readRaw(IoPort.METADATA_FILE, superblock.geometry().backupSuperblockOffsetBytes(), backup);
        assertEquals(superblock, Superblock.decode(MemorySegment.ofArray(backup)));
    }

    @Test
    void aSeparateMetadataFileSizedBySeparateMetadataFileBytesHoldsThePairsAndTheLog() throws IOException {
        for (int blockSize : new int[] {512, 4096}) {
            long dataBytes = 4L << 20;
            long metadataBytes = PortFormatter.separateMetadataFileBytes(dataBytes, blockSize);
            SimulatedDisk disk = SimulatedDisk.builder(2).dataFileBytes(dataBytes).metadataFileBytes(metadataBytes).build();
            Superblock superblock = PortFormatter.format(disk, blockSize, ChecksumAlgorithm.CRC32C, MetadataPlacement.SEPARATE,
                    new UUID(3, 4));
            assertEquals(dataBytes / blockSize - 1, superblock.dataBlockCount());
            assertEquals(Math.max(16, dataBytes / blockSize / 64), superblock.logBlockCount());
            assertTrue(superblock.geometry().metadataFileSizeBytes() <= metadataBytes);
            assertTrue(metadataBytes - superblock.geometry().metadataFileSizeBytes() < 4096, "rounded up to 4 KiB only");
        }
        SimulatedDisk small = SimulatedDisk.builder(5).dataFileBytes(64 * 1024).metadataFileBytes(4096).build();
        assertThrows(IllegalArgumentException.class,
                () -> PortFormatter.format(small, 512, ChecksumAlgorithm.CRC32C, MetadataPlacement.SEPARATE, new UUID(5, 6)));
    }
}
