package dev.csum.torture;

import org.junit.jupiter.api.Test;

class TortureSmokeTest {
    @Test
    void smoke() {
        long start = System.currentTimeMillis();
        SeedResult result = Torture.run(Long.getLong("torture.first", 1), Integer.getInteger("torture.seeds", 10),
            Integer.getInteger("torture.ops", 1500), c -> c);
        System.out.println(Torture.summaryText(result, 1500, System.currentTimeMillis() - start));
    }
}
