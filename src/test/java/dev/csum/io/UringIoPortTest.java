package dev.csum.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.uring.AlignedBufferPool;
import dev.csum.uring.Errno;
import dev.csum.uring.NativeIoException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** UringIoPort through the IoPort interface, on O_DIRECT files in JUnit's temp dir (ext4 /tmp). */
class UringIoPortTest {

    private static final int BLOCK_BYTES = 4096;
    private static final Duration PROMPTLY = Duration.ofSeconds(10);

    @TempDir
    Path directory;

    private Path dataPath;
    private AlignedBufferPool pool;
    private final List<String> completions = new ArrayList<>();

    @BeforeEach
    void createFiles() throws Exception {
        dataPath = directory.resolve("data");
        Files.write(dataPath, new byte[1 << 20]);
        pool = new AlignedBufferPool(64, BLOCK_BYTES, BLOCK_BYTES);
    }

    @AfterEach
    void freeBuffers() {
        pool.close();
    }

    private void record(long userData, int result) {
        completions.add(userData + ":" + result);
    }

    private void reapExactly(IoPort port, int count) throws Exception {
        int target = completions.size() + count;
        while (completions.size() < target) {
            port.submitAndReap(1, this::record);
        }
        assertEquals(target, completions.size());
    }

    private static void fill(MemorySegment buffer, long seed) {
        var random = new Random(seed);
        for (long offset = 0; offset < buffer.byteSize(); offset += 8) {
            buffer.set(ValueLayout.JAVA_LONG, offset, random.nextLong());
        }
    }

    @Test
    void linkedWriteThenReadRoundTripsThroughThePort() throws Exception {
        MemorySegment written = pool.acquire();
        MemorySegment read = pool.acquire();
        fill(written, 1);
        try (IoPort port = UringIoPort.open(dataPath, null, 16, false)) {
            assertEquals(1 << 20, port.fileSizeBytes(IoPort.DATA_FILE));
            assertEquals(1 << 20, port.fileSizeBytes(IoPort.METADATA_FILE), "interleaved: same file");
            assertTrue(port.alignmentBytes() >= 512 && port.alignmentBytes() <= BLOCK_BYTES);
            assertEquals(16, port.queueDepth());
            assertTrue(port.prepareWrite(IoPort.DATA_FILE, 3 * BLOCK_BYTES, written,
                    IoPort.FLAG_LINK | IoPort.FLAG_DSYNC, -7L));
            assertTrue(port.prepareRead(IoPort.METADATA_FILE, 3 * BLOCK_BYTES, read, 0, Long.MAX_VALUE));
            reapExactly(port, 2);
        }
        assertEquals(List.of("-7:4096", Long.MAX_VALUE + ":4096"), completions, "user data passes through intact");
        assertEquals(-1, written.mismatch(read));
    }

    @Test
    void separateMetadataFileReceivesMetadataWrites() throws Exception {
        Path metadataPath = directory.resolve("metadata");
        Files.write(metadataPath, new byte[64 * 1024]);
        MemorySegment written = pool.acquire();
        fill(written, 2);
        try (IoPort port = UringIoPort.open(dataPath, metadataPath, 4, false)) {
            assertEquals(64 * 1024, port.fileSizeBytes(IoPort.METADATA_FILE));
            assertTrue(port.prepareWrite(IoPort.METADATA_FILE, BLOCK_BYTES, written, IoPort.FLAG_LINK, 1));
            assertTrue(port.prepareFsync(IoPort.METADATA_FILE, IoPort.FLAG_DATASYNC, 2));
            reapExactly(port, 2);
        }
        assertEquals(List.of("1:4096", "2:0"), completions);
        byte[] metadata = Files.readAllBytes(metadataPath);
        assertEquals(-1, MemorySegment.ofArray(metadata).asSlice(BLOCK_BYTES, BLOCK_BYTES).mismatch(written));
        assertEquals(0, MemorySegment.ofArray(Files.readAllBytes(dataPath)).asSlice(BLOCK_BYTES, BLOCK_BYTES)
                .mismatch(MemorySegment.ofArray(new byte[BLOCK_BYTES])) == -1 ? 0 : 1, "data file untouched");
    }

