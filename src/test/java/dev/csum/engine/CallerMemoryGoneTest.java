package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.format.PortFormatter;
import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.format.MetadataPlacement;
import dev.csum.format.Superblock;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The engine's copies between its buffers and caller memory, when the caller's arena was closed
 * under them: the request fails alone, and its buffer, its place in the buffer queue and its count
 * in flight are all given back. Driven step by step on the simulated disk.
 */
class CallerMemoryGoneTest {
    private static final int BLOCK = 4096;
    /** Half of the 1 MiB buffer arena: two such requests hold every engine buffer. */
    private static final long HALF_ARENA_BYTES = 512 * 1024;

    private final SimulatedDisk disk = SimulatedDisk.builder(11).dataFileBytes(8L << 20).queueDepth(32).build();
    private final AtomicInteger failuresTold = new AtomicInteger();
    private final Engine engine;
    private final EventLoop loop;

    CallerMemoryGoneTest() throws IOException {
        Superblock superblock = PortFormatter.format(disk, BLOCK, ChecksumAlgorithm.CRC32C,
            MetadataPlacement.INTERLEAVED, new UUID(11, 12));
        RequestListener countFailures = (kind, lengthBytes, latencyNanos, failed, mismatchedBlocks) -> {
            if (failed) {
                failuresTold.incrementAndGet();
            }
        };
        engine = new Engine(disk, superblock,
            new EngineSettings(64 * 1024, 1 << 20, false, true, false, EngineTestFault.NONE),
            LogRecovery.recover(disk, superblock, false), (callback, token, failure) -> ((Outcome) callback).onComplete(token, failure));
        engine.addListener(countFailures);
        loop = new EventLoop(engine, disk, "test", true, 64);
    }

    /** Submits as a callback on the loop would: nothing is copied until the engine takes it. */
    private Outcome submit(byte kind, long offsetBytes, MemorySegment segment) {
        Outcome outcome = new Outcome();
        Request request = loop.acquire();
        request.fill(kind, offsetBytes, segment.byteSize(), BLOCK, segment, null, outcome, 0);
        loop.submit(request);
        return outcome;
    }

    @Test
    void aWaitingWriteWhoseSourceArenaClosedFailsAndTheRequestQueuedBehindItStillRuns() throws IOException {
        try (Arena live = Arena.ofShared()) {
            Outcome firstRead = submit(Request.READ, 0, live.allocate(HALF_ARENA_BYTES, 64));
            Outcome secondRead = submit(Request.READ, HALF_ARENA_BYTES, live.allocate(HALF_ARENA_BYTES, 64));
            // Both wait for buffer space, in this order, behind the two reads.
            Arena doomed = Arena.ofShared();
            Outcome doomedWrite = submit(Request.WRITE, 0, doomed.allocate(HALF_ARENA_BYTES, 64));
            MemorySegment liveSource = live.allocate(HALF_ARENA_BYTES, 64).fill((byte) 7);
            Outcome liveWrite = submit(Request.WRITE, HALF_ARENA_BYTES, liveSource);
            doomed.close();

            assertTrue(loop.runUntilIdle(1_000_000), "every request finished");
            assertTrue(firstRead.done && secondRead.done && doomedWrite.done && liveWrite.done);
            assertNull(firstRead.failure);
            assertNull(secondRead.failure);
            assertNull(liveWrite.failure);
            assertTrue(doomedWrite.failure.getMessage().startsWith("write of " + HALF_ARENA_BYTES
                + " bytes at offset 0 failed: the source buffer is no longer accessible"),
                doomedWrite.failure.getMessage());
            assertEquals(1, failuresTold.get(), "the listener is told of the failure");
            assertEquals(0, engine.counters().requestsInFlight());
            assertEquals(0, engine.bufferArena().allocatedBytes(), "no engine buffer leaked");

            MemorySegment back = live.allocate(HALF_ARENA_BYTES, 64);
            Outcome readBack = submit(Request.READ, HALF_ARENA_BYTES, back);
            assertTrue(loop.runUntilIdle(1_000_000));
            assertNull(readBack.failure);
            assertEquals(-1, back.mismatch(liveSource));
        }
        loop.close();
    }

    @Test
    void aReadWhoseDestinationArenaClosedFailsWithoutLeakingItsBounceBuffer() throws IOException {
        Arena doomed = Arena.ofShared();
        Outcome doomedRead = submit(Request.READ, BLOCK, doomed.allocate(HALF_ARENA_BYTES, 64));
        doomed.close();

        assertTrue(loop.runUntilIdle(1_000_000));
        assertTrue(doomedRead.done);
        assertTrue(doomedRead.failure.getMessage().startsWith("read of " + HALF_ARENA_BYTES + " bytes at offset "
            + BLOCK + " failed: the destination buffer is no longer accessible"), doomedRead.failure.getMessage());
        assertEquals(1, failuresTold.get());
        assertEquals(0, engine.counters().requestsInFlight());
        assertEquals(0, engine.counters().bytesRead());
        assertEquals(0, engine.bufferArena().allocatedBytes(), "the bounce buffer was freed");
        loop.close();
    }
}
