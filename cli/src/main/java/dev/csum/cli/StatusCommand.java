package dev.csum.cli;

import dev.csum.BlockCounts;
import dev.csum.MetadataPlacement;
import dev.csum.Volume;
import dev.csum.VolumeInfo;
import dev.csum.VolumeInspection;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code csum status}: the superblock and geometry of a volume, then its block counts. The label is
 * read without a lock; the counts open the volume read-only (a shared lock: refused while another
 * process has it open writable, then the label alone is shown). Writes nothing.
 */
@Command(name = "status", sortOptions = false,
    description = {"Show a volume's superblock fields, geometry and usable size, and count its blocks: written, never"
        + " written, discarded; groups whose metadata copies differ or are damaged; the tuple log's live share.",
        "The label is read without a lock. The counts open the volume read-only and read every metadata pair at full"
            + " queue depth (no data): a shared lock, so they are skipped, with a note, while another process has the"
            + " volume open writable (--no-counts skips them always). Writes nothing. Request counters (reads,"
            + " mismatches, cache hits) and scrub results live in the process that has the volume open: see"
            + " docs/metrics.md."})
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    VolumeArgs volume;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Option(names = "--no-counts", description = "Show the label only: do not open the volume to count its blocks.")
    boolean noCounts;

    /** The counts, or why there are none. */
    private record Counted(BlockCounts counts, String unavailable) {
    }

    private Counted count() {
        if (noCounts) {
            return new Counted(null, "not asked for (--no-counts)");
        }
        // Small engine buffers and metadata cache: a count moves no data, and pairs stream through the
        // cache (a session with the 32 MiB and 64 MiB defaults takes longer to set up than to count).
        try (Volume open = Volume.open(volume.options().withReadOnly(true).withBufferArenaBytes(1L << 20)
                 .withImdCacheBytes(4L << 20))) {
            return new Counted(open.countBlocks(), null);
        } catch (IOException | RuntimeException refused) {
            return new Counted(null, Main.describe(refused));
        }
    }

    @Override
    public Integer call() throws Exception {
        VolumeInspection inspection = Volume.inspect(volume.device, volume.metadata);
        VolumeInfo info = inspection.info();
        Counted counted = count();
        BlockCounts counts = counted.counts();
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
                .put("log_block_bytes", info.logBlockBytes())
                .put("data_zeroed", info.dataZeroed())
                .put("backup_superblock_offset", info.backupSuperblockOffsetBytes())
                .put("used_backup_superblock", inspection.usedBackupSuperblock())
                .put("warnings", inspection.warnings())
                .put("written_blocks", counts == null ? null : counts.writtenBlocks())
                .put("unwritten_blocks", counts == null ? null : counts.unwrittenBlocks())
                .put("never_written_blocks", counts == null ? null : counts.neverWrittenBlocks())
                .put("discarded_blocks", counts == null ? null : counts.discardedBlocks())
                .put("groups_with_differing_copies", counts == null ? null : counts.groupsWithDifferingCopies())
                .put("damaged_groups", counts == null ? null : counts.damagedGroups())
                .put("log_groups_to_replay", counts == null ? null : counts.logGroupsReplayed())
                .put("count_seconds", counts == null ? null : Math.round(counts.seconds() * 1e6) / 1e6)
                .put("counts_unavailable", counted.unavailable())
                .put("last_scrub", null));
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
            out.printf("tuple log:         %s (%,d bytes) after the last %s, in %d-byte log blocks%n",
                Sizes.human(info.logSizeBytes()), info.logSizeBytes(),
                info.metadataPlacement() == MetadataPlacement.INTERLEAVED ? "group" : "metadata pair", info.logBlockBytes());
            out.printf("data zeroed:       %s%n", info.dataZeroed() ? "yes (when formatted)" : "no");
        }
        out.printf("backup superblock: byte %,d of the %s device%s%n", info.backupSuperblockOffsetBytes(),
            info.metadataPlacement() == MetadataPlacement.INTERLEAVED ? "data" : "metadata",
            inspection.usedBackupSuperblock() ? " (in use: the primary is damaged)" : "");
        if (counts != null) {
            long blocks = info.dataBlockCount();
            out.printf(Locale.ROOT, "written blocks:    %,d (%.1f%%)%n", counts.writtenBlocks(), 100.0 * counts.writtenBlocks() / blocks);
            out.printf(Locale.ROOT, "unwritten blocks:  %,d never written, %,d discarded%n", counts.neverWrittenBlocks(),
                counts.discardedBlocks());
            out.printf("metadata:          %,d group%s with differing copies, %,d damaged%s%n",
                counts.groupsWithDifferingCopies(), counts.groupsWithDifferingCopies() == 1 ? "" : "s",
                counts.damagedGroups(), counts.groupsWithDifferingCopies() > 0
                    ? " ('csum scrub --repair-metadata' rewrites them)" : "");
            out.printf("tuple log:         %,d group%s to replay into the metadata pairs (0 after a clean close)%n",
                counts.logGroupsReplayed(), counts.logGroupsReplayed() == 1 ? "" : "s");
            out.printf(Locale.ROOT, "counted in:        %.3f s%n", counts.seconds());
        } else {
            out.printf("block counts:      unavailable: %s%n", counted.unavailable());
        }
        out.printf("last scrub:        not recorded on the volume (scrub results live in the process that ran it)%n");
        for (String warning : inspection.warnings()) {
            out.printf("warning:           %s%n", warning);
        }
        return ExitCode.OK;
    }
}
