package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.format.ForeignImage;
import dev.csum.format.Tools;
import dev.csum.format.VersionOneImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FormatStatusTest {
    @TempDir
    Path directory;

    @Test
    void formatCreatesAVolumeAndStatusDescribesIt() throws Exception {
        Path device = directory.resolve("v");
        String formatted = Cli.run("format", device.toString(), "--size", "8m", "--block-size", "512",
            "--checksum", "crc16-t10dif").assertOk().out();
        assertTrue(formatted.contains("blocks of 512 bytes, crc16-t10dif, interleaved metadata"), formatted);
        assertEquals(8L << 20, Files.size(device));

        Map<String, Object> status = MiniJson.object(Cli.run("status", device.toString(), "--json").assertOk().out());
        assertEquals(512.0, status.get("block_size"));
        assertEquals("crc16-t10dif", status.get("checksum"));
        assertEquals("interleaved", status.get("metadata_placement"));
        assertEquals(62.0, status.get("blocks_per_group"));
        double blocks = (Double) status.get("data_blocks");
        assertEquals(blocks * 512, (Double) status.get("usable_bytes"));
        // 8 MiB of 512-byte blocks: 16,384 blocks, less both superblocks and the default log (a sixteenth of
        // the data: 936 blocks), leave 15,446 = 241 groups of 64 blocks (2 imd + 62 data) and a last group of
        // 2 imd + 20 data.
        assertEquals(241 * 62 + 20, blocks, "data blocks");
        assertEquals(List.of(), status.get("warnings"));
        assertTrue(formatted.contains((String) status.get("uuid")));

        // Version 2: a log of the default size, 468 KiB here (a sixteenth of the data: 1/64 is less), after the last group.
        assertEquals(2.0, status.get("format_version"));
        assertEquals(936 * 512.0, status.get("log_size_bytes"));
        assertEquals(Boolean.TRUE, status.get("data_zeroed"));
        assertEquals(8.0 * (1 << 20) - 512, (Double) status.get("backup_superblock_offset"), "the backup in the last block");
        assertEquals(512.0, status.get("log_block_bytes"), "512-byte blocks: log blocks of the block size");
        assertTrue(formatted.contains("tuple log 468 KiB (479,232 bytes) in 512-byte log blocks on the data device;"
            + " data area zeroed"), formatted);

        String text = Cli.run("status", device.toString()).assertOk().out();
        assertTrue(text.contains("block size:        512 bytes"), text);
        assertTrue(text.contains("checksum:          crc16-t10dif"), text);
        assertTrue(text.lines().anyMatch("format version:    2"::equals), text);
        assertTrue(text.contains("tuple log:         468 KiB (479,232 bytes) after the last group, in 512-byte log blocks"),
            text);
        assertTrue(text.contains("data zeroed:       yes"), text);
    }

    @Test
    void formatTakesAnAllocationAndSaysWhichItMade() throws Exception {
        Path device = directory.resolve("v");
        String sparse = Cli.run("format", device.toString(), "--size", "8m", "--allocation", "sparse").assertOk().out();
        assertTrue(sparse.lines().anyMatch("file allocation sparse"::equals), sparse);
        String auto = Cli.run("format", device.toString(), "--size", "8m", "--force").assertOk().out();
        assertTrue(auto.lines().anyMatch(line -> line.matches("file allocation (reserved|zeroed|sparse) \\(auto\\)")), auto);
        Cli.Result unknown = Cli.run("format", directory.resolve("w").toString(), "--size", "8m", "--allocation", "thick");
        assertEquals(2, unknown.status(), unknown.err());
        assertTrue(unknown.err().contains("auto, sparse, reserved, zeroed"), unknown.err());
        assertFalse(Files.exists(directory.resolve("w")), "a bad option creates nothing");
    }

    @Test
    void formatTakesALogSize() throws Exception {
        Path data = directory.resolve("data");
        Path metadata = directory.resolve("meta");
        String formatted = Cli.run("format", data.toString(), "--metadata", metadata.toString(), "--size", "8m",
            "--log-size", "1m").assertOk().out();
        assertTrue(formatted.contains("tuple log 1 MiB (1,048,576 bytes) in 512-byte log blocks on the metadata device"),
            formatted);
        Map<String, Object> status = MiniJson.object(
            Cli.run("status", data.toString(), "--metadata", metadata.toString(), "--json").assertOk().out());
        assertEquals(1048576.0, status.get("log_size_bytes"));
        // The metadata device: superblock, 5 pairs, the log, the backup.
        assertEquals((1 + 10 + 256 + 1) * 4096.0, status.get("metadata_device_min_bytes"));
        assertEquals((double) Files.size(metadata), status.get("metadata_device_min_bytes"));
        String device = directory.resolve("v").toString();
        Cli.run("format", device, "--size", "8m", "--log-size", "1000").assertOneLineError(2,
            "log size 1000 bytes is not a multiple of the block size, 4096 bytes");
        Cli.run("format", device, "--size", "8m", "--log-size", "32k").assertOneLineError(2,
            "log size 32768 bytes is below the minimum of 16 blocks, 65536 bytes");
        Cli.run("format", device, "--size", "8m", "--log-size", "8m").assertOneLineError(2, "too small");
        Cli.run("format", device, "--size", "8m", "--log-size", "0").assertOneLineError(2, "--log-size must be positive");
        Cli.run("format", device, "--size", "8m", "--block-size", "512", "--log-block-size", "4096").assertOneLineError(2,
            "log block size must be 512 or the block size (512), was 4096");
        Cli.run("format", device, "--size", "8m", "--log-block-size", "1024").assertOneLineError(2,
            "block size must be 512 or 4096 bytes, not 1024");
        assertFalse(Files.exists(directory.resolve("v")), "no device created by refused formats");
        String whole = Cli.run("format", device, "--size", "8m", "--log-block-size", "4096").assertOk().out();
        assertTrue(whole.contains("in 4096-byte log blocks on the data device"), whole);
        Map<String, Object> wholeStatus = MiniJson.object(Cli.run("status", device, "--json").assertOk().out());
        assertEquals(4096.0, wholeStatus.get("log_block_bytes"));
    }

    /** A volume made by a build before the tuple log: read and status work, writes are refused with one line. */
    @Test
    void aVersion1VolumeIsReadOnly() throws Exception {
        Path device = directory.resolve("v1");
        Cli.run("format", device.toString(), "--size", "4m").assertOk();
        byte[] block = new byte[4096];
        java.util.Arrays.fill(block, (byte) 0x3c);
        Cli.runWithInput(block, "write", device.toString(), "--offset", "8k").assertOk();
        VersionOneImage.downgrade(device, null);

        Map<String, Object> status = MiniJson.object(Cli.run("status", device.toString(), "--json").assertOk().out());
        assertEquals(1.0, status.get("format_version"));
        assertEquals(0.0, status.get("log_size_bytes"));
        assertTrue(Cli.run("status", device.toString()).assertOk().out().contains("format version:    1 (read-only in this build"));
        assertArrayEquals(block, Cli.run("read", device.toString(), "--offset", "8k", "--length", "4k").assertOk().outBytes());
        Cli.run("scrub", device.toString()).assertOk();

        byte[] before = Files.readAllBytes(device);
        Cli.runWithInput(block, "write", device.toString(), "--offset", "0").assertOneLineError(2,
            "csum write: format version 1 volume: open it read-only, or run 'csum convert VOLUME' to add the tuple log (format version 2)");
        assertArrayEquals(before, Files.readAllBytes(device), "nothing written");
    }

    @Test
    void formatRefusesToOverwriteAVolumeWithoutForce() throws Exception {
        Path device = directory.resolve("v");
        Cli.run("format", device.toString(), "--size", "4m").assertOk();
        byte[] before = Files.readAllBytes(device);
        Cli.run("format", device.toString(), "--size", "4m").assertOneLineError(2, "already holds csum volume", "force");
        assertArrayEquals(before, Files.readAllBytes(device), "nothing written");
        Cli.run("format", device.toString(), "--force").assertOk();
    }

    @ParameterizedTest(name = "{0}: exit 2 naming it, nothing written; --force overwrites it")
    @EnumSource(value = ForeignImage.class, names = {"EXT4", "LUKS2"})
    void formatRefusesADeviceHoldingAnotherProgramsSignatureWithoutForce(ForeignImage image) throws Exception {
        Path device = image.make(directory);
        String before = Tools.sha256(device);
        Cli.run("format", device.toString()).assertOneLineError(2,
            "csum format: data device " + device + " holds " + image.holds + "; format with --force to overwrite it");
        assertEquals(before, Tools.sha256(device), "nothing written");
        Cli.run("format", device.toString(), "--force").assertOk();
        Cli.run("status", device.toString()).assertOk();
    }

    @Test
    void formatRefusesADeviceHoldingDataWithoutForce() throws Exception {
        Path device = directory.resolve("v");
        byte[] data = new byte[4 << 20];
        data[(3 << 20) + 5] = 1;
        Files.write(device, data);
        Cli.run("format", device.toString()).assertOneLineError(2, "holds data: non-zero byte at offset 3145733", "--force");
        assertArrayEquals(data, Files.readAllBytes(device), "nothing written");
        Cli.run("format", device.toString(), "--force").assertOk();
    }

    @Test
    void separateMetadataDevice() throws Exception {
        Path data = directory.resolve("data");
        Path metadata = directory.resolve("meta");
        Cli.run("format", data.toString(), "--metadata", metadata.toString(), "--size", "4m").assertOk();
        Map<String, Object> status = MiniJson.object(
            Cli.run("status", data.toString(), "--metadata", metadata.toString(), "--json").assertOk().out());
        assertEquals("separate", status.get("metadata_placement"));
        assertEquals(metadata.toString(), status.get("metadata_device"));
    }

    @Test
    void badFormatInput() {
        String device = directory.resolve("v").toString();
        Cli.run("format", device, "--size", "4m", "--block-size", "1024").assertOneLineError(2, "512 or 4096");
        Cli.run("format", device, "--size", "4m", "--checksum", "md5")
            .assertOneLineError(2, "unknown checksum algorithm 'md5'", "crc32c");
        Cli.run("format", device, "--size", "4 elephants").assertOneLineError(2, "--size");
        Cli.run("format", device).assertOneLineError(2, "does not exist", "size");
        Cli.run("format", device, "--size", "4k").assertOneLineError(2, "too small");
        Cli.run("format", device, "--size", "2m").assertOneLineError(2,
            "needs at least one full group and its smallest default log, 2367488 bytes");
        assertFalse(Files.exists(directory.resolve("v")), "no device created by refused formats");
    }

    @Test
    void badStatusInput() throws Exception {
        Cli.run("status", directory.resolve("missing").toString()).assertOneLineError(2, "missing");
        Path junk = directory.resolve("junk");
        Files.write(junk, new byte[1 << 20]);
        Cli.run("status", junk.toString()).assertOneLineError(2, "not a csum volume");
        Cli.run("status", directory.toString()).assertOneLineError(2, "directory");

        Path first = directory.resolve("first");
        Path firstMeta = directory.resolve("first.meta");
        Path second = directory.resolve("second");
        Path secondMeta = directory.resolve("second.meta");
        Cli.run("format", first.toString(), "--metadata", firstMeta.toString(), "--size", "4m").assertOk();
        Cli.run("format", second.toString(), "--metadata", secondMeta.toString(), "--size", "4m").assertOk();
        Cli.run("status", first.toString(), "--metadata", secondMeta.toString()).assertOneLineError(2, "second.meta");
        Cli.run("scrub", first.toString(), "--metadata", secondMeta.toString()).assertOneLineError(2, "second.meta");
    }
}
