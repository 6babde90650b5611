package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.format.Geometry;
import dev.csum.format.VolumeLabel;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScrubTest {
    @TempDir
    Path directory;

    /** Formats, fills every block through csum, and returns the geometry. */
    private Geometry filledVolume(Path device, Path metadata, String size) throws Exception {
        List<String> format = new ArrayList<>(List.of("format", device.toString(), "--size", size));
        if (metadata != null) {
            format.addAll(List.of("--metadata", metadata.toString()));
        }
        Cli.run(format.toArray(String[]::new)).assertOk();
        Geometry geometry = VolumeLabel.read(device, metadata).superblock().geometry();
        byte[] data = new byte[(int) geometry.usableBytes()];
        new Random(5).nextBytes(data);
        List<String> write = new ArrayList<>(List.of("write", device.toString(), "--offset", "0"));
        if (metadata != null) {
            write.addAll(List.of("--metadata", metadata.toString()));
        }
        Cli.runWithInput(data, write.toArray(String[]::new)).assertOk();
        return geometry;
    }

    /** Inverts every bit of the byte at {@code fileOffset} of the file, behind the volume's back. */
    static void flipByte(Path device, long fileOffset) throws Exception {
        try (RandomAccessFile file = new RandomAccessFile(device.toFile(), "rw")) {
            file.seek(fileOffset);
            int original = file.read();
            file.seek(fileOffset);
            file.write(original ^ 0xFF);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<long[]> badBlocks(Map<String, Object> report) {
        List<long[]> bad = new ArrayList<>();
        for (Object entry : (List<Object>) report.get("bad_blocks")) {
            Map<String, Object> block = (Map<String, Object>) entry;
            bad.add(new long[] {((Double) block.get("block")).longValue(), ((Double) block.get("offset")).longValue()});
        }
        return bad;
    }

    @Test
    void scrubFindsExactlyTheCorruptedBlocks() throws Exception {
        Path device = directory.resolve("v");
        Geometry geometry = filledVolume(device, null, "12m");
        assertEquals(0, badBlocks(MiniJson.object(Cli.run("scrub", device.toString(), "--json").assertOk().out())).size());

        // First block, two neighbours inside a later group, and the very last block.
        long last = geometry.dataBlockCount() - 1;
        long[] victims = {0, 600, 601, last};
        for (long block : victims) {
            flipByte(device, geometry.dataOffsetBytes(block) + 17);
        }
        Cli.Result result = Cli.run("scrub", device.toString(), "--json");
        assertEquals(1, result.status(), result.err());
        Map<String, Object> report = MiniJson.object(result.out());
        assertEquals((double) geometry.dataBlockCount(), report.get("blocks_checked"));
        assertEquals(Boolean.FALSE, report.get("clean"));
        assertTrue((Double) report.get("seconds") > 0);
        List<long[]> bad = badBlocks(report);
        assertEquals(victims.length, bad.size(), result.out());
        for (int i = 0; i < victims.length; i++) {
            assertEquals(victims[i], bad.get(i)[0]);
            assertEquals(victims[i] * 4096, bad.get(i)[1]);
        }

        String text = Cli.run("scrub", device.toString()).out();
        assertTrue(text.contains("4 bad blocks:"), text);
        assertTrue(text.contains(String.format("block %,d at offset %,d", last, last * 4096)), text);
    }

    @Test
    void scrubOfASeparateMetadataVolumeAndItsProgressLine() throws Exception {
        Path data = directory.resolve("data");
        Path metadata = directory.resolve("meta");
        Geometry geometry = filledVolume(data, metadata, "4m");
        flipByte(data, geometry.dataOffsetBytes(123) + 4095);
        Cli.Result result = Cli.run("scrub", data.toString(), "--metadata", metadata.toString());
        assertEquals(1, result.status(), result.err());
        assertTrue(result.out().contains("1 bad block:\n  block 123 at offset 503,808"), result.out());
        // Not a terminal: plain lines, no carriage returns.
        assertTrue(result.err().contains("scrub: 100.0%") && !result.err().contains("\r"), result.err());
    }

    @Test
    void scrubBadInput() throws Exception {
        Cli.run("scrub", directory.resolve("missing").toString()).assertOneLineError(2, "does not exist");
        Path junk = directory.resolve("junk");
        Files.write(junk, new byte[1 << 20]);
        Cli.run("scrub", junk.toString()).assertOneLineError(2, "not a csum volume");
    }

    /** The volume's bytes, read through csum. */
    private static byte[] contents(Path device, Geometry geometry) {
        Cli.Result read = Cli.run("read", device.toString(), "--offset", "0", "--length",
            Long.toString(geometry.usableBytes()));
        read.assertOk();
        return read.outBytes();
    }

    @Test
    void repairFromAnotherVolumeWithTheSameDataRepairsEveryBadBlockAndADamagedImdCopy() throws Exception {
        Path damaged = directory.resolve("damaged");
        Path replica = directory.resolve("replica");
        Geometry geometry = filledVolume(damaged, null, "6m");
        filledVolume(replica, null, "6m");
        byte[] good = contents(replica, geometry);
        long[] victims = {5, 700, geometry.dataBlockCount() - 1};
        for (long block : victims) {
            flipByte(damaged, geometry.dataOffsetBytes(block) + 9);
        }
        flipByte(damaged, geometry.imdPairOffsetBytes(1) + 100);

        Cli.Result result = Cli.run("scrub", damaged.toString(), "--repair-from", replica.toString(), "--json");
        assertEquals(0, result.status(), result.out() + result.err());
        Map<String, Object> report = MiniJson.object(result.out());
        assertEquals(3.0, report.get("repaired"));
        assertEquals(0.0, report.get("unrepaired"));
        assertEquals(victims.length, badBlocks(report).size());
        @SuppressWarnings("unchecked")
        Map<String, Object> metadata = (Map<String, Object>) report.get("metadata");
        assertEquals(1.0, metadata.get("damaged_imd_copies"), result.out());

        Cli.Result again = Cli.run("scrub", damaged.toString(), "--json");
        assertEquals(0, again.status(), again.out());
        @SuppressWarnings("unchecked")
        Map<String, Object> metadataAgain = (Map<String, Object>) MiniJson.object(again.out()).get("metadata");
        assertEquals(0.0, metadataAgain.get("damaged_imd_copies"), again.out());
        assertTrue(java.util.Arrays.equals(good, contents(damaged, geometry)), "the repaired volume holds the replica's data");
    }

    @Test
    void aBlockTheSourceHasBadTooIsUnrepairableAndTheExitStatusSaysSo() throws Exception {
        Path damaged = directory.resolve("damaged");
        Path replica = directory.resolve("replica");
        Geometry geometry = filledVolume(damaged, null, "4m");
        filledVolume(replica, null, "4m");
        for (long block : new long[] {10, 20, 30}) {
            flipByte(damaged, geometry.dataOffsetBytes(block));
        }
        flipByte(replica, geometry.dataOffsetBytes(20));
        Cli.Result result = Cli.run("scrub", damaged.toString(), "--repair-from", replica.toString());
        assertEquals(1, result.status(), result.out() + result.err());
        assertTrue(result.out().contains("block 20 at offset 81,920: UNREPAIRABLE (the repair source has no good copy)"),
            result.out());
        assertTrue(result.out().contains("repaired 2, unrepairable 1"), result.out());
    }

    @Test
    void repairFromARawImageWarnsThatItIsTrusted() throws Exception {
        Path damaged = directory.resolve("damaged");
        Geometry geometry = filledVolume(damaged, null, "4m");
        Path image = directory.resolve("image.raw");
        Files.write(image, contents(damaged, geometry));
        flipByte(damaged, geometry.dataOffsetBytes(42) + 1);
        Cli.Result result = Cli.run("scrub", damaged.toString(), "--repair-from", image.toString());
        assertEquals(0, result.status(), result.out() + result.err());
        assertTrue(result.err().contains("is not a csum volume: using it as a raw image"), result.err());
        assertTrue(result.out().contains("block 42 at offset 172,032: repaired"), result.out());
        Cli.run("scrub", damaged.toString()).assertOk();
    }

    @Test
    void repairSourcesThatDoNotMatchAreRefusedBeforeAnyWrite() throws Exception {
        Path damaged = directory.resolve("damaged");
        Geometry geometry = filledVolume(damaged, null, "4m");
        flipByte(damaged, geometry.dataOffsetBytes(3));
        Path other = directory.resolve("other");
        filledVolume(other, null, "5m");
        Cli.run("scrub", damaged.toString(), "--repair-from", other.toString())
            .assertOneLineError(2, "a repair source must match both");
        Path shortImage = directory.resolve("short.raw");
        Files.write(shortImage, new byte[4096]);
        Cli.run("scrub", damaged.toString(), "--repair-from", shortImage.toString())
            .assertOneLineError(2, "a raw image must be exactly as large");
        Cli.run("scrub", damaged.toString(), "--repair-from", directory.resolve("nothing").toString())
            .assertOneLineError(2, "does not exist");
        Cli.run("scrub", damaged.toString(), "--repair-from", damaged.toString())
            .assertOneLineError(2, "itself; refusing");
        Cli.run("scrub", damaged.toString(), "--rate", "0").assertOneLineError(2, "--rate must be a positive");
        // Nothing was repaired by any of them.
        assertEquals(1, Cli.run("scrub", damaged.toString()).status());
    }

    @Test
    void aRateLimitedScrubTakesAboutAsLongAsItShould() throws Exception {
        Path device = directory.resolve("v");
        filledVolume(device, null, "8m");
        Map<String, Object> report = MiniJson.object(
            Cli.run("scrub", device.toString(), "--rate", "4M", "--json").assertOk().out());
        double seconds = (Double) report.get("seconds");
        double bytes = (Double) report.get("bytes_checked");
        double rate = bytes / seconds;
        assertTrue(Math.abs(rate - (4 << 20)) < 0.2 * (4 << 20), "scrubbed at " + rate + " bytes/s");
    }
}
