package dev.csum.torture;

import dev.csum.io.FaultKind;
import dev.csum.io.FaultPlan;
import org.junit.jupiter.api.Test;

class TortureDebugTest {
    @Test
    void debug() {
        String only = System.getProperty("torture.only");
        double crash = Double.parseDouble(System.getProperty("torture.crash", "-1"));
        int seeds = Integer.getInteger("torture.seeds", 1);
        long first = Long.getLong("torture.seed", 8);
        int ops = Integer.getInteger("torture.ops", 1500);
        SeedResult result = Torture.run(first, seeds, ops, c -> {
            TortureConfig config = c;
            if (only != null) {
                FaultPlan plan = FaultPlan.none();
                for (String kind : only.split(",")) {
                    plan = plan.with(FaultKind.valueOf(kind), 0.01);
                }
                config = config.withFaultPlan(plan);
            }
            if (crash >= 0) {
                config = config.withCrashProbability(crash);
            }
            if (seeds == 1) {
                System.out.println(config.describe() + " " + config.faultPlan());
            }
            return config;
        });
        System.out.println(Torture.summaryText(result, ops, 0));
    }
}
