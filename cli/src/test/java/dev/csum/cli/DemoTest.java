package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DemoTest {
    @Test
    void demoCatchesTheFlippedBitScrubsRepairsBenchesAndCleansUp() {
        Cli.Result result = Cli.run("demo", "--bench-runtime", "1s").assertOk();
        String out = result.out();
        // The read fails naming exactly the corrupted block.
        assertTrue(out.contains("csum read: checksum mismatch: block 1000 (offset 4096000)"), out);
        // Scrub finds exactly that block, then (after the rewrite) nothing.
        assertTrue(out.contains("1 bad block:\n     block 1,000 at offset 4,096,000"), out);
        assertTrue(out.contains("clean: every block verified"), out);
        assertTrue(out.contains("identical to the data written: yes"), out);
        // The bench's latency table.
        assertTrue(out.contains("p50 us") && out.contains("p99.9 us") && out.contains("IOPS"), out);
        assertTrue(out.contains("demo passed"), out);
        Matcher removed = Pattern.compile("(?m)^removed (\\S+)$").matcher(out);
        assertTrue(removed.find(), out);
        assertFalse(Files.exists(Path.of(removed.group(1))), "the temporary directory is gone");
    }
}
