package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.internal.VolumeInternals;
import dev.csum.Volume;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * A read whose data is older than its delivery: it ran before writes to its blocks landed, and its
 * completion came after the writer had completed commit after commit (as on the portable port,
 * whose completions come from threads that may be preempted). It must read as old or new data,
 * never as a mismatch: its re-read is fenced (issued with no commit of the group in flight, none
 * started until it completes), so its verdict is final, and damage is still reported.
 */
class RacedReadTest {
    private static final int BLOCK = 4096;
    private static final long BLOCK_INDEX = 5;

    private final Arena arena = Arena.ofAuto();
    private Volume volume;

    private void step(BooleanSupplier until) throws IOException {
        for (int steps = 0; !until.getAsBoolean(); steps++) {
            assertTrue(steps < 100_000, "the engine made no progress");
            VolumeInternals.runUntilIdle(volume, 1);
        }
    }

    /** Runs the engine 1,000 steps: anything not held back completes. */
    private void runSteps() throws IOException {
        for (int steps = 0; steps < 1_000; steps++) {
            VolumeInternals.runUntilIdle(volume, 1);
        }
    }

    /** A volume on a held-read port whose block holds version 1 with one byte of it damaged since. */
    private HeldReadPort openWithDamagedBlock(long seed) throws IOException {
        HeldReadPort port = HeldReadPort.overFreshVolume(seed);
        volume = port.open();
        write(1);
        port.disk().writeRaw(IoPort.DATA_FILE, port.dataOffsetBytes(BLOCK_INDEX), new byte[] {9});
        return port;
    }

    /** Reads the damaged block: its data read runs and mismatches, and its fenced re-read is held. */
    private Outcome readUntilItsReReadIsHeld(HeldReadPort port, MemorySegment into) throws IOException {
        port.holdReadsAt(port.dataOffsetBytes(BLOCK_INDEX));
        Outcome read = startRead(into);
        step(() -> port.heldCount() == 1);
        port.release();
        step(() -> port.heldCount() == 1); // the fenced re-read
        return read;
    }

    /** Starts writing {@code version} into every byte of the block. */
    private Outcome startWrite(int version) throws IOException {
        Outcome outcome = new Outcome();
        volume.write(BLOCK_INDEX * BLOCK, BLOCK, arena.allocate(BLOCK).fill((byte) version), null, outcome, 0);
        return outcome;
    }

    /** Writes {@code version} into every byte of the block and runs until the write completed. */
    private void write(int version) throws IOException {
        Outcome outcome = startWrite(version);
        step(() -> outcome.done);
        assertNull(outcome.failure);
    }

    private Outcome startRead(MemorySegment into) throws IOException {
        Outcome read = new Outcome();
        volume.read(BLOCK_INDEX * BLOCK, BLOCK, into, null, read, 0);
        return read;
    }

