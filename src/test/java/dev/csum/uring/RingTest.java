package dev.csum.uring;

import static dev.csum.uring.IoUringConstants.IORING_FSYNC_DATASYNC;
import static dev.csum.uring.IoUringConstants.IOSQE_IO_DRAIN;
import static dev.csum.uring.IoUringConstants.IOSQE_IO_LINK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ring against a real O_DIRECT file on ext4 (JUnit's temp dir is under /tmp). */
class RingTest {

    private static final int BLOCK_BYTES = 4096;

    @TempDir
    Path directory;

    private Path path;
    private NativeFile file;
    private AlignedBufferPool pool;
    private final List<long[]> completions = new ArrayList<>(); // {userData, result} in reap order

    @BeforeEach
    void openFile() throws Exception {
        path = directory.resolve("data");
        file = NativeFile.open(path, false, true);
        file.truncate(4L << 20);
        pool = new AlignedBufferPool(64, BLOCK_BYTES, BLOCK_BYTES);
    }

    @AfterEach
    void closeFile() throws Exception {
        file.close();
        pool.close();
    }

    private void record(long userData, int result) {
        completions.add(new long[] {userData, result});
    }

    private void reapExactly(Ring ring, int count) throws Exception {
        int before = completions.size();
        while (completions.size() - before < count) {
            ring.submitAndWait(1);
            ring.reap(this::record);
        }
        assertEquals(before + count, completions.size(), "no extra completions");
    }

    private static void fill(MemorySegment buffer, long seed) {
        var random = new Random(seed);
        for (long offset = 0; offset < buffer.byteSize(); offset += 8) {
            buffer.set(ValueLayout.JAVA_LONG, offset, random.nextLong());
        }
    }

    @Test
    void fileKnowsItsSizeAndDirectIoAlignment() throws Exception {
        assertEquals(4L << 20, file.sizeBytes());
        assertFalse(file.isBlockDevice());
        int alignment = file.alignmentBytes();
        assertTrue(alignment >= 512 && alignment <= 4096 && Integer.bitCount(alignment) == 1, "alignment " + alignment);
    }

    @Test
    void linkedWriteThenReadSeesTheWrittenBytes() throws Exception {
        MemorySegment written = pool.acquire();
        MemorySegment read = pool.acquire();
        fill(written, 42);
        read.fill((byte) 0);
        try (Ring ring = Ring.open(8)) {
            assertTrue(ring.prepareWrite(file.fd(), written, 8 * BLOCK_BYTES, IOSQE_IO_LINK, 0, 1));
            assertTrue(ring.prepareRead(file.fd(), read, 8 * BLOCK_BYTES, 0, 2));
            assertEquals(2, ring.submit());
            reapExactly(ring, 2);
        }
        assertEquals(List.of("1:4096", "2:4096"), describe(completions), "the link orders the read after the write");
        assertEquals(-1, written.mismatch(read), "the read returns the written bytes");
        assertTrue(Files.size(path) >= 9 * BLOCK_BYTES);
    }

    @Test
    void drainedFsyncCompletesAfterEveryEarlierWrite() throws Exception {
        int writeCount = 12;
        try (Ring ring = Ring.open(32)) {
            for (int index = 0; index < writeCount; index++) {
                MemorySegment buffer = pool.acquire();
                fill(buffer, index);
                assertTrue(ring.prepareWrite(file.fd(), buffer, (long) index * 7 * BLOCK_BYTES, 0, 0, index));
            }
            assertTrue(ring.prepareFsync(file.fd(), IORING_FSYNC_DATASYNC, IOSQE_IO_DRAIN, 100));
            // A drained no-op after the fsync must wait for it too; without the drain flag a NOP
            // completes inline at submit time, ahead of any disk write.
            assertTrue(ring.prepareNop(IOSQE_IO_DRAIN, 101));
            ring.submit();
            reapExactly(ring, writeCount + 2);
        }
        for (int index = 0; index < writeCount; index++) {
            assertEquals(BLOCK_BYTES, completions.get(index)[1], "write " + index + " succeeded");
            assertTrue(completions.get(index)[0] < writeCount, "writes complete first: " + describe(completions));
        }
        assertEquals("100:0", describe(completions).get(writeCount), "fsync after all writes");
        assertEquals("101:0", describe(completions).get(writeCount + 1), "drained nop last");
    }

    @Test
    void dsyncWriteAndDatasyncFsyncAreAcceptedByTheKernel() throws Exception {
        MemorySegment buffer = pool.acquire();
        fill(buffer, 7);
        try (Ring ring = Ring.open(4)) {
            assertTrue(ring.prepareWrite(file.fd(), buffer, 0, IOSQE_IO_LINK, LibcConstants.RWF_DSYNC, 1));
            assertTrue(ring.prepareFsync(file.fd(), IORING_FSYNC_DATASYNC, 0, 2));
            ring.submit();
            reapExactly(ring, 2);
        }
        assertEquals(List.of("1:4096", "2:0"), describe(completions));
    }

    @Test
    void thousandRandomWritesThenReadsAtQueueDepth32MatchAReferenceCopy() throws Exception {
        int blockCount = (int) (file.sizeBytes() / BLOCK_BYTES);
        byte[] reference = new byte[blockCount * BLOCK_BYTES];
        boolean[] blockInFlight = new boolean[blockCount];
        int[] bufferBlock = new int[pool.bufferCount()];
        var random = new Random(20240601);
        int queueDepth = 32;
        int[] mismatches = {0};
        int[] completed = {0};
        try (Ring ring = Ring.open(queueDepth)) {
            for (int phase = 0; phase < 2; phase++) {
                boolean writing = phase == 0;
                int started = 0;
                completed[0] = 0;
                CompletionSink sink = (userData, result) -> {
                    int bufferIndex = (int) userData;
                    int block = bufferBlock[bufferIndex];
                    assertEquals(BLOCK_BYTES, result, "block " + block);
                    if (!writing) {
                        MemorySegment expected = MemorySegment.ofArray(reference)
                                .asSlice((long) block * BLOCK_BYTES, BLOCK_BYTES);
                        if (pool.buffer(bufferIndex).mismatch(expected) != -1) {
                            mismatches[0]++;
                        }
                    }
                    blockInFlight[block] = false;
                    pool.release(bufferIndex);
                    completed[0]++;
                };
                while (completed[0] < 1000) {
                    // Keep the queue full; never two writes to one block in flight (their order
                    // would be undefined, and so would the reference copy).
                    while (started < 1000 && ring.outstandingCount() < queueDepth) {
                        int block = random.nextInt(blockCount);
                        if (blockInFlight[block]) {
                            continue;
                        }
                        int bufferIndex = pool.acquireIndex();
                        MemorySegment buffer = pool.buffer(bufferIndex);
                        long offsetBytes = (long) block * BLOCK_BYTES;
                        boolean queued;
                        if (writing) {
                            fill(buffer, random.nextLong());
                            MemorySegment.copy(buffer, 0, MemorySegment.ofArray(reference), offsetBytes, BLOCK_BYTES);
                            queued = ring.prepareWrite(file.fd(), buffer, offsetBytes, 0, 0, bufferIndex);
                        } else {
                            buffer.fill((byte) 0x5a);
                            queued = ring.prepareRead(file.fd(), buffer, offsetBytes, 0, bufferIndex);
                        }
                        assertTrue(queued, "ring has room below its queue depth");
                        blockInFlight[block] = true;
                        bufferBlock[bufferIndex] = block;
                        started++;
                    }
                    assertTrue(ring.outstandingCount() <= queueDepth);
                    ring.submitAndWait(1);
                    ring.reap(sink);
                }
                assertEquals(1000, completed[0]);
                assertEquals(0, ring.outstandingCount());
            }
            assertEquals(2000, ring.reapedTotal());
        }
        assertEquals(0, mismatches[0], "every read matches the reference copy");
        assertEquals(pool.bufferCount(), pool.freeCount(), "every buffer came back");
        // And the file as a whole, read back through the JDK, equals the reference.
        assertArrayEquals(reference, Files.readAllBytes(path));
    }

    @Test
    void misalignedOffsetCompletesWithEinvalAndBecomesAnExceptionNamingOpFileAndOffset() throws Exception {
        MemorySegment buffer = pool.acquire();
        int result;
        try (Ring ring = Ring.open(4)) {
            // Write the block first: ext4 answers a read of a hole with zeros without checking alignment.
            assertTrue(ring.prepareWrite(file.fd(), buffer, 0, IOSQE_IO_LINK, 0, 8));
            assertTrue(ring.prepareRead(file.fd(), buffer, 100, 0, 9));
            ring.submit();
            reapExactly(ring, 2);
            assertEquals("8:4096", describe(completions).get(0));
            result = (int) completions.get(1)[1];
        }
        assertEquals(-Errno.EINVAL, result);
        var error = assertThrows(NativeIoException.class, () -> NativeIoException.check(result, "read", path, 100));
        assertEquals("read " + path + " at offset 100: EINVAL (errno 22)", error.getMessage());
        assertEquals(Errno.EINVAL, error.errno());
        assertEquals("EINVAL", error.errnoName());
    }

    @Test
    void misalignedBufferAddressCompletesWithEinvalWithoutCrashing() throws Exception {
        try (Arena arena = Arena.ofConfined(); Ring ring = Ring.open(4)) {
            MemorySegment misaligned = arena.allocate(2 * BLOCK_BYTES, BLOCK_BYTES).asSlice(1, BLOCK_BYTES);
            assertTrue(ring.prepareWrite(file.fd(), misaligned, 0, 0, 0, 5));
            ring.submit();
            reapExactly(ring, 1);
        }
        assertEquals(List.of("5:-22"), describe(completions));
    }

    @Test
    void heapBufferIsRefusedBeforeItReachesTheKernel() throws Exception {
        try (Ring ring = Ring.open(4)) {
            assertThrows(IllegalArgumentException.class,
                    () -> ring.prepareRead(file.fd(), MemorySegment.ofArray(new byte[BLOCK_BYTES]), 0, 0, 1));
            assertEquals(0, ring.outstandingCount());
        }
    }

    @Test
    void nonexistentPathIsAClearException() {
        Path missing = directory.resolve("no/such/file");
        var error = assertThrows(NativeIoException.class, () -> NativeFile.open(missing, true, false));
        assertEquals("open " + missing + ": ENOENT (errno 2)", error.getMessage());
        assertEquals(Errno.ENOENT, error.errno());
    }

    @Test
    void fullRingIsReportedNeitherDroppedNorBlocking() throws Exception {
        try (Ring ring = Ring.open(4)) {
            for (int index = 0; index < 4; index++) {
                assertTrue(ring.prepareNop(0, index));
            }
            assertFalse(ring.prepareNop(0, 4), "fifth operation refused");
            assertEquals(4, ring.submit());
            assertFalse(ring.prepareNop(0, 4), "still full until completions are reaped");
            assertThrows(IllegalArgumentException.class, () -> ring.submitAndWait(5), "would wait forever");
            reapExactly(ring, 4);
            assertTrue(ring.prepareNop(0, 4), "room again after reaping");
            ring.submit();
            reapExactly(ring, 1);
        }
        assertEquals(List.of("0:0", "1:0", "2:0", "3:0", "4:0"), describe(completions), "nothing dropped");
    }

    @Test
    void reapHandsOutAtMostTheRequestedBatchAndAdvancesTheHeadOnce() throws Exception {
        try (Ring ring = Ring.open(8)) {
            for (int index = 0; index < 8; index++) {
                assertTrue(ring.prepareNop(0, index));
            }
            ring.submitAndWait(8);
            assertEquals(8, ring.readyCount());
            assertEquals(3, ring.reap(this::record, 3));
            assertEquals(5, ring.readyCount());
            assertEquals(5, ring.reap(this::record));
            assertEquals(0, ring.reap(this::record));
        }
        assertEquals(List.of("0:0", "1:0", "2:0", "3:0", "4:0", "5:0", "6:0", "7:0"), describe(completions));
    }

    @Test
    void fixedBufferRoundTrip() throws Exception {
        MemorySegment written = pool.buffer(0);
        MemorySegment read = pool.buffer(1);
        fill(written, 99);
        try (Ring ring = Ring.open(4)) {
            ring.registerBuffers(pool.slab());
            assertTrue(ring.prepareWriteFixed(file.fd(), written, 0, 0, IOSQE_IO_LINK, 0, 1));
            assertTrue(ring.prepareReadFixed(file.fd(), read, 0, 0, 0, 2));
            ring.submit();
            reapExactly(ring, 2);
        }
        assertEquals(List.of("1:4096", "2:4096"), describe(completions));
        assertEquals(-1, written.mismatch(read));
    }

    @Test
    void closedRingThrowsInsteadOfTouchingUnmappedMemory() throws Exception {
        Ring ring = Ring.open(4);
        ring.close();
        ring.close();
        assertThrows(IllegalStateException.class, () -> ring.prepareNop(0, 1));
        assertThrows(IllegalStateException.class, () -> ring.reap(this::record));
    }

    @Test
    void queueDepthOutOfRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Ring.open(0));
        assertThrows(IllegalArgumentException.class, () -> Ring.open(Ring.QUEUE_DEPTH_MAX + 1));
    }

    private static List<String> describe(List<long[]> completions) {
        return completions.stream().map(c -> c[0] + ":" + c[1]).toList();
    }

}
