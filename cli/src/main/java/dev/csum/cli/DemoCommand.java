package dev.csum.cli;

import dev.csum.Volume;
import dev.csum.VolumeInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code csum demo}: the whole story on a temporary volume, by running the real commands in this
 * process and showing what they print: format, write, corrupt one byte behind csum's back, the read
 * that refuses it, scrub naming the block, repair, clean scrub, a short bench. Every step's exit
 * status and finding is checked; a surprise fails the demo (exit 1).
 */
@Command(name = "demo", sortOptions = false,
    description = {"Show csum catching corruption on a temporary 64 MiB volume, removed afterwards.",
        "Format, write, flip one bit of one data block directly in the file, read (fails naming the block), scrub"
            + " (finds exactly that block), rewrite it, scrub (clean), then a short bench. No arguments needed."})
final class DemoCommand implements Callable<Integer> {
    static final long VOLUME_FILE_BYTES = 64L << 20;
    static final long VICTIM_BLOCK = 1000;
    static final int VICTIM_BYTE = 1234;

    @ParentCommand
    Main main;

    @Option(names = "--bench-runtime", paramLabel = "DURATION", defaultValue = "2s",
        converter = Sizes.DurationConverter.class, description = "How long the bench step runs (default ${DEFAULT-VALUE}).")
    Duration benchRuntime;

    @Option(names = "--keep", description = "Keep the temporary directory (its path is printed).")
    boolean keep;

    private PrintStream out;
    private PrintStream indented;
    private String dir;

    @Override
    public Integer call() throws Exception {
        out = main.out;
        Path directory = Files.createTempDirectory("csum-demo-");
        dir = directory.toString();
        indented = new PrintStream(new Indent(out, dir), true, StandardCharsets.UTF_8);
        try {
            return story(directory);
        } catch (DemoFailure failure) {
            out.println();
            out.println("demo FAILED: " + failure.getMessage());
            return ExitCode.INTEGRITY;
        } finally {
            indented.flush();
            if (keep) {
                out.println("kept " + directory);
            } else {
                delete(directory);
                out.println("removed " + directory);
            }
        }
    }

