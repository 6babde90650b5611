package dev.csum.torture;

import org.junit.jupiter.api.Test;

class TortureDebugTest {
    @Test
    void debug() {
        long seed = Long.getLong("torture.seed", 8);
        TortureConfig config = TortureConfig.forSeed(seed, Integer.getInteger("torture.ops", 1500));
        System.out.println(config.describe() + " " + config.faultPlan());
        SeedResult result = Torture.runSeed(config);
        System.out.println(Torture.summaryText(result, config.operations(), 0));
    }
}
