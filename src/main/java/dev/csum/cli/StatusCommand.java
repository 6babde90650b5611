package dev.csum.cli;

import dev.csum.format.Geometry;
import dev.csum.format.Superblock;
import dev.csum.format.VolumeLabel;
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
        VolumeLabel.Opened label = VolumeLabel.read(volume.device, volume.metadata);
        Superblock superblock = label.superblock();
        Geometry geometry = superblock.geometry();
        long imdBlocks = 2 * geometry.groupCount();
        if (json) {
            main.out.println(Json.object()
                .put("device", volume.device.toString())
                .put("metadata_device", volume.metadata == null ? null : volume.metadata.toString())
                .put("uuid", superblock.volumeUuid().toString())
                .put("format_version", superblock.formatVersion())
                .put("block_size", superblock.blockSizeBytes())
                .put("checksum", superblock.checksum().displayName())
                .put("metadata_placement", geometry.placement().name().toLowerCase(java.util.Locale.ROOT))
                .put("data_blocks", geometry.dataBlockCount())
                .put("usable_bytes", geometry.usableBytes())
                .put("groups", geometry.groupCount())
                .put("blocks_per_group", geometry.tuplesPerGroup())
                .put("imd_blocks", imdBlocks)
                .put("data_device_min_bytes", geometry.dataFileSizeBytes())
                .put("metadata_device_min_bytes", geometry.metadataFileSizeBytes())
                .put("backup_superblock_offset", geometry.backupSuperblockOffsetBytes())
                .put("used_backup_superblock", label.usedBackup())
                .put("warnings", label.warnings()));
            return ExitCode.OK;
        }
        var out = main.out;
        out.printf("device:            %s%n", volume.device);
        if (volume.metadata != null) {
            out.printf("metadata device:   %s%n", volume.metadata);
        }
        out.printf("uuid:              %s%n", superblock.volumeUuid());
        out.printf("format version:    %d%n", superblock.formatVersion());
        out.printf("block size:        %d bytes%n", superblock.blockSizeBytes());
        out.printf("checksum:          %s%n", superblock.checksum().displayName());
        out.printf("metadata:          %s%n", geometry.placement().name().toLowerCase(java.util.Locale.ROOT));
        out.printf("usable size:       %s (%,d bytes)%n", Sizes.human(geometry.usableBytes()), geometry.usableBytes());
        out.printf("data blocks:       %,d%n", geometry.dataBlockCount());
        out.printf("groups:            %,d of %d blocks (one imd pair each: %,d imd blocks)%n",
            geometry.groupCount(), geometry.tuplesPerGroup(), imdBlocks);
        out.printf("backup superblock: byte %,d of the %s device%s%n", geometry.backupSuperblockOffsetBytes(),
            volume.metadata == null ? "data" : "metadata", label.usedBackup() ? " (in use: the primary is damaged)" : "");
        for (String warning : label.warnings()) {
            out.printf("warning:           %s%n", warning);
        }
        return ExitCode.OK;
    }
}
