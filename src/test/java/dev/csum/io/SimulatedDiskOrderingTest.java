package dev.csum.io;

import static dev.csum.io.SimHarness.SECTOR;
import static dev.csum.io.SimHarness.buffer;
import static dev.csum.io.SimHarness.bytes;
import static dev.csum.io.SimHarness.drive;
import static dev.csum.io.SimHarness.fill;
import static dev.csum.io.SimHarness.raw;
import static dev.csum.io.SimHarness.resultOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Completion order: seeded random for independent operations, constrained by links and drains. */
class SimulatedDiskOrderingTest {

    private final Arena arena = Arena.ofAuto();

    private static List<Long> order(List<SimHarness.Completion> completions) {
        List<Long> order = new ArrayList<>();
        for (SimHarness.Completion completion : completions) {
            order.add(completion.userData());
        }
        return order;
    }

    private List<Long> completionOrderOfSixteenReads(long seed) {
        SimulatedDisk disk = SimulatedDisk.builder(seed).dataFileBytes(64 * 1024).build();
        for (int i = 0; i < 16; i++) {
            disk.prepareRead(IoPort.DATA_FILE, i * SECTOR, buffer(arena, SECTOR), 0, i);
        }
        return order(drive(disk));
    }

    @Test
    void independentOperationsCompleteInASeededRandomOrder() {
        List<Long> submissionOrder = new ArrayList<>();
        for (long i = 0; i < 16; i++) {
            submissionOrder.add(i);
        }
        Set<List<Long>> orders = new HashSet<>();
        for (long seed = 1; seed <= 10; seed++) {
            List<Long> order = completionOrderOfSixteenReads(seed);
            assertEquals(Set.copyOf(submissionOrder), Set.copyOf(order), "every operation completes once");
            assertEquals(order, completionOrderOfSixteenReads(seed), "same seed, same order");
            orders.add(order);
        }
        assertTrue(orders.size() >= 9, "ten seeds gave only " + orders.size() + " distinct orders");
        assertTrue(!orders.contains(submissionOrder) || orders.size() == 10);
    }

    @Test
    void aLinkedChainCompletesInOrderAndEachStepSeesThePreviousOne() {
        for (long seed = 1; seed <= 20; seed++) {
            SimulatedDisk disk = SimulatedDisk.builder(seed).dataFileBytes(64 * 1024).build();
            MemorySegment first = fill(buffer(arena, 1024), 1);
            MemorySegment second = fill(buffer(arena, 1024), 2);
            MemorySegment target = buffer(arena, 1024);
            for (int i = 0; i < 8; i++) { // Unlinked noise around the chain.
                disk.prepareRead(IoPort.DATA_FILE, 32 * 1024 + i * SECTOR, buffer(arena, SECTOR), 0, 100 + i);
            }
            disk.prepareWrite(IoPort.DATA_FILE, 4096, first, IoPort.FLAG_LINK, 1);
            disk.prepareWrite(IoPort.DATA_FILE, 4096, second, IoPort.FLAG_LINK, 2);
            disk.prepareRead(IoPort.DATA_FILE, 4096, target, 0, 3);

            List<Long> order = order(drive(disk));

            assertTrue(order.indexOf(1L) < order.indexOf(2L) && order.indexOf(2L) < order.indexOf(3L), "seed " + seed + ": " + order);
            assertArrayEquals(bytes(second), bytes(target), "seed " + seed);
        }
    }

    @Test
    void aFailedLinkCancelsTheRestOfTheChainAndNothingOfItIsStored() {
        SimulatedDisk disk = SimulatedDisk.builder(3).dataFileBytes(64 * 1024).build();
        MemorySegment data = fill(buffer(arena, 1024), 5);

        disk.prepareWrite(IoPort.DATA_FILE, 100, data, IoPort.FLAG_LINK, 1); // misaligned: fails
        disk.prepareWrite(IoPort.DATA_FILE, 4096, data, IoPort.FLAG_LINK, 2);
        disk.prepareFsync(IoPort.DATA_FILE, IoPort.FLAG_LINK, 3);
        disk.prepareWrite(IoPort.DATA_FILE, 8192, data, 0, 4);
        disk.prepareWrite(IoPort.DATA_FILE, 12288, data, 0, 5);             // not in the chain
        List<SimHarness.Completion> completions = drive(disk);

        assertEquals(-SimulatedDisk.EINVAL, resultOf(completions, 1));
        assertEquals(-SimulatedDisk.ECANCELED, resultOf(completions, 2));
        assertEquals(-SimulatedDisk.ECANCELED, resultOf(completions, 3));
        assertEquals(-SimulatedDisk.ECANCELED, resultOf(completions, 4));
        assertEquals(1024, resultOf(completions, 5));
        assertArrayEquals(new byte[1024], raw(disk, IoPort.DATA_FILE, 4096, 1024));
        assertArrayEquals(new byte[1024], raw(disk, IoPort.DATA_FILE, 8192, 1024));
        assertEquals(3, disk.stats().cancelledOps());
    }

