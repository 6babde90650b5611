package dev.csum.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.checksum.ChecksumAlgorithm;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeFormatterTest {

    @TempDir
    Path dir;

    static VolumeFormatter.Request request(Path data, Path metadata, long size, int blockSize) {
        return new VolumeFormatter.Request(data, metadata, size, blockSize, ChecksumAlgorithm.CRC32C, false);
    }

    /** Blocks of 512 bytes the file system allocated to {@code path} ({@code stat %b}). */
    static long allocatedBytes(Path path) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("stat", "--format=%b %B", path.toString()).redirectErrorStream(true).start();
        String[] out = new String(process.getInputStream().readAllBytes()).trim().split(" ");
        assertEquals(0, process.waitFor(), String.join(" ", out));
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }

    /** Every imd block reads as all zero, i.e. EMPTY. */
    static void assertImdBlocksEmpty(Path metadataFile, Superblock superblock) throws IOException {
        Geometry geometry = superblock.geometry();
        int blockSize = geometry.blockSizeBytes();
        try (FileChannel channel = FileChannel.open(metadataFile)) {
            for (long group = 0; group < geometry.groupCount(); group++) {
                MemorySegment pair = VolumeFiles.read(channel, geometry.imdPairOffsetBytes(group), 2 * blockSize);
                assertEquals(ImdValidity.EMPTY, ImdBlock.validate(pair.asSlice(0, blockSize), group, superblock.volumeTag()), "group " + group);
                assertEquals(ImdValidity.EMPTY, ImdBlock.validate(pair.asSlice(blockSize, blockSize), group, superblock.volumeTag()), "group " + group);
            }
        }
    }

    @Test
    void interleavedFormatWritesSuperblocksAndEmptyImdBlocks() throws IOException {
        for (int blockSize : new int[] {512, 4096}) {
            Path file = dir.resolve("vol-" + blockSize);
            long size = 3L << 20;
            Superblock superblock = VolumeFormatter.format(request(file, null, size, blockSize));
            assertEquals(size, Files.size(file));
            assertEquals(Geometry.dataBlocksFitting(size, blockSize, MetadataPlacement.INTERLEAVED), superblock.dataBlockCount());
            assertEquals(DeviceRole.COMBINED, superblock.role());
            assertEquals(MetadataPlacement.INTERLEAVED, superblock.placement());
            VolumeLabel.Opened opened = VolumeLabel.read(file, null);
            assertEquals(superblock, opened.superblock());
            assertFalse(opened.usedBackup());
            assertEquals(java.util.List.of(), opened.warnings());
            assertImdBlocksEmpty(file, superblock);
            try (FileChannel channel = FileChannel.open(file)) {
                MemorySegment backup = VolumeFiles.read(channel, superblock.geometry().backupSuperblockOffsetBytes(), blockSize);
                assertEquals(superblock, Superblock.decode(backup));
            }
        }
    }

    @Test
    void separateFormatCreatesAnExactlySizedMetadataFile() throws IOException {
        Path data = dir.resolve("data");
        Path metadata = dir.resolve("meta");
        Superblock superblock = VolumeFormatter.format(request(data, metadata, 8L << 20, 4096));
        assertEquals(DeviceRole.DATA, superblock.role());
        assertEquals(MetadataPlacement.SEPARATE, superblock.placement());
        assertEquals((8L << 20) / 4096 - 1, superblock.dataBlockCount());
        assertEquals(superblock.geometry().metadataFileSizeBytes(), Files.size(metadata));
        VolumeLabel.Opened opened = VolumeLabel.read(data, metadata);
        assertEquals(superblock, opened.superblock());
        assertEquals(java.util.List.of(), opened.warnings());
        assertImdBlocksEmpty(metadata, superblock);
        try (FileChannel channel = FileChannel.open(metadata)) {
            assertEquals(superblock.withRole(DeviceRole.METADATA), Superblock.decode(VolumeFiles.read(channel, 0, 4096)));
        }
    }

    @Test
    void formatting64GiBSparseFileIsQuickAndLeavesTheDataAreaUnallocated() throws Exception {
        Path file = dir.resolve("big");
        long size = 64L << 30;
        long started = System.nanoTime();
        Superblock superblock = VolumeFormatter.format(new VolumeFormatter.Request(file, null, size, 4096,
            ChecksumAlgorithm.CRC32C, false, VolumeFormatter.DEFAULT_LOG_SIZE, FileAllocation.SPARSE));
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(millis < 5_000, "format took " + millis + " ms");
        assertEquals(size, Files.size(file));
        assertEquals(16_455_563, superblock.dataBlockCount(), "docs/FORMAT.md §2.1's worked example");
        assertEquals(257_119, superblock.logBlockCount());
        assertTrue(superblock.dataZeroed(), "a sparse file's data area reads as zeros");
        long allocated = allocatedBytes(file);
        long logBytes = superblock.logSectors() ? superblock.logRegion().lengthBytes() : 0; // written at format
        assertTrue(allocated <= 64 * 1024 + logBytes, "allocated " + allocated + " bytes; expected only the superblocks"
            + (superblock.logSectors() ? " and the log's 1 GiB" : ""));
        assertTrue(allocated >= logBytes, "a log of 512-byte blocks is written at format, not left a hole");
        VolumeLabel.Opened opened = VolumeLabel.read(file, null);
        assertEquals(superblock, opened.superblock());
        // Spot-check imd pairs at the start, middle and end.
        Geometry geometry = superblock.geometry();
        try (FileChannel channel = FileChannel.open(file)) {
            for (long group : new long[] {0, geometry.groupCount() / 2, geometry.groupCount() - 1}) {
                MemorySegment pair = VolumeFiles.read(channel, geometry.imdPairOffsetBytes(group), 8192);
                assertEquals(ImdValidity.EMPTY, ImdBlock.validate(pair.asSlice(0, 4096), group, superblock.volumeTag()));
            }
        }
    }

    @Test
    void forcedFormatDiscardsOldContentsOfAnExistingFile() throws Exception {
        Path file = dir.resolve("junk");
        byte[] junk = new byte[4 << 20];
        new Random(3).nextBytes(junk);
        Files.write(file, junk);
        Superblock superblock = VolumeFormatter.format(new VolumeFormatter.Request(file, null, -1, 4096, ChecksumAlgorithm.CRC32C,
            true, VolumeFormatter.DEFAULT_LOG_SIZE, FileAllocation.SPARSE));
        assertEquals(junk.length, Files.size(file));
        assertImdBlocksEmpty(file, superblock);
        assertTrue(allocatedBytes(file) <= 64 * 1024 + (superblock.logSectors() ? superblock.logRegion().lengthBytes() : 0),
            "old blocks released, data area not written");
        // Reserved or zeroed, the old contents are gone all the same (FileAllocationTest: what each allocates).
        for (FileAllocation allocation : new FileAllocation[] {FileAllocation.AUTO, FileAllocation.ZEROED}) {
            Files.write(file, junk);
            Superblock again = VolumeFormatter.format(new VolumeFormatter.Request(file, null, -1, 4096, ChecksumAlgorithm.CRC32C,
                true, VolumeFormatter.DEFAULT_LOG_SIZE, allocation));
            assertImdBlocksEmpty(file, again);
            try (FileChannel channel = FileChannel.open(file)) {
                long lastDataBlock = again.geometry().dataOffsetBytes(again.dataBlockCount() - 1);
                assertEquals(-1, VolumeFiles.read(channel, lastDataBlock, 4096).mismatch(MemorySegment.ofArray(new byte[4096])),
                    allocation + ": old data gone");
            }
        }
    }

    @Test
    void refusesToOverwriteAVolumeUnlessForced() throws IOException {
        Path file = dir.resolve("vol");
        Superblock first = VolumeFormatter.format(request(file, null, 1L << 20, 512));
        byte[] before = Files.readAllBytes(file);
        InvalidVolumeException e = assertThrows(InvalidVolumeException.class,
                () -> VolumeFormatter.format(request(file, null, 1L << 20, 512)));
        assertTrue(e.getMessage().contains("already holds csum volume " + first.volumeUuid()), e.getMessage());
        // A damaged primary does not hide the volume: the backup still counts.
        byte[] damaged = before.clone();
        damaged[0] ^= 0x7F;
        Files.write(file, damaged);
        assertThrows(InvalidVolumeException.class, () -> VolumeFormatter.format(request(file, null, -1, 512)));
        assertEquals(java.util.Arrays.hashCode(damaged), java.util.Arrays.hashCode(Files.readAllBytes(file)), "refusal wrote nothing");
        Superblock second = VolumeFormatter.format(new VolumeFormatter.Request(file, null, -1, 512, ChecksumAlgorithm.CRC16_CCITT, true));
        assertNotEquals(first.volumeUuid(), second.volumeUuid());
        assertEquals(second, VolumeLabel.read(file, null).superblock());
    }

    @Test
    void refusesToOverwriteAnIntactSuperblockOfAnotherVersionUnlessForced() throws IOException {
        Path file = dir.resolve("vol");
        Superblock first = VolumeFormatter.format(request(file, null, 1L << 20, 512));
        long backup = first.geometry().backupSuperblockOffsetBytes();
        SuperblockEdits.putIntSealed(file, 0, 512, Superblock.FORMAT_VERSION_OFFSET, 3); // as a future csum would write it
        SuperblockEdits.putIntSealed(file, backup, 512, Superblock.FORMAT_VERSION_OFFSET, 3);
        byte[] before = Files.readAllBytes(file);
        InvalidVolumeException e = assertThrows(InvalidVolumeException.class,
                () -> VolumeFormatter.format(request(file, null, 1L << 20, 512)));
        assertTrue(e.getMessage().contains("already holds an intact csum superblock at byte 0 that this build does not read "
                + "(unsupported format version 3 (this build reads 1 and 2)); format with --force"), e.getMessage());
        // Its primary damaged, the other version's backup still counts.
        SuperblockEdits.flipBit(file, 8 * 100);
        e = assertThrows(InvalidVolumeException.class, () -> VolumeFormatter.format(request(file, null, -1, 512)));
        assertTrue(e.getMessage().contains("csum superblock at byte " + backup), e.getMessage());
        before[100] ^= 1;
        assertArrayEquals(before, Files.readAllBytes(file), "refusals wrote nothing");
    }

    @Test
    void invalidRequestsAreRefusedBeforeAnyIo() throws IOException {
        Path absent = dir.resolve("absent");
        assertThrows(IllegalArgumentException.class, () -> VolumeFormatter.format(request(absent, null, 1L << 20, 1024)));
        assertThrows(IllegalArgumentException.class, () -> VolumeFormatter.format(request(absent, null, -1, 4096)));
        assertThrows(IllegalArgumentException.class, () -> VolumeFormatter.format(request(absent, null, 0, 4096)));
        // One full group and the smallest default log: (1 + 2 + 62 + 512 + 1) blocks of 512 bytes.
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> VolumeFormatter.format(request(absent, null, 295_935, 512)));
        assertTrue(small.getMessage().contains("at least one full group and its smallest default log, 295936 bytes"), small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VolumeFormatter.format(request(absent, absent, 1L << 20, 512)));
        assertThrows(IllegalArgumentException.class, () -> VolumeFormatter.format(request(dir, null, 1L << 20, 512)));
        assertThrows(IllegalArgumentException.class, () -> VolumeFormatter.format(request(dir.resolve("no/such/dir/f"), null, 1L << 20, 512)));
        assertFalse(Files.exists(absent), "nothing was created");
        VolumeFormatter.format(request(absent, null, 295_936, 512)); // exactly one group fits
        assertEquals(62, VolumeLabel.read(absent, null).superblock().dataBlockCount());
    }

    static VolumeFormatter.Request withLog(Path data, Path metadata, long size, int blockSize, long logBytes) {
        return new VolumeFormatter.Request(data, metadata, size, blockSize, ChecksumAlgorithm.CRC32C, false, logBytes);
    }

    @Test
    void aLogSizeThatIsNotWholeBlocksTooSmallOrDoesNotFitIsRefusedBeforeAnyIo() {
        Path absent = dir.resolve("absent");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VolumeFormatter.format(withLog(absent, null, 1L << 20, 4096, 100_000)));
        assertEquals("log size 100000 bytes is not a multiple of the block size, 4096 bytes", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> VolumeFormatter.format(withLog(absent, null, 1L << 20, 512, 15 * 512)));
        assertEquals("log size 7680 bytes is below the minimum of 16 blocks, 8192 bytes", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> VolumeFormatter.format(withLog(absent, null, 1L << 20, 512, 1L << 20)));
        assertEquals("size 1048576 bytes is too small: a volume of 512-byte blocks needs at least one full group and its log, "
                + ((1 + 2 + 62 + 1) * 512 + (1 << 20)) + " bytes", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VolumeFormatter.format(withLog(absent, dir.resolve("meta"), 1L << 20, 512, -512)));
        assertFalse(Files.exists(absent), "nothing was created");
        assertFalse(Files.exists(dir.resolve("meta")), "nothing was created");
    }

    @Test
    void aLogOfAGivenSizeTakesExactlyThatRoomAfterTheLastGroup() throws IOException {
        Path file = dir.resolve("vol");
        Superblock superblock = VolumeFormatter.format(withLog(file, null, 1L << 20, 512, 16 * 512));
        assertEquals(Superblock.FORMAT_VERSION, superblock.formatVersion());
        assertEquals(16, superblock.logBlockCount());
        assertEquals(31 * 62 + 44, superblock.dataBlockCount(), "Geometry.dataBlocksFitting with a log of 16 blocks");
        assertEquals(1 + 2 * 32 + 31 * 62 + 44, superblock.logOffsetBlocks());
        assertEquals(superblock, VolumeLabel.read(file, null).superblock());
        Path data = dir.resolve("data");
        Path metadata = dir.resolve("meta");
        Superblock separate = VolumeFormatter.format(withLog(data, metadata, 8L << 20, 4096, 1L << 20));
        assertEquals(2047, separate.dataBlockCount(), "the log is on the metadata device");
        assertEquals(256, separate.logBlockCount());
        assertEquals((1 + 2 * 5 + 256 + 1) * 4096L, Files.size(metadata));
        assertEquals(separate, VolumeLabel.read(data, metadata).superblock());
    }

    /** Old contents there must not pass for a record: format leaves the log all zeros, and sets DATA_ZEROED on a file. */
    @Test
    void theLogRegionAndTheDataAreaOfAFileReadAsZerosAfterAForcedFormat() throws IOException {
        for (boolean separate : new boolean[] {false, true}) {
            Path data = dir.resolve("junk-data-" + separate);
            Path metadata = separate ? dir.resolve("junk-meta") : null;
            byte[] junk = new byte[4 << 20];
            new Random(5).nextBytes(junk);
            Files.write(data, junk);
            if (separate) {
                Files.write(metadata, junk);
            }
            Superblock superblock = VolumeFormatter.format(new VolumeFormatter.Request(data, metadata, -1, 4096,
                    ChecksumAlgorithm.CRC32C, true));
            assertTrue(superblock.dataZeroed());
            Geometry geometry = superblock.geometry();
            assertEquals(Geometry.defaultLogBlockCount(4096, geometry.dataBlockCount()), geometry.logBlockCount());
            assertZeros(separate ? metadata : data, geometry.logOffsetBytes(), geometry.logBlockCount() * 4096, "log");
            for (long block : new long[] {0, geometry.dataBlockCount() / 2, geometry.dataBlockCount() - 1}) {
                assertZeros(data, geometry.dataOffsetBytes(block), 4096, "data block " + block);
            }
        }
    }

    static void assertZeros(Path file, long offsetBytes, long lengthBytes, String what) throws IOException {
        try (FileChannel channel = FileChannel.open(file)) {
            MemorySegment bytes = VolumeFiles.read(channel, offsetBytes, Math.toIntExact(lengthBytes));
            assertEquals(lengthBytes, bytes.byteSize(), what);
            assertEquals(-1, bytes.mismatch(MemorySegment.ofArray(new byte[Math.toIntExact(lengthBytes)])), what + " is all zeros");
        }
    }
}
