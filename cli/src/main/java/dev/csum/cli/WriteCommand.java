package dev.csum.cli;

import dev.csum.Volume;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code csum write}: dd-like writes through the checksum layer. */
@Command(name = "write", sortOptions = false,
    description = {"Write the bytes of FILE (or stdin) to the volume at --offset, checksumming every block.",
        "The input must be a whole number of blocks: a regular file that is not, or that would run past the end",
        "of the volume, is refused before anything is written; from a pipe, the whole blocks before a trailing",
        "partial block are written and the partial block is refused (exit 2)."})
final class WriteCommand implements Callable<Integer> {
    /** Bytes per write request: large enough to stream, small enough for any volume's buffer arena. */
    static final int CHUNK_BYTES = 1 << 20;

    @ParentCommand
    Main main;

    @Mixin
    VolumeArgs volume;

    @Option(names = {"-o", "--offset"}, required = true, paramLabel = "BYTES", converter = Sizes.BytesConverter.class,
        description = "Volume byte offset to write at; a multiple of the block size.")
    long offsetBytes;

    @Option(names = {"-i", "--input"}, paramLabel = "FILE", defaultValue = "-",
        description = "File to read the data from; '-' (default) is stdin.")
    String input;

    @Override
    public Integer call() throws Exception {
        long knownLength = -1;
        Path inputPath = null;
        if (!input.equals("-")) {
            inputPath = Path.of(input);
            volume.refuseVolumeDevice("--input", inputPath);
            if (Files.isDirectory(inputPath)) {
                throw CliException.usage(input + ": is a directory, not a file to write from");
            }
            if (Files.isRegularFile(inputPath)) {
                knownLength = Files.size(inputPath);
            }
        }
        try (InputStream source = inputPath == null ? main.in : Files.newInputStream(inputPath);
             VolumeArgs.Session session = volume.open(main, "write", volume.options());
             Arena arena = Arena.ofShared()) {
            Volume target = session.volume();
            int blockBytes = target.blockSizeBytes();
            VolumeArgs.requireAligned("--offset", offsetBytes, blockBytes);
            if (offsetBytes >= target.sizeBytes()) {
                throw CliException.usage("--offset " + offsetBytes + " is past the end of the volume ("
                    + target.sizeBytes() + " bytes)");
            }
            if (knownLength >= 0) {
                if (knownLength % blockBytes != 0) {
                    throw CliException.usage(input + " holds " + knownLength + " bytes, not a multiple of the volume's "
                        + blockBytes + "-byte block size (pad it; nothing was written)");
                }
                if (knownLength > target.sizeBytes() - offsetBytes) {
                    throw CliException.usage(input + " holds " + knownLength + " bytes: at offset " + offsetBytes
                        + " that runs past the end of the volume (" + target.sizeBytes() + " bytes; nothing was written)");
                }
            }
            int chunkBytes = (int) Math.min(CHUNK_BYTES, target.maxRequestBytes()) / blockBytes * blockBytes;
            byte[] heap = new byte[chunkBytes];
            MemorySegment buffer = arena.allocate(chunkBytes, blockBytes);
            long writtenBytes = 0;
            long started = System.nanoTime();
            while (true) {
                int count = source.readNBytes(heap, 0, chunkBytes);
                if (count == 0) {
                    break;
                }
                long at = offsetBytes + writtenBytes;
                if (count % blockBytes != 0) {
                    throw CliException.usage("the input ends with a partial block (" + count % blockBytes + " of "
                        + blockBytes + " bytes) after " + (writtenBytes + count / blockBytes * blockBytes)
                        + " bytes; wrote the " + writtenBytes + " bytes before this chunk, refused the rest");
                }
                if (count > target.sizeBytes() - at) {
                    throw CliException.usage("the input runs past the end of the volume (" + target.sizeBytes()
                        + " bytes) after " + writtenBytes + " bytes written at offset " + offsetBytes);
                }
                MemorySegment.copy(heap, 0, buffer, ValueLayout.JAVA_BYTE, 0, count);
                target.writeBlocking(at, buffer.asSlice(0, count));
                writtenBytes += count;
            }
            target.flushBlocking();
            double seconds = (System.nanoTime() - started) / 1e9;
            long blocks = writtenBytes / blockBytes;
            main.out.printf("wrote %,d bytes (%,d block%s) at offset %,d to %s in %.3f s%n", writtenBytes,
                blocks, blocks == 1 ? "" : "s", offsetBytes, volume.device, seconds);
            return ExitCode.OK;
        } catch (IOException e) {
            if (inputPath != null && !Files.isReadable(inputPath) && Files.exists(inputPath)) {
                throw new CliException(ExitCode.IO, input + ": cannot read the input: " + Main.describe(e), e);
            }
            throw e;
        }
    }
}
