package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.format.ForeignImage;
import dev.csum.format.Tools;
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
        // 8 MiB of 512-byte blocks: groups of 64 blocks (2 imd + 62 data) after the superblock.
        assertTrue(blocks > 16384 * 62 / 64 - 124 && blocks < 16384, "data blocks " + blocks);
        assertEquals(List.of(), status.get("warnings"));
        assertTrue(formatted.contains((String) status.get("uuid")));

        String text = Cli.run("status", device.toString()).assertOk().out();
        assertTrue(text.contains("block size:        512 bytes"), text);
        assertTrue(text.contains("checksum:          crc16-t10dif"), text);
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
