package dev.csum.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.uring.NativeSupport;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Format's file allocations: what each takes on disk, that each reads as zeros, AUTO's choice, the checks before I/O. */
class FileAllocationTest {
    private static final long SIZE_BYTES = 32L << 20;

    @TempDir
    Path dir;

    private static Superblock format(Path file, long sizeBytes, int blockSize, FileAllocation allocation) throws IOException {
        return VolumeFormatter.format(new VolumeFormatter.Request(file, null, sizeBytes, blockSize, ChecksumAlgorithm.CRC32C,
            false, VolumeFormatter.DEFAULT_LOG_SIZE, allocation));
    }

    /** {@code filefrag -v}'s extent lines (e2fsprogs), or null when the tool is missing. */
    private static String extents(Path file) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder("filefrag", "-v", file.toString()).redirectErrorStream(true).start();
        } catch (IOException missing) {
            return null;
        }
        String out = new String(process.getInputStream().readAllBytes());
        return process.waitFor() == 0 ? out : null;
    }

    @ParameterizedTest
    @EnumSource(value = FileAllocation.class, names = {"SPARSE", "RESERVED", "ZEROED"})
    void eachAllocationReadsAsZerosAndTakesTheSpaceItSays(FileAllocation allocation) throws Exception {
        assumeTrue(allocation != FileAllocation.RESERVED || NativeSupport.isAvailable(), "reserving needs the binding");
        Path file = dir.resolve("volume");
        Superblock superblock = format(file, SIZE_BYTES, 4096, allocation);
        assertTrue(superblock.dataZeroed(), "every allocation reads as zeros");
        assertEquals(SIZE_BYTES, Files.size(file));
        long allocated = VolumeFormatterTest.allocatedBytes(file);
        if (allocation == FileAllocation.SPARSE) {
            long logBytes = superblock.logSectors() ? superblock.logRegion().lengthBytes() : 0;
            assertTrue(allocated <= 64 * 1024 + logBytes, "sparse: only the superblocks (and a log of 512-byte blocks),"
                + " allocated " + allocated);
        } else {
            assertTrue(allocated >= SIZE_BYTES, allocation + ": the whole file, allocated " + allocated);
        }
        VolumeFormatterTest.assertImdBlocksEmpty(file, superblock);
        Geometry geometry = superblock.geometry();
        try (FileChannel channel = FileChannel.open(file)) {
            long logStart = geometry.logOffsetBytes();
            for (long offset : new long[] {4096, logStart - 4096, logStart, geometry.backupSuperblockOffsetBytes() - 4096}) {
                MemorySegment block = VolumeFiles.read(channel, offset, 4096);
                assertEquals(-1, block.mismatch(MemorySegment.ofArray(new byte[4096])), "zeros at " + offset);
            }
        }
        String extents = extents(file);
        if (extents != null && allocation != FileAllocation.SPARSE) {
            // RESERVED leaves unwritten extents (reading as zeros without being written); ZEROED none.
            assertEquals(allocation == FileAllocation.RESERVED, extents.contains("unwritten"), extents);
        }
        assertEquals(superblock, VolumeLabel.read(file, null).superblock());
    }

    @Test
    void autoWritesZerosWhenBlocksAreSmallerThanTheFileSystemsAndReservesOtherwise() throws Exception {
        FileStore store = Files.getFileStore(dir);
        assumeTrue(store.getBlockSize() == 4096 && !"tmpfs".equals(store.type()), "a disk file system of 4096-byte blocks");
        assumeTrue(NativeSupport.isAvailable(), "without native access AUTO is always SPARSE");
        Path file = dir.resolve("volume");
        assertEquals(FileAllocation.ZEROED, FileAllocation.AUTO.resolve(file, 512));
        assertEquals(FileAllocation.RESERVED, FileAllocation.AUTO.resolve(file, 4096));
        for (FileAllocation explicit : new FileAllocation[] {FileAllocation.SPARSE, FileAllocation.RESERVED, FileAllocation.ZEROED}) {
            assertEquals(explicit, explicit.resolve(file, 512), "an explicit choice stands");
        }
        // The default request is AUTO, and AUTO for 512-byte blocks here writes every byte.
        VolumeFormatter.format(new VolumeFormatter.Request(file, null, SIZE_BYTES, 512, ChecksumAlgorithm.CRC32C, false));
        assertTrue(VolumeFormatterTest.allocatedBytes(file) >= SIZE_BYTES);
        String extents = extents(file);
        if (extents != null) {
            assertFalse(extents.contains("unwritten"), extents);
        }
    }

    @ParameterizedTest
    @EnumSource(value = FileAllocation.class, names = {"RESERVED", "ZEROED"})
    void aFileLargerThanTheFreeSpaceIsRefusedBeforeAnythingIsWritten(FileAllocation allocation) throws Exception {
        assumeTrue(allocation != FileAllocation.RESERVED || NativeSupport.isAvailable(), "reserving needs the binding");
        Path file = dir.resolve("volume");
        long tooBig = Files.getFileStore(dir).getUsableSpace() + (1L << 30);
        assumeTrue(tooBig < 1L << 44, "within ext4's largest file");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> format(file, tooBig, 4096, allocation));
        assertTrue(refused.getMessage().contains("free space") && refused.getMessage().contains("sparse"), refused.getMessage());
        assertFalse(Files.exists(file), "nothing created");
        // Sparse needs no space up front: the same size formats.
        format(file, tooBig, 4096, FileAllocation.SPARSE);
        assertEquals(tooBig, Files.size(file));
    }

    @Test
    void anExistingFilesSpaceCountsAsFreeForItsReplacement() throws Exception {
        Path file = dir.resolve("volume");
        format(file, SIZE_BYTES, 4096, FileAllocation.ZEROED);
        FileAllocation.ZEROED.check(file, SIZE_BYTES, SIZE_BYTES); // no throw even on a nearly full disk
        long free = Files.getFileStore(dir).getUsableSpace();
        assertThrows(IllegalArgumentException.class, () -> FileAllocation.ZEROED.check(file, free + SIZE_BYTES + 4096, SIZE_BYTES));
        assertThrows(IllegalStateException.class, () -> FileAllocation.AUTO.check(file, 4096, 0), "AUTO is resolved first");
    }
}