    @Test
    void failingLinkedOperationCancelsTheNextOne() throws Exception {
        try (Arena arena = Arena.ofConfined(); IoPort port = UringIoPort.open(dataPath, null, 8, false)) {
            MemorySegment misaligned = arena.allocate(2 * BLOCK_BYTES, BLOCK_BYTES).asSlice(1, BLOCK_BYTES);
            assertTrue(port.prepareWrite(IoPort.DATA_FILE, 0, misaligned, IoPort.FLAG_LINK, 10));
            assertTrue(port.prepareRead(IoPort.DATA_FILE, 0, pool.acquire(), 0, 11));
            reapExactly(port, 2);
        }
        assertEquals(List.of("10:" + -Errno.EINVAL, "11:" + -Errno.ECANCELED), completions);
    }

    @Test
    void wakeupFromAnotherThreadReleasesAWaitWithNothingInFlight() throws Exception {
        try (UringIoPort port = UringIoPort.open(dataPath, null, 8, false)) {
            Thread waker = Thread.ofPlatform().start(() -> {
                sleep(300);
                port.wakeup();
            });
            long started = System.nanoTime();
            int delivered = assertTimeoutPreemptively(PROMPTLY, () -> port.submitAndReap(1, this::record));
            long waitedMillis = (System.nanoTime() - started) / 1_000_000;
            waker.join();
            assertEquals(0, delivered, "woken, not completed");
            assertTrue(waitedMillis >= 250, "it really waited for the wakeup: " + waitedMillis + " ms");
            assertEquals(1, port.wakeupWriteCount(), "one eventfd write for one parked wait");
            assertEquals(List.of(), completions, "the wakeup read never reaches the sink");

            // The read was re-armed: a second wakeup works too.
            Thread second = Thread.ofPlatform().start(() -> {
                sleep(100);
                port.wakeup();
            });
            assertEquals(0, assertTimeoutPreemptively(PROMPTLY, () -> port.submitAndReap(1, this::record)));
            second.join();
        }
    }

    @Test
    void wakeupBeforeTheWaitEndsTheNextWaitWithoutASystemCall() throws Exception {
        try (UringIoPort port = UringIoPort.open(dataPath, null, 8, false)) {
            for (int index = 0; index < 1000; index++) {
                port.wakeup(); // the loop is not parked: these coalesce into one pending flag
            }
            assertEquals(0, assertTimeoutPreemptively(PROMPTLY, () -> port.submitAndReap(1, this::record)));
            assertEquals(0, port.wakeupWriteCount(), "a loop that is not parked costs wakers no system call");
        }
    }

    @Test
    void drainedFsyncIsNotHeldBackByTheArmedWakeupRead() throws Exception {
        try (UringIoPort port = UringIoPort.open(dataPath, null, 16, false)) {
            port.submitAndReap(0, this::record); // arms the wakeup read
            for (int index = 0; index < 6; index++) {
                MemorySegment buffer = pool.acquire();
                fill(buffer, index);
                assertTrue(port.prepareWrite(IoPort.DATA_FILE, (long) index * 5 * BLOCK_BYTES, buffer, 0, index));
            }
            assertTrue(port.prepareFsync(IoPort.DATA_FILE, IoPort.FLAG_DRAIN, 100));
            assertTimeoutPreemptively(PROMPTLY, () -> reapExactly(port, 7));
            assertEquals("100:0", completions.get(6), "fsync after all writes: " + completions);

            // A drain inside a link chain: the kernel drains the chain's head, which must not wait
            // for the wakeup read either. (assertTimeoutPreemptively runs each part on a new
            // thread, so this also covers a read cancelled because its submitting thread exited.)
            MemorySegment buffer = pool.acquire();
            fill(buffer, 9);
            assertTrue(port.prepareWrite(IoPort.DATA_FILE, 0, buffer, IoPort.FLAG_LINK, 200));
            assertTrue(port.prepareFsync(IoPort.DATA_FILE, IoPort.FLAG_DRAIN | IoPort.FLAG_DATASYNC, 201));
            assertTimeoutPreemptively(PROMPTLY, () -> reapExactly(port, 2));
            assertEquals(List.of("200:4096", "201:0"), completions.subList(7, 9));

            // And the wakeup read is back afterwards.
            Thread waker = Thread.ofPlatform().start(() -> {
                sleep(100);
                port.wakeup();
            });
            assertEquals(0, assertTimeoutPreemptively(PROMPTLY, () -> port.submitAndReap(1, this::record)));
            waker.join();
        }
    }

