package dev.csum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A caller that closes the arena of a buffer the event loop still has to copy into (a read's
 * destination) or out of (the source of a write started from a callback) breaks the rules; only
 * that caller's requests may fail, with an {@link IOException} saying so. Everything else in flight,
 * later requests, {@code close()} and reopening go on working.
 */
class VolumeArenaCloseTest {
    private static final int BLOCK = 4096;
    private static final int READ_BLOCKS = 16;
    private static final long READ_BYTES = (long) READ_BLOCKS * BLOCK;
    /** Reads into the arena that is closed under them, per round. */
    private static final int DOOMED_READS = 64;
    /** Reads into a live arena, in flight together with the doomed ones, per round. */
    private static final int LIVE_READS = 16;
    /** Rounds tried until one of them catches a doomed read still in flight when its arena closes. */
    private static final int ROUNDS_MAX = 50;
    private static final long WAIT_SECONDS = 10;

    @TempDir
    Path directory;

    /** The I/O port these tests run on; {@code VolumeArenaClosePortableTest} runs them on the portable one. */
    IoEngine ioEngine() {
        return IoEngine.IO_URING;
    }

    private VolumeOptions formatVolume() throws IOException {
        Path data = directory.resolve("volume");
        Volume.format(FormatOptions.of(data).withSizeBytes(16L << 20).withBlockSizeBytes(BLOCK));
        return VolumeOptions.of(data).withIoEngine(ioEngine()).withQueueDepth(32);
    }

