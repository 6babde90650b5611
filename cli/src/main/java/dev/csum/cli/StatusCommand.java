package dev.csum.cli;

import dev.csum.MetadataPlacement;
import dev.csum.Volume;
import dev.csum.VolumeInfo;
import dev.csum.VolumeInspection;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code csum status}: the superblock and geometry of a volume. Reads the label only: writes
 * nothing, takes no lock, so it also works on a volume another process has open.
 */
@Command(name = "status", sortOptions = false,
    description = {"Show a volume's superblock fields, geometry and usable size.",
        "Reads only the superblock(s): writes nothing, takes no lock, and works while another process has the volume"
            + " open. Request counters (reads, mismatches, cache hits) live in the process that has the volume open:"
            + " see 'csum bench --metrics-port' and docs/metrics.md."})
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    VolumeArgs volume;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        VolumeInspection inspection = Volume.inspect(volume.device, volume.metadata);
        VolumeInfo info = inspection.info();
        String placement = info.metadataPlacement().name().toLowerCase(Locale.ROOT);
        if (json) {
            main.out.println(Json.object()
                .put("device", volume.device.toString())
                .put("metadata_device", volume.metadata == null ? null : volume.metadata.toString())
                .put("uuid", info.uuid().toString())
                .put("format_version", info.formatVersion())
                .put("block_size", info.blockSizeBytes())
                .put("checksum", info.checksum().displayName())
                .put("metadata_placement", placement)
                .put("data_blocks", info.dataBlockCount())
                .put("usable_bytes", info.usableBytes())
                .put("groups", info.groupCount())
                .put("blocks_per_group", info.blocksPerGroup())
                .put("imd_blocks", info.metadataBlockCount())
                .put("data_device_min_bytes", info.dataDeviceMinBytes())
                .put("metadata_device_min_bytes", info.metadataDeviceMinBytes())
                .put("log_size_bytes", info.logSizeBytes())
                .put("data_zeroed", info.dataZeroed())
                .put("backup_superblock_offset", info.backupSuperblockOffsetBytes())
                .put("used_backup_superblock", inspection.usedBackupSuperblock())
                .put("warnings", inspection.warnings()));
            return ExitCode.OK;
        }
        var out = main.out;
        out.printf("device:            %s%n", volume.device);
        if (volume.metadata != null) {
            out.printf("metadata device:   %s%n", volume.metadata);
        }
        out.printf("uuid:              %s%n", info.uuid());
        out.printf("format version:    %d%s%n", info.formatVersion(),
            info.formatVersion() == 1 ? " (read-only in this build: it has no tuple log; 'csum convert' adds one)" : "");
        out.printf("block size:        %d bytes%n", info.blockSizeBytes());
        out.printf("checksum:          %s%n", info.checksum().displayName());
        out.printf("metadata:          %s%n", placement);
        out.printf("usable size:       %s (%,d bytes)%n", Sizes.human(info.usableBytes()), info.usableBytes());
        out.printf("data blocks:       %,d%n", info.dataBlockCount());
        out.printf("groups:            %,d of %d blocks (one imd pair each: %,d imd blocks)%n",
            info.groupCount(), info.blocksPerGroup(), info.metadataBlockCount());
        if (info.formatVersion() > 1) {
            out.printf("tuple log:         %s (%,d bytes) after the last %s%n", Sizes.human(info.logSizeBytes()),
                info.logSizeBytes(), info.metadataPlacement() == MetadataPlacement.INTERLEAVED ? "group" : "metadata pair");
            out.printf("data zeroed:       %s%n", info.dataZeroed() ? "yes (when formatted)" : "no");
        }
        out.printf("backup superblock: byte %,d of the %s device%s%n", info.backupSuperblockOffsetBytes(),
            info.metadataPlacement() == MetadataPlacement.INTERLEAVED ? "data" : "metadata",
            inspection.usedBackupSuperblock() ? " (in use: the primary is damaged)" : "");
        for (String warning : inspection.warnings()) {
            out.printf("warning:           %s%n", warning);
        }
        return ExitCode.OK;
    }
}