    @Test
    void anIoErrorInTheMiddleOfAChainCancelsOnlyWhatFollows() {
        SimulatedDisk disk = SimulatedDisk.builder(4).dataFileBytes(64 * 1024).build();
        disk.injectLatentSectorError(IoPort.DATA_FILE, 9);
        MemorySegment data = fill(buffer(arena, 512), 6);

        disk.prepareWrite(IoPort.DATA_FILE, 0, data, IoPort.FLAG_LINK, 1);
        disk.prepareRead(IoPort.DATA_FILE, 4096, buffer(arena, 1024), IoPort.FLAG_LINK, 2); // sectors 8, 9: EIO
        disk.prepareWrite(IoPort.DATA_FILE, 512, data, 0, 3);
        List<SimHarness.Completion> completions = drive(disk);

        assertEquals(512, resultOf(completions, 1));
        assertEquals(-SimulatedDisk.EIO, resultOf(completions, 2));
        assertEquals(-SimulatedDisk.ECANCELED, resultOf(completions, 3));
        assertArrayEquals(bytes(data), raw(disk, IoPort.DATA_FILE, 0, 512));
        assertArrayEquals(new byte[512], raw(disk, IoPort.DATA_FILE, 512, 512));
    }

    @Test
    void aLinkDoesNotSpanSubmissions() {
        SimulatedDisk disk = SimulatedDisk.builder(5).dataFileBytes(64 * 1024).build();
        MemorySegment data = fill(buffer(arena, 512), 7);

        disk.prepareWrite(IoPort.DATA_FILE, 100, data, IoPort.FLAG_LINK, 1); // fails, last of its submission
        disk.submitAndReap(0, (userData, result) -> { });
        disk.prepareWrite(IoPort.DATA_FILE, 0, data, 0, 2);
        List<SimHarness.Completion> completions = drive(disk);

        assertEquals(-SimulatedDisk.EINVAL, resultOf(completions, 1));
        assertEquals(512, resultOf(completions, 2));
    }

    @Test
    void aDrainStartsAfterEverythingBeforeItAndBeforeEverythingAfterIt() {
        for (long seed = 1; seed <= 20; seed++) {
            SimulatedDisk disk = SimulatedDisk.builder(seed).dataFileBytes(64 * 1024).latencyTicks(1, 40).build();
            for (int i = 0; i < 6; i++) {
                disk.prepareWrite(IoPort.DATA_FILE, i * 4096, fill(buffer(arena, 4096), i), 0, i);
            }
            disk.prepareFsync(IoPort.DATA_FILE, IoPort.FLAG_DRAIN, 10);
            for (int i = 0; i < 6; i++) {
                disk.prepareRead(IoPort.DATA_FILE, i * 4096, buffer(arena, 4096), 0, 20 + i);
            }

            List<Long> order = order(drive(disk));

            int drainPosition = order.indexOf(10L);
            assertEquals(6, drainPosition, "seed " + seed + ": " + order);
            for (int i = 0; i < 6; i++) {
                assertTrue(order.indexOf((long) i) < drainPosition);
                assertTrue(order.indexOf(20L + i) > drainPosition);
            }
        }
    }

    @Test
    void withoutADrainAnFsyncMayOvertakeEarlierWrites() {
        boolean overtaken = false;
        for (long seed = 1; seed <= 20 && !overtaken; seed++) {
            SimulatedDisk disk = SimulatedDisk.builder(seed).dataFileBytes(64 * 1024).latencyTicks(1, 40).build();
            for (int i = 0; i < 6; i++) {
                disk.prepareWrite(IoPort.DATA_FILE, i * 4096, fill(buffer(arena, 4096), i), 0, i);
            }
            disk.prepareFsync(IoPort.DATA_FILE, 0, 10);
            overtaken = order(drive(disk)).indexOf(10L) < 6;
        }
        assertTrue(overtaken, "the drain test above would prove nothing if order were always submission order");
    }
}
