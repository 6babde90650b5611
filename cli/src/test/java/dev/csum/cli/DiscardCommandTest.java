package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiscardCommandTest {
    @TempDir
    Path directory;

    private static long allocatedBytes(Path file) throws Exception {
        Process stat = new ProcessBuilder("stat", "--format=%b", file.toString()).start();
        String out = new String(stat.getInputStream().readAllBytes()).strip();
        stat.waitFor();
        return Long.parseLong(out) * 512;
    }

    @Test
    void aDiscardedRangeReadsAsZerosTheRestKeepsItsDataAndTheFileShrinks() throws Exception {
        Path device = directory.resolve("v");
        Cli.run("format", device.toString(), "--size", "8m", "--allocation", "sparse").assertOk();
        byte[] data = new byte[4 << 20];
        new Random(3).nextBytes(data);
        Cli.runWithInput(data, "write", device.toString(), "--offset", "0").assertOk();
        long before = allocatedBytes(device);

        Cli.Result result = Cli.run("discard", device.toString(), "--offset", "1m", "--length", "2m").assertOk();
        assertTrue(result.out().startsWith("discarded 2 MiB (512 blocks) at offset 1,048,576"), result.out());
        assertTrue(allocatedBytes(device) <= before - (2 << 20) + (64 << 10),
            "the punched range gives its space back (less the log blocks its records took)");

        byte[] back = Cli.run("read", device.toString(), "--offset", "0", "--length", "4m").assertOk().outBytes();
        byte[] expected = data.clone();
        Arrays.fill(expected, 1 << 20, 3 << 20, (byte) 0);
        assertArrayEquals(expected, back);
        Cli.run("scrub", device.toString()).assertOk();

        Cli.run("discard", device.toString(), "--offset", "0", "--length", "4k", "--zeroes").assertOk();
        byte[] first = Cli.run("read", device.toString(), "--offset", "0", "--length", "4k").assertOk().outBytes();
        assertArrayEquals(new byte[4096], first);
    }

    @Test
    void badRangesAreRefusedBeforeAnythingIsDiscarded() throws Exception {
        Path device = directory.resolve("v");
        Cli.run("format", device.toString(), "--size", "4m").assertOk();
        byte[] data = new byte[8192];
        Arrays.fill(data, (byte) 5);
        Cli.runWithInput(data, "write", device.toString(), "--offset", "0").assertOk();
        Cli.run("discard", device.toString(), "--offset", "100", "--length", "4k")
            .assertOneLineError(2, "--offset 100 is not a multiple");
        Cli.run("discard", device.toString(), "--offset", "0", "--length", "0").assertOneLineError(2, "--length");
        Cli.run("discard", device.toString(), "--offset", "0", "--length", "1g")
            .assertOneLineError(2, "runs past the end of the volume");
        Cli.run("discard", device.toString(), "--offset", "0").assertOneLineError(2, "--length");
        assertArrayEquals(data, Cli.run("read", device.toString(), "--offset", "0", "--length", "8k").assertOk().outBytes());
    }

    @Test
    void statusCountsWrittenNeverWrittenAndDiscardedBlocks() throws Exception {
        Path device = directory.resolve("v");
        Cli.run("format", device.toString(), "--size", "8m").assertOk();
        Cli.runWithInput(new byte[3 << 20], "write", device.toString(), "--offset", "0").assertOk(); // 768 blocks
        Cli.run("discard", device.toString(), "--offset", "1m", "--length", "512k").assertOk(); // 128 of them
        Cli.run("discard", device.toString(), "--offset", "4m", "--length", "64k", "--zeroes").assertOk(); // 16 more
        java.util.Map<String, Object> status = MiniJson.object(Cli.run("status", device.toString(), "--json").assertOk().out());
        double dataBlocks = (Double) status.get("data_blocks");
        assertEquals(768.0 - 128, status.get("written_blocks"));
        assertEquals(128.0 + 16, status.get("discarded_blocks"));
        assertEquals(dataBlocks - 640, status.get("unwritten_blocks"));
        assertEquals(dataBlocks - 640 - 144, status.get("never_written_blocks"));
        assertEquals(0.0, status.get("groups_with_differing_copies"));
        assertEquals(0.0, status.get("log_groups_to_replay"));
        assertEquals(null, status.get("counts_unavailable"));
        String text = Cli.run("status", device.toString()).assertOk().out();
        assertTrue(text.contains("written blocks:    640 ("), text);
        assertTrue(text.contains("never written, 144 discarded"), text);
        java.util.Map<String, Object> labelOnly = MiniJson.object(
            Cli.run("status", device.toString(), "--json", "--no-counts").assertOk().out());
        assertEquals(null, labelOnly.get("written_blocks"));
        assertTrue(((String) labelOnly.get("counts_unavailable")).contains("--no-counts"));
    }
}