    @Test
    void aReadDeliveredAfterTwoMoreCommitsIsReReadWhileTheGroupsWritesWait() throws IOException {
        HeldReadPort port = HeldReadPort.overFreshVolume(21);
        volume = port.open();
        write(1);

        // The read runs now (version 1) and is delivered after versions 2 and 3 were committed.
        port.holdReadsAt(port.dataOffsetBytes(BLOCK_INDEX));
        MemorySegment into = arena.allocate(BLOCK);
        Outcome read = startRead(into);
        step(() -> port.heldCount() == 1);
        write(2);
        write(3);
        port.release();
        // Its data matches no state the group still keeps: the engine re-reads, and holds the group's
        // writes back until that re-read completes, however late it is delivered.
        step(() -> port.heldCount() == 1);
        Outcome fourth = startWrite(4);
        runSteps();
        assertTrue(!fourth.done && !read.done, "a write to the group completed under its fenced re-read");
        port.holdReadsAt(-1);
        port.release();
        step(() -> read.done);

        assertNull(read.failure, "a read racing commits is old or new data, never a mismatch");
        assertEquals(3, into.get(ValueLayout.JAVA_BYTE, 0), "the re-read saw the state committed when it ran");
        assertEquals(3, into.get(ValueLayout.JAVA_BYTE, BLOCK - 1));
        step(() -> fourth.done);
        assertNull(fourth.failure);
        Outcome again = startRead(into);
        step(() -> again.done);
        assertNull(again.failure);
        assertEquals(4, into.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(0, volume.stats().mismatches());
        assertEquals(1, volume.stats().recheckRecoveries(), "the one block that failed the first check");
        volume.close();
    }

    @Test
    void aReReadWaitsForTheCommitInFlightToBeOver() throws IOException {
        HeldReadPort port = HeldReadPort.overFreshVolume(22);
        volume = port.open();
        long offset = port.dataOffsetBytes(BLOCK_INDEX);
        write(1);

        port.holdReadsAt(offset);
        MemorySegment into = arena.allocate(BLOCK);
        Outcome read = startRead(into); // runs now: version 1
        step(() -> port.heldCount() == 1);
        write(2);
        // Version 3's data lands but its completion is held: its commit is in flight when the read
        // (version 1: neither the committed 2 nor the 3 in flight) is delivered just before it.
        port.holdWrites(true);
        port.watch(offset);
        Outcome third = startWrite(3);
        step(() -> port.heldCount() == 2);
        port.holdWrites(false);
        port.releaseReads();
        runSteps();
        assertEquals(java.util.List.of(), port.events(), "a re-read was issued under the commit in flight");
        assertTrue(!read.done && !third.done);
        port.release(); // version 3's write completes: its commit is over, the re-read goes
        step(() -> port.heldCount() == 1); // the re-read, held in its turn
        assertEquals(java.util.List.of("write done", "read"), port.events());
        assertTrue(third.done);
        port.holdReadsAt(-1);
        port.release();
        step(() -> read.done);

        assertNull(read.failure);
        assertEquals(3, into.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(0, volume.stats().mismatches());
        assertEquals(1, volume.stats().recheckRecoveries());
        volume.close();
    }

    @Test
    void damageFoundByAFencedReReadIsReportedAndTheHeldWritesGoOn() throws IOException {
        HeldReadPort port = openWithDamagedBlock(23);
        MemorySegment into = arena.allocate(BLOCK);
        Outcome read = readUntilItsReReadIsHeld(port, into);
        Outcome second = startWrite(2);
        runSteps();
        assertTrue(!second.done, "a write to the group completed under its fenced re-read");
        port.holdReadsAt(-1);
        port.release();
        step(() -> read.done);
        assertTrue(read.failure instanceof dev.csum.IntegrityException, "damage is reported: " + read.failure);
        assertEquals(1, volume.stats().mismatches());
        step(() -> second.done);
        assertNull(second.failure);
        Outcome again = startRead(into);
        step(() -> again.done);
        assertNull(again.failure, "the write replaced the damaged block");
        assertEquals(2, into.get(ValueLayout.JAVA_BYTE, 0));
        volume.close();
    }

    @Test
    void readsOfADamagedBlockDoNotStarveWritesToItsGroup() throws IOException {
        HeldReadPort port = openWithDamagedBlock(24);
        port.watch(port.dataOffsetBytes(BLOCK_INDEX));
        MemorySegment first = arena.allocate(BLOCK);
        Outcome firstRead = readUntilItsReReadIsHeld(port, first);
        // A write to another block of the group waits for that re-read ...
        Outcome write = new Outcome();
        volume.write((BLOCK_INDEX + 1) * BLOCK, BLOCK, arena.allocate(BLOCK).fill((byte) 2), null, write, 0);
        MemorySegment second = arena.allocate(BLOCK);
        Outcome secondRead = startRead(second);
        step(() -> port.heldCount() == 2); // the second read's data read, held too
        // ... and a second read of the damaged block, mismatching now, queues behind that write.
        port.releaseNewest();
        runSteps();
        assertEquals(java.util.List.of("read", "read", "read"), port.events(),
            "the first read, its re-read and the second read: no re-read of the second overtook the waiting write");
        assertTrue(!write.done && !secondRead.done);
        port.holdReadsAt(-1);
        port.release(); // the first re-read completes: the write commits, then the second re-read goes
        step(() -> secondRead.done);
        assertTrue(write.done);
        assertNull(write.failure);
        assertTrue(firstRead.failure instanceof dev.csum.IntegrityException, "damage is reported: " + firstRead.failure);
        assertTrue(secondRead.failure instanceof dev.csum.IntegrityException, "damage is reported: " + secondRead.failure);
        assertEquals(2, volume.stats().mismatches());
        volume.close();
    }
}