    private int story(Path directory) throws Exception {
        Path volume = directory.resolve("volume.csum");
        String device = volume.toString();
        out.println("csum demo: a checksummed volume in a temporary directory, DIR=" + directory);

        step("1. Format a 64 MiB volume (4096-byte blocks, crc32c checksums, metadata interleaved).");
        expect(0, "format", device, "--size", "64m");
        VolumeInfo info = Volume.inspect(volume, null).info();
        int blockBytes = info.blockSizeBytes();
        long usableBytes = info.usableBytes();

        step("2. Fill it with random data through csum: every block gets its checksum.");
        byte[] data = new byte[(int) usableBytes];
        new Random(42).nextBytes(data);
        Path dataFile = directory.resolve("data.bin");
        Files.write(dataFile, data);
        expect(0, "write", device, "--offset", "0", "--input", dataFile.toString());

        long victimOffset = info.dataDeviceOffsetBytes(VICTIM_BLOCK) + VICTIM_BYTE;
        step("3. Corrupt it behind csum's back: flip one bit of byte " + VICTIM_BYTE + " of block " + VICTIM_BLOCK
            + " directly in $DIR/volume.csum (file offset " + victimOffset + "), as bit rot would.");
        try (FileChannel channel = FileChannel.open(volume, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, victimOffset);
            byte before = one.get(0);
            channel.write(ByteBuffer.wrap(new byte[] {(byte) (before ^ 0x01)}), victimOffset);
            channel.force(true);
            out.printf("   byte was 0x%02x, now 0x%02x%n", before & 0xFF, (before ^ 0x01) & 0xFF);
        }

        long victimVolumeOffset = VICTIM_BLOCK * blockBytes;
        long readOffset = victimVolumeOffset / (1 << 20) * (1 << 20);
        Path readBack = directory.resolve("read.bin");
        step("4. Read the MiB around it: csum refuses, names the block, and outputs nothing unverified.");
        String failed = expect(1, "read", device, "--offset", Long.toString(readOffset), "--length", "1m",
            "--output", readBack.toString());
        require(failed.contains("block " + VICTIM_BLOCK + " (offset " + victimVolumeOffset + ")"),
            "the read did not name block " + VICTIM_BLOCK);
        require(Files.size(readBack) == 0, "the failed read wrote " + Files.size(readBack) + " bytes");

        step("5. Scrub: verify every block of the volume, list the bad ones.");
        String scrub = expect(1, "scrub", device);
        String expectedLine = String.format("block %,d at offset %,d", VICTIM_BLOCK, victimVolumeOffset);
        require(scrub.contains("1 bad block:") && scrub.contains(expectedLine),
            "scrub did not report exactly block " + VICTIM_BLOCK);

        step("6. Repair: write block " + VICTIM_BLOCK + " again from the original data.");
        Path blockFile = directory.resolve("block.bin");
        Files.write(blockFile, Arrays.copyOfRange(data, (int) victimVolumeOffset, (int) victimVolumeOffset + blockBytes));
        expect(0, "write", device, "--offset", Long.toString(victimVolumeOffset), "--input", blockFile.toString());

        step("7. Scrub again: clean.");
        expect(0, "scrub", device);

        step("8. Read everything back: verified, and identical to what was written.");
        expect(0, "read", device, "--offset", "0", "--length", Long.toString(usableBytes), "--output", readBack.toString());
        require(Arrays.equals(Files.readAllBytes(readBack), data), "the data read back differs from the data written");
        out.println("   identical to the data written: yes");

        step("9. A short benchmark: 4 KiB random reads, 32 in flight, every one verified.");
        expect(0, "bench", device, "--rw", "randread", "--bs", "4k", "--iodepth", "32",
            "--runtime", benchRuntime.toMillis() % 1000 == 0 ? benchRuntime.toSeconds() + "s" : benchRuntime.toMillis() + "ms");
        out.println();
        out.println("demo passed: the flipped bit was caught on read and by scrub, at exactly block " + VICTIM_BLOCK + ".");
        return ExitCode.OK;
    }

    private void step(String text) {
        out.println();
        out.println(text);
    }

    /** Runs a csum command in-process, echoing it and its output; checks its exit status. Returns its output. */
    private String expect(int status, String... args) {
        out.println("$ csum " + String.join(" ", args).replace(dir, "$DIR"));
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(new Tee(indented, captured), true, StandardCharsets.UTF_8);
        int actual = Main.run(main.in, both, both, args);
        both.flush();
        out.printf("   (exit status %d)%n", actual);
        if (actual != status) {
            throw new DemoFailure("'csum " + String.join(" ", args) + "' exited with " + actual + ", expected " + status);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new DemoFailure(message);
        }
    }

    private static void delete(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
            for (Path path : all) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static final class DemoFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DemoFailure(String message) {
            super(message);
        }
    }

    /**
     * Indents every line by three spaces, so a command's output stands apart from the narration,
     * and shows the temporary directory as {@code $DIR}. Line-buffered.
     */
    private static final class Indent extends OutputStream {
        private final OutputStream delegate;
        private final String directory;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        Indent(OutputStream delegate, String directory) {
            this.delegate = delegate;
            this.directory = directory;
        }

        @Override
        public void write(int value) throws IOException {
            if (value != '\n') {
                line.write(value);
                return;
            }
            String text = line.toString(StandardCharsets.UTF_8).replace(directory, "$DIR");
            line.reset();
            delegate.write(("   " + text + "\n").getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void flush() throws IOException {
            delegate.flush();
        }
    }

    /** Writes to two streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        Tee(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int value) throws IOException {
            first.write(value);
            second.write(value);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            first.write(bytes, offset, length);
            second.write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException {
            first.flush();
            second.flush();
        }
    }
}
