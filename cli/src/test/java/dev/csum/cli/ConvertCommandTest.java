package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.format.VersionOneImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code csum convert}: a format version 1 volume becomes version 2, and then {@code write} works on it. */
class ConvertCommandTest {
    @TempDir
    Path directory;

    private static byte[] blocks(int count, int seed) {
        byte[] bytes = new byte[count * 4096];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void convertThenWriteAndReadWork() throws Exception {
        Path device = directory.resolve("v1");
        VersionOneImage.format(device, null, 8L << 20, 4096);
        byte[] old = blocks(2, 1);
        VersionOneImage.write(device, null, 3, old, false);
        long oldBackup = Math.round((Double) MiniJson.object(Cli.run("status", device.toString(), "--json").assertOk().out())
            .get("backup_superblock_offset"));

        String out = Cli.run("convert", device.toString()).assertOk().out();
        assertTrue(out.startsWith("converted " + device + " to format version 2: a tuple log of 512 KiB (524,288 bytes) after"
            + " the last group\n"), out);
        assertTrue(out.contains(String.format("data device: tuple log at byte %,d, backup superblock at byte %,d;", oldBackup,
            oldBackup + 524288)), out);
        assertTrue(out.contains("data area not zeroed"), out);
        // The default log: a sixteenth of the 2,040 data blocks (1/64 is less, 64 MiB more): 128 blocks.
        assertEquals(oldBackup + 524288 + 4096, Files.size(device), "the file grew by the log");

        Map<String, Object> status = MiniJson.object(Cli.run("status", device.toString(), "--json").assertOk().out());
        assertEquals(2.0, status.get("format_version"));
        assertEquals(524288.0, status.get("log_size_bytes"));
        assertEquals(Boolean.FALSE, status.get("data_zeroed"));
        assertEquals(List.of(), status.get("warnings"));

        assertArrayEquals(old, Cli.run("read", device.toString(), "--offset", "12k", "--length", "8k").assertOk().outBytes());
        byte[] fresh = blocks(3, 2);
        Cli.runWithInput(fresh, "write", device.toString(), "--offset", "8k").assertOk();
        assertArrayEquals(fresh, Cli.run("read", device.toString(), "--offset", "8k", "--length", "12k").assertOk().outBytes());
        Cli.run("scrub", device.toString()).assertOk();

        assertEquals(device + " is already format version 2 (tuple log 512 KiB): nothing to do\n",
            Cli.run("convert", device.toString()).assertOk().out());
        Map<String, Object> again = MiniJson.object(Cli.run("convert", device.toString(), "--json").assertOk().out());
        assertEquals(Boolean.FALSE, again.get("converted"));
        assertEquals(2.0, again.get("format_version"));
    }

    @Test
    void aSeparateVolumeWithAGivenLogSizeAsJson() throws Exception {
        Path data = directory.resolve("data");
        Path metadata = directory.resolve("meta");
        VersionOneImage.format(data, metadata, 8L << 20, 4096);
        long dataSize = Files.size(data);
        Map<String, Object> result = MiniJson.object(Cli.run("convert", data.toString(), "--metadata", metadata.toString(),
            "--log-size", "128k", "--json").assertOk().out());
        assertEquals(Boolean.TRUE, result.get("converted"));
        assertEquals(2.0, result.get("format_version"));
        assertEquals(131072.0, result.get("log_size_bytes"));
        assertEquals((Double) result.get("metadata_device_min_bytes_before") + 131072, (Double) result.get("metadata_device_min_bytes"));
        assertEquals((Double) result.get("metadata_device_min_bytes"), (double) Files.size(metadata));
        assertEquals(dataSize, Files.size(data), "the data device keeps its size");
        byte[] fresh = blocks(1, 3);
        Cli.runWithInput(fresh, "write", data.toString(), "--metadata", metadata.toString(), "--offset", "0").assertOk();
        assertArrayEquals(fresh, Cli.run("read", data.toString(), "--metadata", metadata.toString(), "--offset", "0",
            "--length", "4k").assertOk().outBytes());
    }

    @Test
    void refusalsAreOneLineAndWriteNothing() throws Exception {
        Path zeros = directory.resolve("zeros");
        Files.write(zeros, new byte[1 << 20]);
        Cli.run("convert", zeros.toString()).assertOneLineError(2, "csum convert: ", "not a csum volume");

        Path device = directory.resolve("v1");
        VersionOneImage.format(device, null, 8L << 20, 4096);
        byte[] before = Files.readAllBytes(device);
        Cli.run("convert", device.toString(), "--log-size", "1000").assertOneLineError(2,
            "csum convert: log size 1000 bytes is not a multiple of the block size, 4096 bytes");
        Cli.run("convert", device.toString(), "--log-size", "0").assertOneLineError(2, "--log-size must be positive");
        Cli.run("convert", directory.resolve("missing").toString()).assertOneLineError(2, "missing");
        assertArrayEquals(before, Files.readAllBytes(device), "nothing written");

        Cli.run("convert", device.toString()).assertOk();
        Cli.run("convert", device.toString(), "--log-size", "1m").assertOneLineError(2,
            "is already format version 2, with a tuple log of 524288 bytes; convert does not resize a log");
    }
}
