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
    description = {"Write FILE (or stdin) to the volume at --offset, checksumming every block.",
        "The input must be whole blocks. A regular file that is not, or that would run past the end of the volume,"
            + " is refused before anything is written. A pipe is written as it arrives: when it ends with a partial"
            + " block or runs past the end of the volume, the whole blocks before that are written and flushed, and"
            + " the command fails (exit 2) saying how many bytes it wrote."})
final class WriteCommand implements Callable<Integer> {
    /** Bytes per write request: large enough to stream, small enough for any volume's buffer arena. */
    static final int CHUNK_BYTES = 1 << 20;

    @ParentCommand
    Main main;

    @Mixin
    VolumeArgs volume;

    @Option(names = "--offset", required = true, paramLabel = "BYTES", converter = Sizes.BytesConverter.class,
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
                // A stream: everything up to the first thing wrong with it is written (whole blocks,
                // up to the end of the volume), flushed, and then the command fails saying how much.
                long at = offsetBytes + writtenBytes;
                int wholeBytes = count / blockBytes * blockBytes;
                String refused = null;
                if (wholeBytes > target.sizeBytes() - at) {
                    wholeBytes = (int) (target.sizeBytes() - at);
                    refused = "the input runs past the end of the volume (" + target.sizeBytes() + " bytes)";
                } else if (wholeBytes != count) {
                    refused = "the input ends with a partial block (" + (count - wholeBytes) + " of " + blockBytes
                        + " bytes)";
                }
                if (wholeBytes > 0) {
                    MemorySegment.copy(heap, 0, buffer, ValueLayout.JAVA_BYTE, 0, wholeBytes);
                    target.writeBlocking(at, buffer.asSlice(0, wholeBytes));
                    writtenBytes += wholeBytes;
                }
                if (refused != null) {
                    target.flushBlocking();
                    long blocks = writtenBytes / blockBytes;
                    throw CliException.usage(refused + ": wrote the " + writtenBytes + " bytes before it (" + blocks
                        + " block" + (blocks == 1 ? "" : "s") + " at offset " + offsetBytes + "), not the rest");
                }
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
