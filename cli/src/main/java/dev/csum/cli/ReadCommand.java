package dev.csum.cli;

import dev.csum.IntegrityException;
import dev.csum.Volume;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code csum read}: dd-like verified reads. */
@Command(name = "read", sortOptions = false,
    description = {"Read --length bytes at --offset to FILE (or stdout), verifying every block.",
        "On a checksum mismatch the failing blocks are listed on stderr (logical block number and volume byte"
            + " offset), the rest of the range is still verified so every bad block is named, the output ends before"
            + " the first failing chunk (only verified bytes are ever written), and the exit status is 1."})
final class ReadCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    VolumeArgs volume;

    @Option(names = "--offset", required = true, paramLabel = "BYTES", converter = Sizes.BytesConverter.class,
        description = "Volume byte offset to read from; a multiple of the block size.")
    long offsetBytes;

    @Option(names = {"-l", "--length"}, required = true, paramLabel = "BYTES", converter = Sizes.BytesConverter.class,
        description = "Bytes to read; a multiple of the block size.")
    long lengthBytes;

    @Option(names = "--output", paramLabel = "FILE", defaultValue = "-",
        description = "File to write the data to (created or truncated); '-' (default) is stdout.")
    String output;

    @Override
    public Integer call() throws Exception {
        if (!output.equals("-")) {
            volume.refuseVolumeDevice("--output", Path.of(output));
            requireOutputDirectory(Path.of(output));
        }
        // Read-only: a read writes nothing to the volume, so it also works on a full file system or
        // a file this process cannot write, and it may run beside other read-only sessions.
        try (VolumeArgs.Session session = volume.open(main, "read", volume.options().withReadOnly(true));
             Arena arena = Arena.ofShared()) {
            Volume source = session.volume();
            int blockBytes = source.blockSizeBytes();
            long sizeBytes = source.sizeBytes();
            VolumeArgs.requireAligned("--offset", offsetBytes, blockBytes);
            VolumeArgs.requireAligned("--length", lengthBytes, blockBytes);
            if (lengthBytes == 0) {
                throw CliException.usage("--length must be positive");
            }
            if (lengthBytes > sizeBytes) {
                throw CliException.usage("--length " + lengthBytes + " is larger than the volume (" + sizeBytes + " bytes)");
            }
            if (offsetBytes >= sizeBytes) {
                throw CliException.usage("--offset " + offsetBytes + " is past the end of the volume (" + sizeBytes + " bytes)");
            }
            if (offsetBytes > sizeBytes - lengthBytes) {
                throw CliException.usage("--length " + lengthBytes + " at --offset " + offsetBytes
                    + " runs past the end of the volume (" + sizeBytes + " bytes)");
            }
            // Validated: only now create or truncate the output.
            try (OutputStream sink = openOutput()) {
                return copy(source, arena, sink);
            }
        }
    }

    private void requireOutputDirectory(Path path) {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw CliException.usage("--output " + output + ": directory " + parent + " does not exist");
        }
    }

    private OutputStream openOutput() throws IOException {
        if (output.equals("-")) {
            return new OutputOf("stdout", main.out, false);
        }
        Path path = Path.of(output);
        if (Files.isDirectory(path)) {
            throw CliException.usage(output + ": is a directory, not a file to write to");
        }
        try {
            return new OutputOf(output, Files.newOutputStream(path, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), true);
        } catch (IOException e) {
            throw new CliException(ExitCode.IO, output + ": cannot write the output: " + Main.describe(e), e);
        }
    }

    private int copy(Volume source, Arena arena, OutputStream sink) throws IOException {
        int blockBytes = source.blockSizeBytes();
        int chunkBytes = (int) Math.min(WriteCommand.CHUNK_BYTES, source.maxRequestBytes()) / blockBytes * blockBytes;
        MemorySegment buffer = arena.allocate(chunkBytes, blockBytes);
        byte[] heap = new byte[chunkBytes];
        List<long[]> bad = new ArrayList<>();
        long outputBytes = 0;
        long started = System.nanoTime();
        for (long done = 0; done < lengthBytes; ) {
            int count = (int) Math.min(chunkBytes, lengthBytes - done);
            try {
                source.readBlocking(offsetBytes + done, buffer.asSlice(0, count));
                if (bad.isEmpty()) {
                    MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, heap, 0, count);
                    sink.write(heap, 0, count);
                    outputBytes += count;
                }
            } catch (IntegrityException mismatch) {
                bad.add(mismatch.badBlocks());
            }
            done += count;
        }
        sink.flush();
        double seconds = (System.nanoTime() - started) / 1e9;
        if (!bad.isEmpty()) {
            long badCount = 0;
            for (long[] blocks : bad) {
                for (long block : blocks) {
                    main.err.printf("csum read: checksum mismatch: block %d (offset %d)%n", block, block * blockBytes);
                    badCount++;
                }
            }
            main.err.printf("csum read: %d bad block%s in %d bytes at offset %d; output stopped after %d verified bytes%n",
                badCount, badCount == 1 ? "" : "s", lengthBytes, offsetBytes, outputBytes);
            return ExitCode.INTEGRITY;
        }
        main.err.printf("csum read: %,d bytes (%,d blocks) at offset %,d verified in %.3f s%n", lengthBytes,
            lengthBytes / blockBytes, offsetBytes, seconds);
        return ExitCode.OK;
    }

    /**
     * The output: a failure to write it is an I/O error naming the output (not the volume); stdout
     * stays open after the command, so closing it only flushes.
     */
    private static final class OutputOf extends OutputStream {
        private final String name;
        private final OutputStream delegate;
        private final boolean owned;

        OutputOf(String name, OutputStream delegate, boolean owned) {
            this.name = name;
            this.delegate = delegate;
            this.owned = owned;
        }

        @Override
        public void write(int value) {
            write(new byte[] {(byte) value}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            try {
                delegate.write(bytes, offset, length);
            } catch (IOException e) {
                throw failure(e);
            }
        }

        @Override
        public void flush() {
            try {
                delegate.flush();
            } catch (IOException e) {
                throw failure(e);
            }
        }

        @Override
        public void close() {
            try {
                if (owned) {
                    delegate.close();
                } else {
                    delegate.flush();
                }
            } catch (IOException e) {
                throw failure(e);
            }
        }

        private CliException failure(IOException e) {
            return new CliException(ExitCode.IO, name + ": cannot write the output: " + Main.describe(e), e);
        }
    }
}
