package dev.csum.cli;

import dev.csum.Volume;
import dev.csum.VolumeOptions;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The DEVICE argument and {@code --metadata} option shared by the commands that open a volume. */
final class VolumeArgs {
    @Parameters(index = "0", paramLabel = "DEVICE", description = "The volume's data device (a file or block device).")
    Path device;

    @Option(names = {"-M", "--metadata"}, paramLabel = "DEVICE",
        description = "The separate metadata device, for volumes formatted with one.")
    Path metadata;

    /** Default options for this volume (metadata device set when given). */
    VolumeOptions options() {
        VolumeOptions options = VolumeOptions.of(device);
        return metadata == null ? options : options.withMetadataPath(metadata);
    }

    Volume open() throws IOException {
        return Volume.open(options());
    }

    Volume open(VolumeOptions options) throws IOException {
        return Volume.open(options);
    }

    /** Refuses an offset or length that is not a whole number of blocks, naming the option. */
    static void requireAligned(String option, long bytes, int blockSizeBytes) {
        if (bytes < 0) {
            throw CliException.usage(option + " must not be negative, was " + bytes);
        }
        if (bytes % blockSizeBytes != 0) {
            throw CliException.usage(option + " " + bytes + " is not a multiple of the volume's "
                + blockSizeBytes + "-byte block size");
        }
    }
}