    @Test
    void fullPortRefusesMoreOperationsAndDeliversEveryOne() throws Exception {
        int queueDepth = 4;
        try (UringIoPort port = UringIoPort.open(dataPath, null, queueDepth, false)) {
            for (int index = 0; index < queueDepth; index++) {
                assertTrue(port.prepareRead(IoPort.DATA_FILE, (long) index * BLOCK_BYTES, pool.acquire(), 0, index));
            }
            assertFalse(port.prepareRead(IoPort.DATA_FILE, 0, pool.acquire(), 0, 99), "queue depth reached");
            assertEquals(queueDepth, port.inFlightCount());
            int delivered = 0;
            while (delivered < queueDepth) {
                delivered += port.submitAndReap(queueDepth - delivered, this::record);
            }
            assertEquals(0, port.inFlightCount());
            assertTrue(port.prepareRead(IoPort.DATA_FILE, 0, pool.acquire(), 0, 5), "room again");
            reapExactly(port, 1);
        }
        assertEquals(List.of("0:4096", "1:4096", "2:4096", "3:4096", "5:4096"), completions.stream().sorted().toList());
    }

    @Test
    void thousandRandomWritesThenReadsMatchAReferenceCopy() throws Exception {
        int blockCount = (1 << 20) / BLOCK_BYTES;
        byte[] reference = new byte[1 << 20];
        var random = new Random(7);
        int[] mismatches = {0};
        try (UringIoPort port = UringIoPort.open(dataPath, null, 32, false)) {
            for (boolean writing : new boolean[] {true, false}) {
                boolean[] blockBusy = new boolean[blockCount];
                int[] bufferBlock = new int[pool.bufferCount()];
                int[] done = {0};
                IoPort.CompletionSink sink = (userData, result) -> {
                    int bufferIndex = (int) userData;
                    int block = bufferBlock[bufferIndex];
                    assertEquals(BLOCK_BYTES, result);
                    if (!writing && pool.buffer(bufferIndex).mismatch(MemorySegment.ofArray(reference)
                            .asSlice((long) block * BLOCK_BYTES, BLOCK_BYTES)) != -1) {
                        mismatches[0]++;
                    }
                    blockBusy[block] = false;
                    pool.release(bufferIndex);
                    done[0]++;
                };
                int started = 0;
                while (done[0] < 1000) {
                    while (started < 1000 && port.inFlightCount() < port.queueDepth()) {
                        int block = random.nextInt(blockCount);
                        if (blockBusy[block]) {
                            continue;
                        }
                        int bufferIndex = pool.acquireIndex();
                        MemorySegment buffer = pool.buffer(bufferIndex);
                        long offsetBytes = (long) block * BLOCK_BYTES;
                        if (writing) {
                            fill(buffer, random.nextLong());
                            MemorySegment.copy(buffer, 0, MemorySegment.ofArray(reference), offsetBytes, BLOCK_BYTES);
                            assertTrue(port.prepareWrite(IoPort.DATA_FILE, offsetBytes, buffer, 0, bufferIndex));
                        } else {
                            assertTrue(port.prepareRead(IoPort.DATA_FILE, offsetBytes, buffer, 0, bufferIndex));
                        }
                        blockBusy[block] = true;
                        bufferBlock[bufferIndex] = block;
                        started++;
                    }
                    port.submitAndReap(1, sink);
                }
            }
        }
        assertEquals(0, mismatches[0]);
        assertEquals(-1, MemorySegment.ofArray(reference).mismatch(MemorySegment.ofArray(Files.readAllBytes(dataPath))));
    }

    @Test
    void missingFileIsAClearException() {
        Path missing = directory.resolve("missing");
        var error = assertThrows(NativeIoException.class, () -> UringIoPort.open(missing, null, 8, true));
        assertEquals("open " + missing + ": ENOENT (errno 2)", error.getMessage());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
