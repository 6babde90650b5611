package dev.csum.cli;

import dev.csum.Volume;
import dev.csum.VolumeInspection;
import dev.csum.VolumeOptions;
import dev.csum.VolumeStats;
import java.io.IOException;
import java.nio.file.Files;
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

    /**
     * Reads the volume's label for {@code command} (no lock, no write: {@link Volume#inspect}),
     * printing each warning (a damaged superblock, a backup in use) to stderr.
     */
    VolumeInspection inspect(Main main, String command) throws IOException {
        VolumeInspection inspection = Volume.inspect(device, metadata);
        for (String warning : inspection.warnings()) {
            main.err.println("csum " + command + ": warning: " + warning);
        }
        return inspection;
    }

    /** A JSON object starting with this volume's {@code device} and {@code metadata_device} (null when interleaved). */
    Json jsonObject() {
        return Json.object()
            .put("device", device.toString())
            .put("metadata_device", metadata == null ? null : metadata.toString());
    }

    /** Default options for this volume (metadata device set when given). */
    VolumeOptions options() {
        VolumeOptions options = VolumeOptions.of(device);
        return metadata == null ? options : options.withMetadataPath(metadata);
    }

    /**
     * Opens the volume for {@code command}, printing each open warning (a damaged superblock, a
     * backup in use or restored) to stderr; the session's close reports metadata it could not repair.
     */
    Session open(Main main, String command, VolumeOptions options) throws IOException {
        Volume volume = Volume.open(options);
        for (String warning : volume.openWarnings()) {
            main.err.println("csum " + command + ": warning: " + warning);
        }
        return new Session(main, command, volume);
    }

    /** An open volume whose close prints what the command's user should know about its metadata. */
    record Session(Main main, String command, Volume volume) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            volume.close();
            VolumeStats stats = volume.stats();
            if (stats.metadataRepairFailures() > 0) {
                main.err.printf("csum %s: warning: %d metadata rewrite%s failed (for example a full file system); "
                    + "the data is intact, the volume's newer metadata copies serve it%n", command,
                    stats.metadataRepairFailures(), stats.metadataRepairFailures() == 1 ? "" : "s");
            }
        }
    }

    /**
     * Refuses, before anything is opened for writing, a file that is the volume's data or metadata
     * device under any name (same device and inode: a symlink, a hard link, a /proc/self/fd path).
     * Reading or writing the volume's own device through a command's --input or --output would
     * destroy it (an output is truncated first).
     */
    void refuseVolumeDevice(String option, Path file) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        if (sameFile(file, device)) {
            throw CliException.usage(option + " " + file + " is the volume's data device " + device
                + " itself; refusing (it would destroy the volume)");
        }
        if (metadata != null && sameFile(file, metadata)) {
            throw CliException.usage(option + " " + file + " is the volume's metadata device " + metadata
                + " itself; refusing (it would destroy the volume)");
        }
    }

    /** Whether two existing paths name the same file: the same device and inode (links followed). */
    private static boolean sameFile(Path file, Path volumeDevice) throws IOException {
        return Files.exists(volumeDevice) && Files.isSameFile(file, volumeDevice);
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
