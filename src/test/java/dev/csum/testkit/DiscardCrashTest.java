package dev.csum.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.csum.Durability;
import dev.csum.Volume;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A power loss (no write torn) in the middle of a discard, at every step of it: each block reads as its old data or
 * as zeros, never as an error (its data is intact), and a discard that completed before a flush that
 * completed reads as zeros.
 */
class DiscardCrashTest {
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 1200;
    private static final int FIRST = 100;
    private static final int COUNT = 1000; // from inside group 0 across group 1 into group 2

    private static byte[] pattern(long block) {
        byte[] bytes = new byte[BLOCK];
        new SplittableRandom(block + 77).nextBytes(bytes);
        return bytes;
    }

    @ParameterizedTest(name = "{0} durability, persist {1}")
    @CsvSource({"DEFAULT, 0.5", "DEFAULT, 0.0", "DEFAULT, 1.0", "STRICT, 0.5"})
    void aCrashAtAnyStepOfADiscardLeavesOldDataOrZerosPerBlock(Durability durability, double persist) throws Exception {
        int crashPoints = 0;
        for (int steps = 0; steps < 60; steps++) {
            SimulationOptions options = SimulationOptions.of(steps + 1).withDataDeviceBytes(16L << 20)
                .withDurability(durability).withFaults(Faults.none().withCrash(persist, 0.0));
            try (SimulatedVolume simulated = SimulatedVolumes.create(options)) {
                Volume volume = simulated.volume();
                byte[] all = new byte[BLOCKS * BLOCK];
                for (int block = 0; block < BLOCKS; block++) {
                    System.arraycopy(pattern(block), 0, all, block * BLOCK, BLOCK);
                }
                for (int first = 0; first < BLOCKS; first += 400) {
                    volume.write((long) first * BLOCK, all, first * BLOCK, 400 * BLOCK);
                }
                simulated.runUntilIdle();
                volume.flush();
                simulated.runUntilIdle();

                CompletableFuture<Void> discard = volume.discard((long) FIRST * BLOCK, (long) COUNT * BLOCK);
                boolean idle = simulated.runUntilIdle(steps);
                CompletableFuture<Void> flush = null;
                if (idle) {
                    flush = volume.flush();
                    simulated.runUntilIdle(steps % 3);
                }
                boolean discardDone = discard.isDone() && !discard.isCompletedExceptionally();
                boolean flushDone = flush != null && flush.isDone() && !flush.isCompletedExceptionally();
                simulated.crash();
                crashPoints++;

                Volume after = simulated.reopen();
                byte[] back = new byte[BLOCKS * BLOCK];
                for (int first = 0; first < BLOCKS; first += 400) {
                    CompletableFuture<Void> read = after.read((long) first * BLOCK, back, first * BLOCK, 400 * BLOCK);
                    simulated.runUntilIdle();
                    if (read.isCompletedExceptionally()) {
                        fail("steps " + steps + ": the read after the crash failed: " + read.exceptionNow());
                    }
                }
                for (int block = 0; block < BLOCKS; block++) {
                    byte[] got = Arrays.copyOfRange(back, block * BLOCK, (block + 1) * BLOCK);
                    boolean discarded = block >= FIRST && block < FIRST + COUNT;
                    if (!discarded || (discardDone && durability == Durability.STRICT)) {
                        assertArrayEquals(discarded ? new byte[BLOCK] : pattern(block), got,
                            "steps " + steps + ", block " + block);
                    } else if (flushDone) {
                        assertArrayEquals(new byte[BLOCK], got, "steps " + steps + ", block " + block
                            + ": discarded and flushed");
                    } else {
                        assertTrue(Arrays.equals(pattern(block), got) || Arrays.equals(new byte[BLOCK], got),
                            "steps " + steps + ", block " + block + ": neither its old data nor zeros");
                    }
                }
                // The volume goes on: the range can be written and discarded again.
                after.discard((long) FIRST * BLOCK, BLOCK);
                simulated.runUntilIdle();
            }
        }
        assertTrue(crashPoints == 60);
    }

}
