package dev.csum.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.format.LogBlockChoice;
import org.junit.jupiter.api.Test;

/**
 * Torture covers both logs a volume of 4096-byte blocks may have: one seed of them in four keeps log
 * blocks of the block size (a volume formatted before 512-byte log blocks, or converted), the rest
 * take format's default (512-byte log blocks on the simulated disk); 512-byte seeds ask for nothing.
 */
class TortureConfigLogBlocksTest {
    @Test
    void aQuarterOfTheSeedsOfFourKibBlocksKeepWholeBlockLogs() {
        int fourKib = 0;
        int wholeBlocks = 0;
        for (long seed = 0; seed < 4000; seed++) {
            TortureConfig config = TortureConfig.forSeed(seed, 100);
            int requested = config.requestedLogBlockBytes();
            if (config.blockSizeBytes() == 512) {
                assertEquals(LogBlockChoice.AUTO, requested, "seed " + seed);
                continue;
            }
            fourKib++;
            if (requested == 4096) {
                wholeBlocks++;
                assertTrue(config.describe().contains("(log blocks of 4096 bytes)"), config.describe());
            } else {
                assertEquals(LogBlockChoice.AUTO, requested, "seed " + seed);
            }
        }
        assertTrue(wholeBlocks > 0.18 * fourKib && wholeBlocks < 0.32 * fourKib, wholeBlocks + " of " + fourKib);
    }
}
