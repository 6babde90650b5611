package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.format.VolumeLabel;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadWriteTest {
    @TempDir
    Path directory;
    private String device;
    private long usableBytes;

    @BeforeEach
    void format() throws Exception {
        device = directory.resolve("v").toString();
        Cli.run("format", device, "--size", "8m").assertOk();
        usableBytes = VolumeLabel.read(Path.of(device), null).superblock().geometry().usableBytes();
    }

    private static byte[] random(int bytes, long seed) {
        byte[] data = new byte[bytes];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Test
    void writeFromAFileThenReadToAFile() throws Exception {
        byte[] data = random(3 << 20, 1); // three chunks of the command's 1 MiB requests
        Path input = directory.resolve("in");
        Files.write(input, data);
        String wrote = Cli.run("write", device, "--offset", "64k", "--input", input.toString()).assertOk().out();
        assertTrue(wrote.contains("wrote 3,145,728 bytes (768 blocks) at offset 65,536"), wrote);

        Path output = directory.resolve("out");
        Cli.Result read = Cli.run("read", device, "--offset", "64k", "--length", "3m", "--output", output.toString())
            .assertOk();
        assertArrayEquals(data, Files.readAllBytes(output));
        assertTrue(read.err().contains("verified"), read.err());
        assertEquals(0, read.outBytes().length);
    }

    @Test
    void writeFromStdinThenReadToStdout() {
        byte[] data = random(8192, 2);
        Cli.runWithInput(data, "write", device, "--offset", "4096").assertOk();
        Cli.Result read = Cli.run("read", device, "--offset", "4096", "--length", "8k").assertOk();
        assertArrayEquals(data, read.outBytes());
        // Never-written blocks read as zeros.
        assertArrayEquals(new byte[4096], Cli.run("read", device, "--offset", "0", "--length", "4k").assertOk().outBytes());
    }

    @Test
    void aCorruptedBlockFailsTheReadNamingItAndNothingWrongIsOutput() throws Exception {
        byte[] data = random(1 << 20, 3);
        Cli.runWithInput(data, "write", device, "--offset", "0").assertOk();
        long block = 77;
        long fileOffset = VolumeLabel.read(Path.of(device), null).superblock().geometry().dataOffsetBytes(block) + 100;
        try (RandomAccessFile file = new RandomAccessFile(device, "rw")) {
            file.seek(fileOffset);
            int original = file.read();
            file.seek(fileOffset);
            file.write(original ^ 0x40);
        }
        Cli.Result read = Cli.run("read", device, "--offset", "0", "--length", "1m");
        assertEquals(1, read.status(), read.err());
        assertEquals(0, read.outBytes().length, "nothing of the failing chunk reaches the output");
        assertTrue(read.err().contains("checksum mismatch: block 77 (offset 315392)"), read.err());
        assertEquals(1, read.err().lines().filter(line -> line.contains("mismatch: block")).count(), read.err());

        // A read of the blocks before it still succeeds and returns the right bytes.
        Cli.Result before = Cli.run("read", device, "--offset", "0", "--length", Long.toString(block * 4096)).assertOk();
        assertArrayEquals(Arrays.copyOf(data, (int) block * 4096), before.outBytes());
    }

    @Test
    void badOffsetsAndLengths() {
        Cli.run("read", device, "--offset", "100", "--length", "4k").assertOneLineError(2, "--offset 100", "4096-byte block");
        Cli.run("read", device, "--offset", "0", "--length", "1000").assertOneLineError(2, "--length 1000", "block size");
        Cli.run("read", device, "--offset", "0", "--length", "1g").assertOneLineError(2, "larger than the volume");
        Cli.run("read", device, "--offset", "8m", "--length", "4k").assertOneLineError(2, "past the end");
        Cli.run("read", device, "--offset", Long.toString(usableBytes - 4096), "--length", "8k")
            .assertOneLineError(2, "runs past the end");
        Cli.run("read", device, "--offset", "zero", "--length", "4k").assertOneLineError(2, "--offset");
        Cli.runWithInput(new byte[4096], "write", device, "--offset", "6").assertOneLineError(2, "--offset 6");
        Cli.runWithInput(new byte[4096], "write", device, "--offset", "8m").assertOneLineError(2, "past the end");
    }

    @Test
    void inputThatIsNotWholeBlocksOrTooLongIsRefusedBeforeWriting() throws Exception {
        byte[] before = Files.readAllBytes(Path.of(device));
        Path odd = directory.resolve("odd");
        Files.write(odd, new byte[5000]);
        Cli.run("write", device, "--offset", "0", "--input", odd.toString())
            .assertOneLineError(2, "5000 bytes", "not a multiple", "nothing was written");
        Path big = directory.resolve("big");
        Files.write(big, new byte[(int) usableBytes]);
        Cli.run("write", device, "--offset", "4k", "--input", big.toString())
            .assertOneLineError(2, "past the end", "nothing was written");
        assertArrayEquals(before, Files.readAllBytes(Path.of(device)), "the device is unchanged");
    }

    @Test
    void aPipeEndingInAPartialBlockWritesTheWholeBlocksBeforeItThenFails() {
        byte[] data = random(5000, 5);
        Cli.runWithInput(data, "write", device, "--offset", "8k")
            .assertOneLineError(2, "partial block (904 of 4096 bytes)", "wrote the 4096 bytes before it", "not the rest");
        byte[] written = Cli.run("read", device, "--offset", "8k", "--length", "8k").assertOk().outBytes();
        assertArrayEquals(Arrays.copyOf(data, 4096), Arrays.copyOf(written, 4096), "the whole block is written");
        assertArrayEquals(new byte[4096], Arrays.copyOfRange(written, 4096, 8192), "the partial block is not");
    }

    @Test
    void aPipeLongerThanOneRequestWritesEveryWholeBlock() {
        byte[] data = random((1 << 20) + 5000, 6);
        Cli.runWithInput(data, "write", device, "--offset", "0")
            .assertOneLineError(2, "partial block", "wrote the " + ((1 << 20) + 4096) + " bytes before it");
        byte[] written = Cli.run("read", device, "--offset", "0", "--length", Integer.toString((1 << 20) + 4096))
            .assertOk().outBytes();
        assertArrayEquals(Arrays.copyOf(data, (1 << 20) + 4096), written);
    }

    @Test
    void aPipeRunningPastTheEndFillsTheVolumeThenFails() {
        byte[] data = random((int) usableBytes + 4096, 7);
        Cli.runWithInput(data, "write", device, "--offset", "4k")
            .assertOneLineError(2, "runs past the end", "wrote the " + (usableBytes - 4096) + " bytes before it");
        byte[] written = Cli.run("read", device, "--offset", "4k", "--length", Long.toString(usableBytes - 4096))
            .assertOk().outBytes();
        assertArrayEquals(Arrays.copyOf(data, (int) usableBytes - 4096), written);
    }

    /** -o was --offset and -O --output; "-o copy.bin" meant as an output must not pass for anything. */
    @Test
    void offsetAndOutputHaveNoShortOptions() {
        Path copy = directory.resolve("copy.bin");
        Cli.run("read", device, "-l", "4k", "-o", copy.toString()).assertOneLineError(2, "Unknown option: '-o'");
        Cli.run("read", device, "--offset", "0", "-l", "4k", "-o", copy.toString()).assertOneLineError(2, "'-o'");
        Cli.run("read", device, "--offset", "0", "-l", "4k", "-O", copy.toString()).assertOneLineError(2, "'-O'");
        Cli.runWithInput(new byte[4096], "write", device, "-o", "0").assertOneLineError(2, "Unknown option: '-o'");
        assertTrue(Files.notExists(copy), "no output file");
        Cli.run("read", device, "--offset", "0", "-l", "4k", "--output", copy.toString()).assertOk();
        assertTrue(Files.exists(copy), "--output still works");
    }

    @Test
    void missingDeviceNotAVolumeAndUnusableFiles() throws Exception {
        Cli.run("read", directory.resolve("nope").toString(), "--offset", "0", "--length", "4k")
            .assertOneLineError(2, "nope", "does not exist");
        Path junk = directory.resolve("junk");
        Files.write(junk, new byte[1 << 20]);
        Cli.run("read", junk.toString(), "--offset", "0", "--length", "4k").assertOneLineError(2, "not a csum volume");
        Cli.run("write", device, "--offset", "0", "--input", directory.toString()).assertOneLineError(2, "is a directory");
        Cli.run("write", device, "--offset", "0", "--input", directory.resolve("absent").toString())
            .assertOneLineError(2, "absent");
        Cli.run("read", device, "--offset", "0", "--length", "4k", "--output", directory.toString())
            .assertOneLineError(2, "is a directory");
        Cli.run("read", device, "--offset", "0", "--length", "4k", "--output", directory.resolve("no/such/dir").toString())
            .assertOneLineError(2, "no/such", "does not exist");
        // /proc/version cannot be written, even by root.
        Cli.run("read", device, "--offset", "0", "--length", "4k", "--output", "/proc/version")
            .assertOneLineError(3, "/proc/version", "cannot write the output");
    }
}
