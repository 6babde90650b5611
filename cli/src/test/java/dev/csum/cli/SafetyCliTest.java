package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.format.Geometry;
import dev.csum.format.VolumeLabel;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing stored is lost through csum's own commands: an output or input that is the volume itself,
 * metadata that is the data device, a format that cannot complete, and sessions that only read
 * (which must work, and write nothing, on devices they cannot write). Bytes are compared wherever
 * the promise is "nothing changed".
 */
class SafetyCliTest {
    @TempDir
    Path directory;

    private Path device;

    @BeforeEach
    void format() throws Exception {
        device = directory.resolve("v");
        Cli.run("format", device.toString(), "--size", "8m").assertOk();
        Path data = directory.resolve("data.bin");
        Files.write(data, pattern(1 << 20, 5));
        Cli.run("write", device.toString(), "--offset", "0", "--input", data.toString()).assertOk();
    }

    private static byte[] pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + seed + (i >>> 12));
        }
        return bytes;
    }

    // ------------------------------------------------------------------ the volume as its own input or output

    @Test
    void readRefusesAnOutputThatIsTheVolumeUnderAnyName() throws Exception {
        byte[] before = Files.readAllBytes(device);
        Path symlink = Files.createSymbolicLink(directory.resolve("link"), device);
        Path hardLink = Files.createLink(directory.resolve("hard"), device);
        for (Path output : List.of(device, symlink, hardLink)) {
            Cli.run("read", device.toString(), "--offset", "0", "--length", "4k", "--output", output.toString())
                .assertOneLineError(2, "is the volume's data device", "refusing");
            assertArrayEquals(before, Files.readAllBytes(device), "--output " + output + " changed the volume");
        }
    }

    @Test
    void readRefusesAnOutputThatIsTheMetadataDevice() throws Exception {
        Path data = directory.resolve("sep-data");
        Path metadata = directory.resolve("sep-meta");
        Cli.run("format", data.toString(), "--metadata", metadata.toString(), "--size", "8m").assertOk();
        byte[] before = Files.readAllBytes(metadata);
        Cli.run("read", data.toString(), "-M", metadata.toString(), "--offset", "0", "--length", "4k",
            "--output", metadata.toString()).assertOneLineError(2, "is the volume's metadata device");
        assertArrayEquals(before, Files.readAllBytes(metadata));
    }

    @Test
    void writeRefusesAnInputThatIsTheVolume() throws Exception {
        byte[] before = Files.readAllBytes(device);
        Cli.run("write", device.toString(), "--offset", "0", "--input", device.toString())
            .assertOneLineError(2, "is the volume's data device");
        assertArrayEquals(before, Files.readAllBytes(device));
    }

    @Test
    void aMetadataDeviceThatIsTheDataDeviceIsBadUsage() throws Exception {
        Path link = Files.createLink(directory.resolve("same"), device);
        Cli.run("read", device.toString(), "-M", link.toString(), "--offset", "0", "--length", "4k")
            .assertOneLineError(2, "the metadata device must differ from the data device");
    }

    // ------------------------------------------------------------------ format

    @Test
    void aSeparateFormatThatCannotWriteTheDataDeviceLeavesTheMetadataDeviceAlone() throws Exception {
        Path data = directory.resolve("sep-data");
        Path metadata = directory.resolve("sep-meta");
        Cli.run("format", data.toString(), "--metadata", metadata.toString(), "--size", "8m").assertOk();
        byte[] metadataBefore = Files.readAllBytes(metadata);
        byte[] dataBefore = Files.readAllBytes(data);
        try (Immutable ignored = Immutable.make(data)) {
            Cli.Result result = Cli.run("format", data.toString(), "--metadata", metadata.toString(), "--size", "8m",
                "--force");
            assertEquals(3, result.status(), result.err());
            assertTrue(result.err().contains("data device"), result.err());
        }
        assertArrayEquals(metadataBefore, Files.readAllBytes(metadata), "the metadata device was changed");
        assertArrayEquals(dataBefore, Files.readAllBytes(data), "the data device was changed");
    }

    // ------------------------------------------------------------------ reading never writes

    @Test
    void readAndScrubWorkOnAnImmutableVolumeAndReportWithoutRepairing() throws Exception {
        damageCopyZeroOfGroupZero();
        byte[] before = Files.readAllBytes(device);
        try (Immutable ignored = Immutable.make(device)) {
            Cli.run("read", device.toString(), "--offset", "0", "--length", "1m", "--output",
                directory.resolve("copy").toString()).assertOk();
            Cli.Result scrub = Cli.run("scrub", device.toString(), "--quiet").assertOk();
            assertTrue(scrub.out().contains("1 damaged or stale imd copy"), scrub.out());
            assertTrue(scrub.out().contains("not repaired"), scrub.out());
            Cli.Result json = Cli.run("scrub", device.toString(), "--json").assertOk();
            assertTrue(json.out().contains("\"damaged_imd_copies\":1"), json.out());
            assertTrue(json.out().contains("\"groups_needing_repair\":1"), json.out());
        }
        assertArrayEquals(pattern(1 << 20, 5), Files.readAllBytes(directory.resolve("copy")));
        assertArrayEquals(before, Files.readAllBytes(device), "a read-only session wrote to the volume");
        // A writable session repairs the copy; then scrub finds nothing.
        Cli.run("scrub", device.toString(), "--quiet", "--repair-metadata").assertOk();
        Cli.Result after = Cli.run("scrub", device.toString(), "--json").assertOk();
        assertTrue(after.out().contains("\"damaged_imd_copies\":0"), after.out());
    }

    @Test
    void onAFullFileSystemScrubReportsAndARepairThatCannotWriteCarriesOn() throws Exception {
        try (SmallTmpfs full = SmallTmpfs.mount(directory.resolve("mnt"), 16)) {
            Path volume = full.path().resolve("v");
            Cli.run("format", volume.toString(), "--size", "8m").assertOk();
            Cli.run("write", volume.toString(), "--offset", "0", "--input", directory.resolve("data.bin").toString())
                .assertOk();
            // As a crash right after the first commit leaves it: copy 0 of group 0 never written (a hole).
            long copyZero = VolumeLabel.read(volume, null).superblock().geometry().imdPairOffsetBytes(0);
            punchHole(volume, copyZero, 4096);
            full.fill();
            byte[] before = Files.readAllBytes(volume);
            Cli.Result scrub = Cli.run("scrub", volume.toString(), "--quiet").assertOk();
            assertTrue(scrub.out().contains("clean: every block verified"), scrub.out());
            assertTrue(scrub.out().contains("not repaired"), scrub.out());
            Cli.run("read", volume.toString(), "--offset", "0", "--length", "1m", "--output", "/dev/null").assertOk();
            assertArrayEquals(before, Files.readAllBytes(volume));
            Cli.Result repair = Cli.run("scrub", volume.toString(), "--quiet", "--repair-metadata");
            assertEquals(0, repair.status(), repair.err());
            assertTrue(repair.err().contains("metadata rewrite failed"), repair.err());
            Cli.run("read", volume.toString(), "--offset", "0", "--length", "1m", "--output", "/dev/null").assertOk();
        }
    }

    @Test
    void aDamagedPrimarySuperblockIsWarnedAboutEverywhereAndAWritableOpenRestoresIt() throws Exception {
        byte[] pristine = Files.readAllBytes(device);
        ScrubTest.flipByte(device, 40); // the data block count: the primary's checksum fails, the backup is intact
        byte[] damaged = Files.readAllBytes(device);
        Cli.Result read = Cli.run("read", device.toString(), "--offset", "0", "--length", "4k", "--output", "/dev/null")
            .assertOk();
        assertTrue(read.err().contains("csum read: warning:") && read.err().contains("primary superblock"), read.err());
        assertArrayEquals(damaged, Files.readAllBytes(device), "a read-only session restored (wrote) the superblock");
        Cli.Result bench = Cli.run("bench", device.toString(), "--rw", "randread", "--runtime", "200ms");
        assertEquals(0, bench.status(), bench.err());
        assertTrue(bench.err().contains("csum bench: warning:") && bench.err().contains("restored"), bench.err());
        // Restored: the pristine block, but for the log sequence ceiling the session's records raised
        // (bytes 80..87, FORMAT.md §8.1) and the checksum over it (bytes 8..11).
        byte[] restored = java.util.Arrays.copyOf(Files.readAllBytes(device), 4096);
        byte[] expected = java.util.Arrays.copyOf(pristine, 4096);
        for (int i : new int[] {8, 9, 10, 11, 80, 81, 82, 83, 84, 85, 86, 87}) {
            restored[i] = 0;
            expected[i] = 0;
        }
        assertArrayEquals(expected, restored, "the writable open restored the primary superblock");
        Cli.Result status = Cli.run("status", device.toString(), "--json").assertOk();
        assertTrue(status.out().contains("\"warnings\":[]"), status.out());
    }

    @Test
    void writeWarnsAboutADamagedPrimarySuperblockAndRestoresIt() throws Exception {
        ScrubTest.flipByte(device, 40);
        Path data = directory.resolve("one-block");
        Files.write(data, pattern(4096, 9));
        Cli.Result write = Cli.run("write", device.toString(), "--offset", "0", "--input", data.toString()).assertOk();
        assertTrue(write.err().contains("csum write: warning:") && write.err().contains("restored"), write.err());
        Cli.Result status = Cli.run("status", device.toString(), "--json").assertOk();
        assertTrue(status.out().contains("\"warnings\":[]"), status.out());
    }

    private void damageCopyZeroOfGroupZero() throws Exception {
        Geometry geometry = VolumeLabel.read(device, null).superblock().geometry();
        ScrubTest.flipByte(device, geometry.imdPairOffsetBytes(0) + 100);
    }

    private static void punchHole(Path file, long offsetBytes, long lengthBytes) throws Exception {
        run("fallocate", "--punch-hole", "--offset", Long.toString(offsetBytes), "--length", Long.toString(lengthBytes),
            file.toString());
    }

    static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
    }

    /** {@code chattr +i} for the duration: not even root may open the file for writing. */
    record Immutable(Path file) implements AutoCloseable {
        static Immutable make(Path file) throws Exception {
            run("chattr", "+i", file.toString());
            return new Immutable(file);
        }

        @Override
        public void close() throws Exception {
            run("chattr", "-i", file.toString());
        }
    }

    /** A tmpfs of a few MiB (O_DIRECT works on tmpfs) that can be filled to the last byte. Needs root. */
    record SmallTmpfs(Path path) implements AutoCloseable {
        static SmallTmpfs mount(Path path, int mebibytes) throws Exception {
            Files.createDirectories(path);
            run("mount", "-t", "tmpfs", "-o", "size=" + mebibytes + "m", "csum-test", path.toString());
            return new SmallTmpfs(path);
        }

        /** Fills every free byte (the last write fails with ENOSPC, as it should). */
        void fill() throws IOException {
            byte[] chunk = new byte[64 * 1024];
            try (var out = Files.newOutputStream(path.resolve("filler"))) {
                while (true) {
                    out.write(chunk);
                }
            } catch (IOException full) {
                if (!String.valueOf(full.getMessage()).contains("No space left")) {
                    throw full;
                }
            }
        }

        @Override
        public void close() throws Exception {
            run("umount", path.toString());
        }
    }
}
