package dev.csum.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * One seed in four runs with an imd cache that holds every group (RELIABILITY.md §1: the regime that
 * hid bug 18 from tiny caches); the seeds the suite replays for earlier bugs keep their tiny caches,
 * and every other draw of a seed is the same either way.
 */
class TortureConfigCacheTest {
    @Test
    void aQuarterOfTheSeedsCacheEveryGroupAndTheReplayedSeedsDoNot() {
        int large = 0;
        for (long seed = 1; seed <= 4000; seed++) {
            TortureConfig config = TortureConfig.forSeed(seed, 100);
            boolean every = TortureConfig.holdsEveryGroup(seed);
            large += every ? 1 : 0;
            assertEquals(every, config.imdCacheBytes() == TortureConfig.LARGE_IMD_CACHE_BYTES, "seed " + seed);
            assertTrue(every || config.imdCacheBytes() <= 2L * config.blockSizeBytes() * 11, "seed " + seed);
        }
        assertTrue(large > 900 && large < 1100, large + " of 4000");
        for (long seed : new long[] {498, 652, 853, 2134, 6039, 6897, 9147, 4999, 8}) {
            assertFalse(TortureConfig.holdsEveryGroup(seed), "seed " + seed + " replays an earlier bug with a tiny cache");
        }
    }
}
