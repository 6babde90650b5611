package dev.csum.cli;

import dev.csum.Volume;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code csum discard}: make a range read as zeros and give its space back. */
@Command(name = "discard", sortOptions = false,
    description = {"Discard a range of the volume: afterwards its blocks read as zeros (verified), their old data is"
        + " no longer reachable, and a regular file gives the space back (the range is punched).",
        "Nothing is written but the range's tuples (marked discarded, through the tuple log like any write) and the"
            + " punch. Crash-consistent: a crash before the command ends leaves each block with its old data or zeros."
            + " --zeroes asks for write-zeroes instead (the same operation, counted apart)."})
final class DiscardCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    VolumeArgs volume;

    @Option(names = "--offset", required = true, paramLabel = "BYTES", converter = Sizes.BytesConverter.class,
        description = "Volume byte offset the range starts at; a multiple of the block size.")
    long offsetBytes;

    @Option(names = "--length", required = true, paramLabel = "BYTES", converter = Sizes.BytesConverter.class,
        description = "Bytes to discard; a positive multiple of the block size, inside the volume.")
    long lengthBytes;

    @Option(names = "--zeroes", description = "Write zeroes rather than discard (the blocks read as zeros either way).")
    boolean zeroes;

    @Override
    public Integer call() throws Exception {
        try (VolumeArgs.Session session = volume.open(main, zeroes ? "discard --zeroes" : "discard", volume.options())) {
            Volume target = session.volume();
            int blockBytes = target.blockSizeBytes();
            VolumeArgs.requireAligned("--offset", offsetBytes, blockBytes);
            VolumeArgs.requireAligned("--length", lengthBytes, blockBytes);
            if (lengthBytes == 0) {
                throw CliException.usage("--length must be positive");
            }
            if (offsetBytes > target.sizeBytes() - lengthBytes) {
                throw CliException.usage("--offset " + offsetBytes + " --length " + lengthBytes
                    + " runs past the end of the volume (" + target.sizeBytes() + " bytes; nothing was discarded)");
            }
            long started = System.nanoTime();
            if (zeroes) {
                target.writeZeroesBlocking(offsetBytes, lengthBytes);
            } else {
                target.discardBlocking(offsetBytes, lengthBytes);
            }
            target.flushBlocking();
            main.out.printf(Locale.ROOT, "%s %s (%,d blocks) at offset %,d in %.3f s%n",
                zeroes ? "zeroed" : "discarded", Sizes.human(lengthBytes), lengthBytes / blockBytes, offsetBytes,
                (System.nanoTime() - started) / 1e9);
        }
        return ExitCode.OK;
    }
}