    /** Every 8-byte word of a block holds that block's number, so a block read from elsewhere shows. */
    private static void fillBlockNumbers(MemorySegment segment, long firstBlock) {
        for (long offset = 0; offset < segment.byteSize(); offset += 8) {
            segment.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, firstBlock + offset / BLOCK);
        }
    }

    private static void assertHoldsBlockNumbers(MemorySegment segment, long firstBlock) {
        for (long offset = 0; offset < segment.byteSize(); offset += 8) {
            long expected = firstBlock + offset / BLOCK;
            long actual = segment.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
            if (actual != expected) {
                fail("word at byte " + offset + " holds " + actual + ", not block number " + expected);
            }
        }
    }

    /** Closes a shared arena, retrying while a thread (the event loop) is in the middle of accessing it. */
    private static void closeWhileInUse(Arena arena) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (true) {
            try {
                arena.close();
                return;
            } catch (IllegalStateException inUse) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the arena could not be closed", inUse);
                }
                Thread.onSpinWait();
            }
        }
    }

    private static void assertNamesTheInaccessibleBuffer(Throwable failure, String request, long offsetBytes,
                                                         long lengthBytes) {
        IOException io = assertInstanceOf(IOException.class, failure);
        String message = io.getMessage();
        assertTrue(message.contains(request + " of " + lengthBytes + " bytes at offset " + offsetBytes)
            && message.contains("no longer accessible"), message);
    }

    @Test
    void readsIntoAnArenaClosedInFlightFailAloneAndTheVolumeGoesOn() throws Exception {
        VolumeOptions options = formatVolume();
        long patternBytes = DOOMED_READS * READ_BYTES;
        AtomicInteger failedReadsTold = new AtomicInteger();
        try (Volume volume = Volume.open(options); Arena live = Arena.ofShared()) {
            MemorySegment pattern = live.allocate(patternBytes, 64);
            fillBlockNumbers(pattern, 0);
            volume.writeBlocking(0, pattern);
            volume.addObserver((kind, lengthBytes, latencyNanos, failed, mismatchedBlocks) -> {
                if (kind == RequestKind.READ && failed) {
                    failedReadsTold.incrementAndGet();
                }
            });
            int failedReads = 0;
            int rounds = 0;
            while (failedReads == 0 && rounds < ROUNDS_MAX) {
                failedReads += closeArenaUnderReads(volume, live);
                rounds++;
            }
            assertTrue(failedReads > 0, "in " + rounds + " rounds no read was still in flight when its arena closed");
            assertEquals(failedReads, failedReadsTold.get(), "the listener is told of every failed read");

            MemorySegment later = live.allocate(READ_BYTES, 64);
            volume.read(READ_BYTES, later).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertHoldsBlockNumbers(later, READ_BLOCKS);
            fillBlockNumbers(later, 7);
            volume.write(patternBytes, later).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(0, volume.stats().inFlight());
            assertEquals(0, volume.stats().mismatches());
        }
        try (Volume reopened = Volume.open(options); Arena arena = Arena.ofConfined()) {
            MemorySegment back = arena.allocate(patternBytes, 64);
            reopened.readBlocking(0, back);
            assertHoldsBlockNumbers(back, 0);
            MemorySegment written = arena.allocate(READ_BYTES, 64);
            reopened.readBlocking(patternBytes, written);
            assertHoldsBlockNumbers(written, 7);
        }
    }

    /**
     * One round: {@value #DOOMED_READS} asynchronous reads into a shared arena that is closed as soon
     * as they are issued, with reads into {@code live} among them. Returns how many doomed reads
     * failed (the others finished before the close).
     */
    private static int closeArenaUnderReads(Volume volume, Arena live) throws Exception {
        Arena doomed = Arena.ofShared();
        List<CompletableFuture<Void>> doomedReads = new ArrayList<>();
        List<CompletableFuture<Void>> liveReads = new ArrayList<>();
        List<MemorySegment> liveDestinations = new ArrayList<>();
        for (int i = 0; i < DOOMED_READS; i++) {
            doomedReads.add(volume.read(i * READ_BYTES, doomed.allocate(READ_BYTES, 64)));
            if (i % (DOOMED_READS / LIVE_READS) == 0) {
                MemorySegment destination = live.allocate(READ_BYTES, 64);
                liveDestinations.add(destination);
                liveReads.add(volume.read(i * READ_BYTES, destination));
            }
        }
        closeWhileInUse(doomed);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        int failed = 0;
        for (int i = 0; i < DOOMED_READS; i++) {
            try {
                doomedReads.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                assertNamesTheInaccessibleBuffer(e.getCause(), "read", i * READ_BYTES, READ_BYTES);
                failed++;
            } catch (TimeoutException e) {
                fail("read " + i + " into the closed arena never completed (" + volume.stats() + ")");
            }
        }
        for (int i = 0; i < LIVE_READS; i++) {
            liveReads.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertHoldsBlockNumbers(liveDestinations.get(i), (long) i * (DOOMED_READS / LIVE_READS) * READ_BLOCKS);
        }
        return failed;
    }

    @Test
    void aWriteStartedFromACallbackWhoseSourceArenaClosedFailsAlone() throws Exception {
        VolumeOptions options = formatVolume();
        long doomedOffset = 100L * BLOCK;
        long liveOffset = 200L * BLOCK;
        long lengthBytes = 2L * BLOCK;
        try (Volume volume = Volume.open(options); Arena live = Arena.ofShared()) {
            MemorySegment original = live.allocate(lengthBytes, 64);
            fillBlockNumbers(original, 100);
            volume.writeBlocking(doomedOffset, original);
            Arena doomed = Arena.ofShared();
            MemorySegment doomedSource = doomed.allocate(lengthBytes, 64).fill((byte) 0x5A);
            MemorySegment liveSource = live.allocate(lengthBytes, 64);
            fillBlockNumbers(liveSource, 200);
            CompletableFuture<IOException> doomedWrite = new CompletableFuture<>();
            CompletableFuture<IOException> liveWrite = new CompletableFuture<>();
            volume.flush((token, failure) -> {
                // On the event loop: a write started here is copied when the loop takes it, after this
                // callback returns, so its source's arena is closed by then.
                volume.write(doomedOffset, lengthBytes, doomedSource, null, (t, f) -> doomedWrite.complete(f), 0);
                volume.write(liveOffset, lengthBytes, liveSource, null, (t, f) -> liveWrite.complete(f), 0);
                doomed.close();
            }, 0);
            assertNamesTheInaccessibleBuffer(doomedWrite.get(WAIT_SECONDS, TimeUnit.SECONDS), "write", doomedOffset,
                lengthBytes);
            assertNull(liveWrite.get(WAIT_SECONDS, TimeUnit.SECONDS));

            MemorySegment back = live.allocate(lengthBytes, 64);
            volume.readBlocking(doomedOffset, back);
            assertHoldsBlockNumbers(back, 100); // the failed write wrote nothing
            volume.readBlocking(liveOffset, back);
            assertHoldsBlockNumbers(back, 200);
            assertEquals(0, volume.stats().inFlight());
        }
        try (Volume reopened = Volume.open(options); Arena arena = Arena.ofConfined()) {
            MemorySegment back = arena.allocate(lengthBytes, 64);
            reopened.readBlocking(liveOffset, back);
            assertHoldsBlockNumbers(back, 200);
        }
    }

    @Test
    void aBlockingReadIntoAClosedArenaFailsWithTheSameIOException() throws Exception {
        VolumeOptions options = formatVolume();
        try (Volume volume = Volume.open(options)) {
            Arena doomed = Arena.ofShared();
            MemorySegment destination = doomed.allocate(READ_BYTES, 64);
            doomed.close();
            IOException failure = assertThrows(IOException.class, () -> volume.readBlocking(READ_BYTES, destination));
            assertNamesTheInaccessibleBuffer(failure, "read", READ_BYTES, READ_BYTES);
            try (Arena arena = Arena.ofConfined()) {
                volume.readBlocking(0, arena.allocate(READ_BYTES, 64)); // the volume goes on
            }
            assertEquals(0, volume.stats().inFlight());
        }
    }
}
