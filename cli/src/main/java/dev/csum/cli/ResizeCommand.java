package dev.csum.cli;

import dev.csum.ResizeOptions;
import dev.csum.Volume;
import dev.csum.VolumeInfo;
import dev.csum.VolumeInspection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code csum resize}: grows a closed volume in place to a larger device, or shrinks it over blocks
 * never written (docs/FORMAT.md §7.2, §7.3). A size that gives as many blocks as the volume has leaves
 * it as it is, exit 0.
 */
@Command(name = "resize", sortOptions = false,
    description = {"Grow a closed volume in place to a larger device, or shrink it.",
        "Every block kept keeps its data and checksum; new blocks read as zeros; the tuple log keeps its size and moves,"
            + " with the backup superblock, to the new end. A file becomes --size long (extended by a sparse hole, or cut"
            + " past the volume); a block device must be that large already (grow it first). Without --size, the"
            + " device's size now is used. A shrink is refused unless every block it cuts off was never written. Takes"
            + " the volume lock (the volume must not be open); a crash leaves the volume of the old size or of the new"
            + " one, never neither. A size that gives as many blocks leaves the volume as it is (exit 0)."})
final class ResizeCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    VolumeArgs volume;

    @Option(names = "--size", paramLabel = "BYTES", converter = Sizes.BytesConverter.class,
        description = "The data device's new size (e.g. 1g): a file becomes that size, a block device must hold it."
            + " Default: the device's size now (a file or device grown beforehand).")
    Long sizeBytes;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (sizeBytes != null && sizeBytes <= 0) {
            throw new IllegalArgumentException("--size must be positive, was " + sizeBytes);
        }
        VolumeInspection before = volume.inspect(main, "resize");
        VolumeInfo old = before.info();
        VolumeInfo info = Volume.resize(ResizeOptions.of(volume.device, sizeBytes == null ? 0 : sizeBytes)
            .withMetadataPath(volume.metadata));
        boolean resized = info.dataBlockCount() != old.dataBlockCount();
        if (json) {
            main.out.println(volume.jsonObject()
                .put("resized", resized)
                .put("usable_bytes_before", old.usableBytes())
                .put("usable_bytes", info.usableBytes())
                .put("data_blocks_before", old.dataBlockCount())
                .put("data_blocks", info.dataBlockCount())
                .put("backup_superblock_offset", info.backupSuperblockOffsetBytes())
                .put("warnings", before.warnings()));
            return ExitCode.OK;
        }
        if (!resized) {
            main.out.printf("%s is already %s usable (%,d blocks) at that size: nothing to do%n", volume.device,
                Sizes.human(info.usableBytes()), info.dataBlockCount());
            return ExitCode.OK;
        }
        main.out.printf("%s %s from %s (%,d bytes, %,d blocks) to %s (%,d bytes, %,d blocks) usable%n",
            info.dataBlockCount() > old.dataBlockCount() ? "grew" : "shrank", volume.device, Sizes.human(old.usableBytes()),
            old.usableBytes(), old.dataBlockCount(), Sizes.human(info.usableBytes()), info.usableBytes(), info.dataBlockCount());
        main.out.printf("%s device: backup superblock at byte %,d; the volume now ends at byte %,d (was %,d)%n",
            volume.metadata == null ? "data" : "metadata", info.backupSuperblockOffsetBytes(),
            info.metadataDeviceMinBytes(), old.metadataDeviceMinBytes());
        return ExitCode.OK;
    }
}
