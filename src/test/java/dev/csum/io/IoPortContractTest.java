package dev.csum.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.uring.AlignedBufferPool;
import dev.csum.uring.Errno;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link IoPort} contract every port on real files keeps, through the interface: round trips,
 * files, io_uring's link and drain semantics, wakeup, a full queue. One subclass per port opens it
 * ({@code UringIoPortTest}, {@code FileChannelIoPortTest}) and adds what is particular to it. The
 * files are O_DIRECT-capable, in JUnit's temp dir (ext4 /tmp).
 */
abstract class IoPortContractTest {

    static final int BLOCK_BYTES = 4096;
    static final Duration PROMPTLY = Duration.ofSeconds(10);

    @TempDir
    Path directory;

    Path dataPath;
    AlignedBufferPool pool;
    final List<String> completions = new ArrayList<>();

    /** Opens the port under test on {@code data} (and {@code metadataOrNull}) for I/O in 4 KiB units. */
    abstract IoPort open(Path data, Path metadataOrNull, int queueDepth, boolean readOnly) throws IOException;

    /** Operations prepared and not yet delivered. */
    abstract int inFlightCount(IoPort port);

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

    void record(long userData, int result) {
        completions.add(userData + ":" + result);
    }

    void reapExactly(IoPort port, int count) throws Exception {
        int target = completions.size() + count;
        while (completions.size() < target) {
            port.submitAndReap(1, this::record);
        }
        assertEquals(target, completions.size());
    }

    static void fill(MemorySegment buffer, long seed) {
        var random = new Random(seed);
        for (long offset = 0; offset < buffer.byteSize(); offset += 8) {
            buffer.set(ValueLayout.JAVA_LONG, offset, random.nextLong());
        }
    }

