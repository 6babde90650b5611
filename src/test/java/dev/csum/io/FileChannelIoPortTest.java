package dev.csum.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.csum.uring.Errno;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * FileChannelIoPort: the IoPort contract ({@link IoPortContractTest}), and what is particular to it:
 * direct or page-cache I/O by the JDK's direct-I/O unit, read-only files, bad buffers as errors,
 * its threads.
 */
class FileChannelIoPortTest extends IoPortContractTest {

    @Override
    IoPort open(Path data, Path metadataOrNull, int queueDepth, boolean readOnly) throws IOException {
        return FileChannelIoPort.open(data, metadataOrNull, queueDepth, readOnly, BLOCK_BYTES);
    }

    @Override
    int inFlightCount(IoPort port) {
        return ((FileChannelIoPort) port).inFlightCount();
    }

    @Test
    void opensDirectWhenTheJdksDirectIoUnitFitsTheIoUnitAndThroughThePageCacheWhenNot() throws Exception {
        try (FileChannelIoPort port = FileChannelIoPort.open(dataPath, null, 8, false, BLOCK_BYTES)) {
            assertTrue(port.isDirect(), "ext4's 4096-byte unit fits 4 KiB blocks");
            assertEquals(port.directAlignmentBytes(), port.alignmentBytes());
        }
        try (Arena arena = Arena.ofShared();
             FileChannelIoPort port = FileChannelIoPort.open(dataPath, null, 8, false, 512)) {
            assumeTrue(port.directAlignmentBytes() > 512, "a file system whose direct-I/O unit is 512 bytes");
            assertFalse(port.isDirect());
            assertEquals(512, port.alignmentBytes());
            MemorySegment sector = arena.allocate(512, 512).fill((byte) 0x5A);
            MemorySegment back = arena.allocate(512, 512);
            assertTrue(port.prepareWrite(IoPort.DATA_FILE, 512, sector, IoPort.FLAG_LINK | IoPort.FLAG_DSYNC, 1));
            assertTrue(port.prepareRead(IoPort.DATA_FILE, 512, back, 0, 2));
            reapExactly(port, 2);
            assertEquals(-1, sector.mismatch(back));
        }
        assertEquals(List.of("1:512", "2:512"), completions);
        assertEquals(0x5A, Files.readAllBytes(dataPath)[512]);
    }

    @Test
    void aReadOnlyPortReadsAndCompletesWritesWithEbadfWritingNothing() throws Exception {
        byte[] before = Files.readAllBytes(dataPath);
        MemorySegment block = pool.acquire();
        fill(block, 4);
        try (IoPort port = open(dataPath, null, 4, true)) {
            assertTrue(port.prepareWrite(IoPort.DATA_FILE, 0, block, IoPort.FLAG_DSYNC, 1));
            assertTrue(port.prepareRead(IoPort.DATA_FILE, 0, pool.acquire(), 0, 2));
            assertTrue(port.prepareFsync(IoPort.DATA_FILE, IoPort.FLAG_DATASYNC, 3));
            reapExactly(port, 3);
        }
        assertEquals(List.of("1:" + -Errno.EBADF, "2:4096", "3:0"), completions.stream().sorted().toList());
        assertArrayEquals(before, Files.readAllBytes(dataPath));
    }

    @Test
    void badRequestsCompleteWithAnErrnoAndTouchNothing() throws Exception {
        byte[] before = Files.readAllBytes(dataPath);
        try (Arena shared = Arena.ofShared(); Arena confined = Arena.ofConfined();
             IoPort port = open(dataPath, null, 16, false)) {
            MemorySegment block = shared.allocate(BLOCK_BYTES, BLOCK_BYTES);
            assertTrue(port.prepareWrite(IoPort.DATA_FILE, 0, MemorySegment.ofArray(new byte[BLOCK_BYTES]), 0, 1));
            assertTrue(port.prepareRead(IoPort.DATA_FILE, 0, block.asReadOnly(), 0, 2));
            assertTrue(port.prepareRead(IoPort.DATA_FILE, 0, confined.allocate(BLOCK_BYTES, BLOCK_BYTES), 0, 3));
            assertTrue(port.prepareWrite(IoPort.DATA_FILE, 0, block.asSlice(0, 512), 0, 4));
            assertTrue(port.prepareWrite(IoPort.DATA_FILE, -BLOCK_BYTES, block, 0, 5));
            assertTrue(port.prepareWrite(IoPort.DATA_FILE, 0, block, 1 << 10, 6));
            assertTrue(port.prepareRead(IoPort.DATA_FILE, 1 << 20, block, 0, 7));
            reapExactly(port, 7);
            assertThrows(IllegalArgumentException.class, () -> port.prepareRead(2, 0, block, 0, 8));
        }
        assertEquals(List.of("1:" + -Errno.EFAULT, "2:" + -Errno.EFAULT, "3:" + -Errno.EFAULT, "4:" + -Errno.EINVAL,
                "5:" + -Errno.EINVAL, "6:" + -Errno.EINVAL, "7:0"), completions.stream().sorted().toList(),
                "heap, read-only and thread-confined buffers; unaligned length, negative offset, unknown flag; "
                        + "a read at the end of the file");
        assertArrayEquals(before, Files.readAllBytes(dataPath));
    }

    @Test
    void workersAreFewerThanTheQueueDepthAndAllEndAtClose() throws Exception {
        try (FileChannelIoPort small = FileChannelIoPort.open(dataPath, null, 2, false, BLOCK_BYTES)) {
            assertEquals(2, small.threadCount(), "never more threads than operations in flight");
        }
        FileChannelIoPort port = FileChannelIoPort.open(dataPath, null, 64, false, BLOCK_BYTES);
        assertEquals(FileChannelIoPort.THREADS_DEFAULT, port.threadCount());
        assertEquals(port.threadCount(), port.liveWorkerCount());
        for (int index = 0; index < 32; index++) {
            assertTrue(port.prepareRead(IoPort.DATA_FILE, (long) index * BLOCK_BYTES, pool.acquire(), 0, index));
        }
        assertTimeoutPreemptively(PROMPTLY, port::close); // abandons what is in flight
        assertEquals(0, port.liveWorkerCount());
        assertThrows(IllegalStateException.class, () -> port.prepareRead(IoPort.DATA_FILE, 0, pool.acquire(), 0, 99));
        assertThrows(IllegalStateException.class, () -> port.submitAndReap(0, this::record));
        port.close(); // idempotent
    }

    @Test
    void missingFileIsAClearException() {
        Path missing = directory.resolve("missing");
        var error = assertThrows(NoSuchFileException.class,
            () -> FileChannelIoPort.open(missing, null, 8, true, BLOCK_BYTES));
        assertEquals(missing.toString(), error.getMessage());
    }
}
