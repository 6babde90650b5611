package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code csum resize}: a volume with data grows in place; its old blocks read back, its new space works. */
class ResizeCommandTest {
    @TempDir
    Path directory;

    private static byte[] blocks(int count, int seed) {
        byte[] bytes = new byte[count * 4096];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void resizeGrowsAVolumeWithData() throws Exception {
        Path device = directory.resolve("vol");
        Cli.run("format", device.toString(), "--size", "8m").assertOk();
        byte[] old = blocks(3, 1);
        Cli.runWithInput(old, "write", device.toString(), "--offset", "40k").assertOk();
        Map<String, Object> before = MiniJson.object(Cli.run("status", device.toString(), "--json").assertOk().out());
        long usableBefore = Math.round((Double) before.get("usable_bytes"));

        String out = Cli.run("resize", device.toString(), "--size", "64MiB").assertOk().out();

        assertEquals(64L << 20, Files.size(device));
        Map<String, Object> status = MiniJson.object(Cli.run("status", device.toString(), "--json").assertOk().out());
        long usable = Math.round((Double) status.get("usable_bytes"));
        assertTrue(usable > 7 * usableBefore, usable + " from " + usableBefore);
        assertTrue(out.startsWith(String.format("grew %s from %s (%,d bytes, %,d blocks) to %s (%,d bytes, %,d blocks) usable%n",
            device, Sizes.human(usableBefore), usableBefore, usableBefore / 4096, Sizes.human(usable), usable, usable / 4096)), out);
        assertArrayEquals(old, Cli.run("read", device.toString(), "--offset", "40k", "--length", "12k").assertOk().outBytes());
        byte[] fresh = blocks(2, 2);
        String last = Long.toString(usable - 8192);
        Cli.runWithInput(fresh, "write", device.toString(), "--offset", last).assertOk();
        assertArrayEquals(fresh, Cli.run("read", device.toString(), "--offset", last, "--length", "8k").assertOk().outBytes());
        Cli.run("scrub", device.toString()).assertOk();

        assertEquals(String.format("%s is already %s usable (%,d blocks) at that size: nothing to do%n", device,
            Sizes.human(usable), usable / 4096), Cli.run("resize", device.toString()).assertOk().out());
        Map<String, Object> again = MiniJson.object(Cli.run("resize", device.toString(), "--json").assertOk().out());
        assertEquals(Boolean.FALSE, again.get("resized"));
        assertEquals((double) usable, again.get("usable_bytes"));
    }

    @Test
    void aSeparateVolumeAsJson() throws Exception {
        Path data = directory.resolve("data");
        Path metadata = directory.resolve("meta");
        Cli.run("format", data.toString(), "--metadata", metadata.toString(), "--size", "8m").assertOk();
        Map<String, Object> result = MiniJson.object(Cli.run("resize", data.toString(), "--metadata", metadata.toString(),
            "--size", "16m", "--json").assertOk().out());
        assertEquals(Boolean.TRUE, result.get("resized"));
        assertEquals((16 << 20) - 4096.0, result.get("usable_bytes"));
        assertEquals((8 << 20) - 4096.0, result.get("usable_bytes_before"));
        assertEquals(16L << 20, Files.size(data));
    }

    @Test
    void refusalsAreOneLineAndWriteNothing() throws Exception {
        Path device = directory.resolve("vol");
        Cli.run("format", device.toString(), "--size", "8m").assertOk();
        Cli.runWithInput(new byte[4096], "write", device.toString(), "--offset", "7m").assertOk();
        byte[] before = Files.readAllBytes(device);
        Cli.run("resize", device.toString(), "--size", "4m").assertOneLineError(2, "csum resize: shrinking would cut off block ");
        Cli.run("resize", device.toString(), "--size", "0").assertOneLineError(2, "--size must be positive");
        Cli.run("resize", device.toString(), "--size", "lots").assertOneLineError(2, "lots");
        Cli.run("resize", directory.resolve("missing").toString(), "--size", "16m").assertOneLineError(2, "missing");
        assertArrayEquals(before, Files.readAllBytes(device), "nothing written");
    }

    @Test
    void resizeShrinksAVolumeOverBlocksNeverWritten() throws Exception {
        Path device = directory.resolve("vol");
        Cli.run("format", device.toString(), "--size", "64m").assertOk();
        byte[] old = blocks(3, 4);
        Cli.runWithInput(old, "write", device.toString(), "--offset", "1m").assertOk();
        String out = Cli.run("resize", device.toString(), "--size", "8m").assertOk().out();
        assertTrue(out.startsWith("shrank " + device + " from "), out);
        assertEquals(8L << 20, Files.size(device));
        assertArrayEquals(old, Cli.run("read", device.toString(), "--offset", "1m", "--length", "12k").assertOk().outBytes());
        Cli.run("scrub", device.toString()).assertOk();
    }
}