    /**
     * Waits in {@code submitAndReap(1)} while another thread calls {@code wakeup()} after
     * {@code delayMillis}: the wait must end promptly and deliver nothing. Returns how long it waited.
     */
    long waitEndedByAWakeupAfter(IoPort port, long delayMillis) throws Exception {
        Thread waker = Thread.ofPlatform().start(() -> {
            sleep(delayMillis);
            port.wakeup();
        });
        long started = System.nanoTime();
        assertEquals(0, assertTimeoutPreemptively(PROMPTLY, () -> port.submitAndReap(1, this::record)),
                "woken, not completed");
        long waitedMillis = (System.nanoTime() - started) / 1_000_000;
        waker.join();
        return waitedMillis;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void linkedWriteThenReadRoundTripsThroughThePort() throws Exception {
        MemorySegment written = pool.acquire();
        MemorySegment read = pool.acquire();
        fill(written, 1);
        try (IoPort port = open(dataPath, null, 16, false)) {
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
        try (IoPort port = open(dataPath, metadataPath, 4, false)) {
            assertEquals(64 * 1024, port.fileSizeBytes(IoPort.METADATA_FILE));
            assertTrue(port.prepareWrite(IoPort.METADATA_FILE, BLOCK_BYTES, written, IoPort.FLAG_LINK, 1));
            assertTrue(port.prepareFsync(IoPort.METADATA_FILE, IoPort.FLAG_DATASYNC, 2));
            reapExactly(port, 2);
        }
        assertEquals(List.of("1:4096", "2:0"), completions);
        byte[] metadata = Files.readAllBytes(metadataPath);
        assertEquals(-1, MemorySegment.ofArray(metadata).asSlice(BLOCK_BYTES, BLOCK_BYTES).mismatch(written));
        assertEquals(-1, MemorySegment.ofArray(Files.readAllBytes(dataPath)).asSlice(BLOCK_BYTES, BLOCK_BYTES)
                .mismatch(MemorySegment.ofArray(new byte[BLOCK_BYTES])), "data file untouched");
    }

    @Test
    void failingLinkedOperationCancelsTheNextOne() throws Exception {
        try (Arena arena = Arena.ofShared(); IoPort port = open(dataPath, null, 8, false)) {
            MemorySegment misaligned = arena.allocate(2 * BLOCK_BYTES, BLOCK_BYTES).asSlice(1, BLOCK_BYTES);
            assertTrue(port.prepareWrite(IoPort.DATA_FILE, 0, misaligned, IoPort.FLAG_LINK, 10));
            assertTrue(port.prepareRead(IoPort.DATA_FILE, 0, pool.acquire(), 0, 11));
            reapExactly(port, 2);
        }
        assertEquals(List.of("10:" + -Errno.EINVAL, "11:" + -Errno.ECANCELED), completions);
    }

    @Test
    void aFailureCancelsEveryLaterOperationOfTheChainAndNothingAfterIt() throws Exception {
        MemorySegment written = pool.acquire();
        fill(written, 3);
        try (IoPort port = open(dataPath, null, 8, false)) {
            assertTrue(port.prepareWrite(IoPort.DATA_FILE, BLOCK_BYTES + 1, written, IoPort.FLAG_LINK, 20));
            assertTrue(port.prepareWrite(IoPort.DATA_FILE, 0, written, IoPort.FLAG_LINK, 21));
            assertTrue(port.prepareFsync(IoPort.DATA_FILE, 0, 22));
            assertTrue(port.prepareRead(IoPort.DATA_FILE, 0, pool.acquire(), 0, 23)); // not linked: runs
            reapExactly(port, 4);
        }
        assertEquals(List.of("20:" + -Errno.EINVAL, "21:" + -Errno.ECANCELED, "22:" + -Errno.ECANCELED, "23:4096"),
                completions.stream().sorted().toList());
        assertEquals(-1, MemorySegment.ofArray(Files.readAllBytes(dataPath)).asSlice(0, BLOCK_BYTES)
                .mismatch(MemorySegment.ofArray(new byte[BLOCK_BYTES])), "the cancelled write wrote nothing");
    }

    @Test
    void aShortReadAtTheEndOfTheFileFailsItsLink() throws Exception {
        try (Arena arena = Arena.ofShared(); IoPort port = open(dataPath, null, 8, false)) {
            MemorySegment twoBlocks = arena.allocate(2 * BLOCK_BYTES, BLOCK_BYTES);
            assertTrue(port.prepareRead(IoPort.DATA_FILE, (1 << 20) - BLOCK_BYTES, twoBlocks, IoPort.FLAG_LINK, 30));
            assertTrue(port.prepareRead(IoPort.DATA_FILE, 0, pool.acquire(), 0, 31));
            reapExactly(port, 2);
        }
        assertEquals(List.of("30:4096", "31:" + -Errno.ECANCELED), completions, "a short transfer breaks the link");
    }

    @Test
    void wakeupFromAnotherThreadReleasesAWaitWithNothingInFlight() throws Exception {
        try (IoPort port = open(dataPath, null, 8, false)) {
            long waitedMillis = waitEndedByAWakeupAfter(port, 300);
            assertTrue(waitedMillis >= 250, "it really waited for the wakeup: " + waitedMillis + " ms");
            assertEquals(List.of(), completions, "a wakeup is not a completion");
            waitEndedByAWakeupAfter(port, 100); // a second wakeup works too
        }
    }

    @Test
    void wakeupsBeforeTheWaitEndTheNextWaitOnce() throws Exception {
        try (IoPort port = open(dataPath, null, 8, false)) {
            for (int index = 0; index < 1000; index++) {
                port.wakeup(); // the loop is not waiting: these coalesce into one pending wakeup
            }
            assertEquals(0, assertTimeoutPreemptively(PROMPTLY, () -> port.submitAndReap(1, this::record)));
            assertTrue(port.prepareRead(IoPort.DATA_FILE, 0, pool.acquire(), 0, 1));
            reapExactly(port, 1); // consumed: this wait ends with the completion
        }
        assertEquals(List.of("1:4096"), completions);
    }

    @Test
    void wakeupsRacingCompletionsLoseNoCompletionAndNoWakeup() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        try (IoPort port = open(dataPath, null, 16, false)) {
            Thread waker = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    port.wakeup();
                }
            });
            try {
                int delivered = 0;
                int started = 0;
                while (delivered < 5000) {
                    while (started < 5000 && inFlightCount(port) < port.queueDepth()) {
                        int bufferIndex = pool.acquireIndex();
                        assertTrue(port.prepareRead(IoPort.DATA_FILE, (long) (started % 256) * BLOCK_BYTES,
                                pool.buffer(bufferIndex), 0, bufferIndex));
                        started++;
                    }
                    delivered += assertTimeoutPreemptively(PROMPTLY, () -> port.submitAndReap(1, (userData, result) -> {
                        assertEquals(BLOCK_BYTES, result);
                        pool.release((int) userData);
                    }));
                }
                assertEquals(0, inFlightCount(port));
            } finally {
                stop.set(true);
                waker.join();
            }
            // Nothing in flight and the racing waker gone: a wait ends (at once on a wakeup it left
            // pending, else on this one).
            waitEndedByAWakeupAfter(port, 100);
        }
    }

    /**
     * For io_uring this also covers the port's armed wakeup read, which a drain would otherwise wait
     * for; assertTimeoutPreemptively runs each part on a new thread, which for io_uring also covers a
     * read cancelled because its submitting thread exited.
     */
    @Test
    void drainedFsyncStartsAfterEveryEarlierOperationAndBeforeEveryLaterOne() throws Exception {
        try (IoPort port = open(dataPath, null, 16, false)) {
            port.submitAndReap(0, this::record);
            for (int index = 0; index < 6; index++) {
                MemorySegment buffer = pool.acquire();
                fill(buffer, index);
                assertTrue(port.prepareWrite(IoPort.DATA_FILE, (long) index * 5 * BLOCK_BYTES, buffer, 0, index));
            }
            assertTrue(port.prepareFsync(IoPort.DATA_FILE, IoPort.FLAG_DRAIN, 100));
            assertTrue(port.prepareRead(IoPort.DATA_FILE, 0, pool.acquire(), 0, 101));
            assertTimeoutPreemptively(PROMPTLY, () -> reapExactly(port, 8));
            assertEquals(List.of("100:0", "101:4096"), completions.subList(6, 8), "fsync after all writes, "
                    + "and the read after it: " + completions);

            // A drain inside a link chain drains the chain from its head.
            MemorySegment buffer = pool.acquire();
            fill(buffer, 9);
            assertTrue(port.prepareWrite(IoPort.DATA_FILE, 0, buffer, IoPort.FLAG_LINK, 200));
            assertTrue(port.prepareFsync(IoPort.DATA_FILE, IoPort.FLAG_DRAIN | IoPort.FLAG_DATASYNC, 201));
            assertTimeoutPreemptively(PROMPTLY, () -> reapExactly(port, 2));
            assertEquals(List.of("200:4096", "201:0"), completions.subList(8, 10));

            waitEndedByAWakeupAfter(port, 100); // and wakeups still work afterwards
        }
    }

    @Test
    void fullPortRefusesMoreOperationsAndDeliversEveryOne() throws Exception {
        int queueDepth = 4;
        try (IoPort port = open(dataPath, null, queueDepth, false)) {
            for (int index = 0; index < queueDepth; index++) {
                assertTrue(port.prepareRead(IoPort.DATA_FILE, (long) index * BLOCK_BYTES, pool.acquire(), 0, index));
            }
            assertFalse(port.prepareRead(IoPort.DATA_FILE, 0, pool.acquire(), 0, 99), "queue depth reached");
            assertEquals(queueDepth, inFlightCount(port));
            int delivered = 0;
            while (delivered < queueDepth) {
                delivered += port.submitAndReap(queueDepth - delivered, this::record);
            }
            assertEquals(0, inFlightCount(port));
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
        try (IoPort port = open(dataPath, null, 32, false)) {
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
                    while (started < 1000 && inFlightCount(port) < port.queueDepth()) {
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
}
