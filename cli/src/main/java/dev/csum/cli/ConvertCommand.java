package dev.csum.cli;

import dev.csum.ConvertOptions;
import dev.csum.MetadataPlacement;
import dev.csum.Volume;
import dev.csum.VolumeInfo;
import dev.csum.VolumeInspection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code csum convert}: makes a volume of format version 1 (before the tuple log) a version 2 volume
 * in place, so that it opens writable (docs/FORMAT.md §7). A volume of version 2 already is left as
 * it is, exit 0.
 */
@Command(name = "convert", sortOptions = false,
    description = {"Convert a format version 1 volume (read-only in this build) to format version 2 in place.",
        "The data and its checksums stay where they are; a tuple log is added after the last group (with --metadata:"
            + " after the last metadata pair, on the metadata device) and the backup superblock moves after it. A file"
            + " grows by the log's size; a block device must have the room. Takes the volume lock; checks everything"
            + " before writing; a crash leaves a version 1 or a version 2 volume, never neither. A volume of format"
            + " version 2 already is left as it is (exit 0)."})
final class ConvertCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    VolumeArgs volume;

    @Option(names = "--log-size", paramLabel = "BYTES", converter = Sizes.BytesConverter.class,
        description = "Size of the tuple log to add (e.g. 4m): whole blocks, at least 16 of them. Default: 1/64 of the"
            + " data area but at least 64 MiB or a sixteenth of it; at least 256 KiB, at most 1 GiB.")
    Long logSizeBytes;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (logSizeBytes != null && logSizeBytes <= 0) {
            throw new IllegalArgumentException("--log-size must be positive, was " + logSizeBytes);
        }
        VolumeInspection before = volume.inspect(main, "convert");
        boolean convert = before.info().formatVersion() == 1;
        VolumeInfo info = Volume.convert(ConvertOptions.of(volume.device).withMetadataPath(volume.metadata)
            .withLogSizeBytes(logSizeBytes == null ? 0 : logSizeBytes));
        long logOffsetBytes = info.backupSuperblockOffsetBytes() - info.logSizeBytes();
        boolean interleaved = info.metadataPlacement() == MetadataPlacement.INTERLEAVED;
        if (json) {
            main.out.println(volume.jsonObject()
                .put("converted", convert)
                .put("format_version", info.formatVersion())
                .put("log_size_bytes", info.logSizeBytes())
                .put("log_offset_bytes", logOffsetBytes)
                .put("backup_superblock_offset", info.backupSuperblockOffsetBytes())
                .put("metadata_device_min_bytes_before", before.info().metadataDeviceMinBytes())
                .put("metadata_device_min_bytes", info.metadataDeviceMinBytes())
                .put("data_zeroed", info.dataZeroed())
                .put("warnings", before.warnings()));
            return ExitCode.OK;
        }
        if (!convert) {
            main.out.printf("%s is already format version %d (tuple log %s): nothing to do%n", volume.device,
                info.formatVersion(), Sizes.human(info.logSizeBytes()));
            return ExitCode.OK;
        }
        main.out.printf("converted %s to format version %d: a tuple log of %s (%,d bytes) after the last %s%n", volume.device,
            info.formatVersion(), Sizes.human(info.logSizeBytes()), info.logSizeBytes(), interleaved ? "group" : "metadata pair");
        main.out.printf("%s device: tuple log at byte %,d, backup superblock at byte %,d; the volume now ends at byte %,d"
            + " (was %,d)%n", interleaved ? "data" : "metadata", logOffsetBytes, info.backupSuperblockOffsetBytes(),
            info.metadataDeviceMinBytes(), before.info().metadataDeviceMinBytes());
        main.out.printf("data area not zeroed: blocks never written read as zeros without being checked, as in version 1%n");
        return ExitCode.OK;
    }
}
