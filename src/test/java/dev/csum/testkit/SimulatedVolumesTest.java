package dev.csum.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.IntegrityException;
import dev.csum.MetadataPlacement;
import dev.csum.Volume;
import dev.csum.io.FaultKind;
import java.io.IOException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** The test kit: a volume on the simulated disk, driven by hand, crashed and reopened; and the torture run. */
class SimulatedVolumesTest {
    private static final int BLOCK = 4096;

    private static byte[] filled(int value) {
        byte[] bytes = new byte[BLOCK];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    @Test
    void nothingHappensUntilTheTestRunsTheVolume() throws IOException {
        try (SimulatedVolume simulated = SimulatedVolumes.create(SimulationOptions.of(1))) {
            Volume volume = simulated.volume();
            CompletableFuture<Void> write = volume.write(0, filled(1), 0, BLOCK);
            assertFalse(write.isDone(), "no thread runs the engine");
            simulated.runUntilIdle();
            assertTrue(write.isDone() && !write.isCompletedExceptionally());

            byte[] back = new byte[BLOCK];
            CompletableFuture<Void> read = volume.read(0, back, 0, BLOCK);
            simulated.runUntilIdle();
            assertTrue(read.isDone() && !read.isCompletedExceptionally());
            assertArrayEquals(filled(1), back);
            assertThrows(IllegalStateException.class, () -> volume.readBlocking(0, back, 0, BLOCK),
                "a blocking call would wait for a loop that only the caller runs");
        }
    }

    @Test
    void aFlushedWriteSurvivesACrashAndAnUnflushedOneIsLostWhenTheCacheIsLost() throws Exception {
        SimulationOptions options = SimulationOptions.of(2).withMetadataPlacement(MetadataPlacement.SEPARATE)
            .withFaults(Faults.none().withCrash(0, 0)); // at a crash, no unflushed write reaches the media
        try (SimulatedVolume simulated = SimulatedVolumes.create(options)) {
            Volume before = simulated.volume();
            before.write(0, filled(1), 0, BLOCK);
            simulated.runUntilIdle();
            before.flush(); // covers the writes completed before it
            simulated.runUntilIdle();
            CompletableFuture<Void> unflushed = before.write(BLOCK, filled(2), 0, BLOCK);
            simulated.runUntilIdle();
            assertTrue(unflushed.isDone() && !unflushed.isCompletedExceptionally(), "completed, in the cache");
            CompletableFuture<Void> inFlight = before.write(2 * BLOCK, filled(3), 0, BLOCK);

            simulated.crash();
            assertTrue(inFlight.isCompletedExceptionally(), "a request in flight fails at the crash");
            assertThrows(IllegalStateException.class, simulated::volume, "down until reopened");

            Volume after = simulated.reopen();
            assertNotSame(before, after);
            byte[] back = new byte[3 * BLOCK];
            after.read(0, back, 0, back.length);
            simulated.runUntilIdle();
            assertArrayEquals(filled(1), Arrays.copyOfRange(back, 0, BLOCK), "flushed: durable");
            assertArrayEquals(new byte[2 * BLOCK], Arrays.copyOfRange(back, BLOCK, 3 * BLOCK),
                "the lost cache took the unflushed and the in-flight write, metadata and data alike");
        }
    }

    @Test
    void anInjectedFaultIsCaughtAndCounted() throws Exception {
        SimulationOptions options = SimulationOptions.of(3).withFaults(Faults.none().with(Fault.READ_BIT_ROT, 1.0));
        try (SimulatedVolume simulated = SimulatedVolumes.create(options)) {
            simulated.setFaultsEnabled(false);
            simulated.volume().write(5 * BLOCK, filled(9), 0, BLOCK);
            simulated.shutdown(); // settled: the next open reads the metadata from the disk
            simulated.reopen();
            simulated.setFaultsEnabled(true);

            byte[] back = filled(7);
            CompletableFuture<Void> read = simulated.volume().read(5 * BLOCK, back, 0, BLOCK);
            simulated.runUntilIdle();
            ExecutionException failed = assertThrows(ExecutionException.class, read::get);
            assertTrue(failed.getCause() instanceof IntegrityException, String.valueOf(failed.getCause()));
            assertArrayEquals(filled(7), back, "nothing unverified reached the caller");
            assertTrue(simulated.faultsInjected(Fault.READ_BIT_ROT) > 0);
            assertEquals(0, simulated.faultsInjected(Fault.LOST_WRITE));
        }
    }

    @Test
    void aCleanShutdownKeepsEveryWriteAndTheSameSeedReplaysTheSameRun() throws Exception {
        long[] mismatches = new long[2];
        for (int run = 0; run < 2; run++) {
            SimulationOptions options = SimulationOptions.of(4).withBlockSizeBytes(512)
                .withFaults(Faults.none().with(Fault.WRITE_BIT_ROT, 0.05));
            try (SimulatedVolume simulated = SimulatedVolumes.create(options)) {
                for (int block = 0; block < 64; block++) {
                    simulated.volume().write(block * 512L, new byte[512], 0, 512);
                }
                simulated.runUntilIdle();
                simulated.shutdown();
                simulated.reopen();
                int failed = 0;
                for (int block = 0; block < 64; block++) {
                    CompletableFuture<Void> read = simulated.volume().read(block * 512L, new byte[512], 0, 512);
                    simulated.runUntilIdle();
                    if (read.isCompletedExceptionally()) {
                        failed++;
                        assertThrows(ExecutionException.class, read::get);
                    }
                }
                mismatches[run] = failed * 1000L + simulated.faultsInjected(Fault.WRITE_BIT_ROT);
            }
        }
        assertTrue(mismatches[0] > 0, "bit rot was injected");
        assertEquals(mismatches[0], mismatches[1], "the same seed, the same faults, the same failures");
    }

    @Test
    void theTortureRunPassesAndReportsThroughTestKitTypes() {
        TortureReport report = SimulatedVolumes.torture(TortureOptions.seeds(1, 2).withOperationsPerSeed(300)
            .withMediaFaults(Set.of(Fault.LOST_WRITE), 0.05));
        assertTrue(report.passed(), report.text());
        assertEquals(2, report.seeds());
        assertTrue(report.faultsInjected(Fault.LOST_WRITE) > 0, report.text());
        assertEquals(0, report.faultsInjected(Fault.READ_BIT_ROT), report.text());
        assertTrue(report.json().contains("\"passed\":true"), report.json());
        assertTrue(SimulatedVolumes.describeTortureSeed(1, TortureOptions.seed(1)
            .withHarnessFault(HarnessFault.TRIM_BEFORE_DURABLE)).contains("harness fault trim_before_durable"),
            SimulatedVolumes.describeTortureSeed(1, TortureOptions.seed(1)));
        assertFalse(SimulatedVolumes.describeTortureSeed(1, TortureOptions.seed(1)).contains("harness fault"));
    }

    @Test
    void theTortureRunCatchesDataWrittenBeforeItsRecord() {
        // Crash-only: with media faults injected, every failed read counts as a detected fault.
        TortureOptions flawed = TortureOptions.seeds(1, 4).withOperationsPerSeed(800)
            .withMediaFaults(java.util.Set.of(), 0).withCrashProbability(0.02)
            .withHarnessFault(HarnessFault.DATA_BEFORE_RECORD);
        TortureReport report = SimulatedVolumes.torture(flawed);
        assertFalse(report.passed(), report.text());
        assertFalse(report.failingSeeds().isEmpty());
        long seed = report.failingSeeds().getFirst();
        assertTrue(SimulatedVolumes.torture(TortureOptions.seed(seed).withOperationsPerSeed(800)
            .withMediaFaults(java.util.Set.of(), 0).withCrashProbability(0.02)).passed(), "the same seed passes with the fix");
    }

    @Test
    void faultPlansAndTortureOptionsRefuseWhatCannotBe() {
        assertThrows(IllegalArgumentException.class, () -> Faults.none().with(Fault.LOST_WRITE, 1.5));
        assertThrows(IllegalArgumentException.class, () -> Faults.none().with(Fault.CRASH_TORN_WRITE, 0.1));
        assertEquals(0.25, Faults.none().withCrash(0.5, 0.25).probability(Fault.CRASH_TORN_WRITE));
        assertThrows(IllegalArgumentException.class,
            () -> TortureOptions.seeds(1, 1).withMediaFaults(EnumSet.of(Fault.CRASH_TORN_WRITE), 0.1));
        assertThrows(IllegalArgumentException.class, () -> TortureOptions.seeds(1, 0));
        assertThrows(IllegalArgumentException.class, () -> SimulationOptions.of(1).withBlockSizeBytes(1024));
    }

    @Test
    void theKitsFaultsAreTheDisksFaultsNameForName() {
        assertEquals(Arrays.stream(FaultKind.values()).map(Enum::name).toList(),
            Arrays.stream(Fault.values()).map(Enum::name).toList());
        for (Fault fault : Fault.values()) {
            assertEquals(FaultKind.valueOf(fault.name()).isPerSector(), fault.isPerSector(), fault.name());
        }
    }
}
