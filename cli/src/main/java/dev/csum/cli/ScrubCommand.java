package dev.csum.cli;

import dev.csum.RepairSource;
import dev.csum.ScrubOptions;
import dev.csum.ScrubReport;
import dev.csum.Volume;
import dev.csum.VolumeInfo;
import dev.csum.VolumeOptions;
import dev.csum.VolumeStats;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code csum scrub}: verify every block, list the bad ones, and repair them from a good copy. */
@Command(name = "scrub", sortOptions = false,
    description = {"Verify every block of the volume and list the blocks whose checksum does not match, or that the"
        + " device cannot read.",
        "Uses the library's online scrub (Volume.scrub): 32 reads of 1 MiB in flight, or paced by --rate. A block that"
            + " fails is read again alone before it is reported. Bad blocks are named by logical block number and"
            + " volume byte offset. Never-written blocks are checked too. Progress goes to stderr: a bar on a"
            + " terminal, a line every 5 s otherwise.",
        "With --repair-from, each bad block is rewritten from SOURCE through the normal write path, read back and"
            + " verified. SOURCE is another csum volume of the same size and block size (its blocks are verified"
            + " before they are used) or a raw image of the volume's bytes (trusted, with a warning).",
        "Read-only unless repairing: damaged metadata copies are reported, not rewritten (see --repair-metadata)."
            + " Exit 0 when clean or every bad block was repaired, 1 when bad blocks remain, 3 on other device"
            + " errors."})
final class ScrubCommand implements Callable<Integer> {
    /** The scrub's opening options: room for 32 chunks of 1 MiB in flight (a quarter of the buffers), and re-reads. */
    static VolumeOptions options(VolumeOptions base) {
        return base.withQueueDepth(256).withBufferArenaBytes(128L << 20);
    }

    @ParentCommand
    Main main;

    @Mixin
    VolumeArgs volume;

    @Option(names = "--rate", paramLabel = "BYTES", description = "Read at most this many bytes per second (suffixes"
        + " K, M, G: powers of 1024). Default: as fast as the device allows.")
    String rate;

    @Option(names = "--repair-from", paramLabel = "SOURCE", description = "Rewrite each bad block from SOURCE: a csum"
        + " volume of the same size (verified) or a raw image (trusted).")
    Path repairFrom;

    @Option(names = "--repair-from-metadata", paramLabel = "DEVICE", description = "SOURCE's separate metadata device,"
        + " when SOURCE is a csum volume formatted with one.")
    Path repairFromMetadata;

    @Option(names = "--json", description = "Print the report as one JSON object: blocks_checked, bad_blocks "
        + "[{block, offset, problem, repair, detail}], repaired, unrepaired, errors, seconds.")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "No progress output.")
    boolean quiet;

    @Option(names = "--repair-metadata", description = "Open the volume writable and rewrite every damaged or stale "
        + "metadata copy found (by default scrub is read-only and only reports them; --repair-from implies it).")
    boolean repairMetadata;

    @Override
    public Integer call() throws Exception {
        long rateBytes = rate == null ? ScrubOptions.UNLIMITED : Sizes.parseBytes(rate);
        if (rate != null && rateBytes <= 0) {
            throw CliException.usage("--rate must be a positive number of bytes per second, was " + rate);
        }
        if (repairFromMetadata != null && repairFrom == null) {
            throw CliException.usage("--repair-from-metadata needs --repair-from");
        }
        boolean writable = repairMetadata || repairFrom != null;
        ScrubReport report;
        MetadataFindings metadataFindings;
        try (RepairSourceSession source = repairFrom == null ? null : openSource(volume.device, volume.metadata);
             VolumeArgs.Session session = volume.open(main, "scrub", options(volume.options()).withReadOnly(!writable))) {
            Volume target = session.volume();
            ScrubOptions scrub = ScrubOptions.defaults().withRateBytesPerSecond(rateBytes);
            if (!quiet) {
                scrub = scrub.withListener(new ProgressPrinter(main.err, "scrub", ProgressPrinter.isTerminal(main.err))
                    .asScrubListener(), Duration.ofMillis(200));
            }
            if (source != null) {
                scrub = scrub.withRepairSource(source.checkedAgainst(target.info(), main.err));
            }
            report = target.scrub(scrub);
            VolumeStats stats = target.stats();
            metadataFindings = new MetadataFindings(stats.metadataFallbacks(), stats.metadataRepairsDeferred(), writable);
        }
        if (json) {
            main.out.println(toJson(volume.device.toString(), report).put("metadata", metadataFindings.toJson()));
        } else {
            print(report);
            metadataFindings.print(main.out);
        }
        if (report.badBlocks().stream().anyMatch(bad -> bad.repair() != ScrubReport.Repair.REPAIRED)) {
            return ExitCode.INTEGRITY;
        }
        return report.errors().isEmpty() ? ExitCode.OK : ExitCode.IO;
    }

    /** The repair source, open for the scrub: a csum volume (read-only) or a raw image. */
    private record RepairSourceSession(Path path, Volume sourceVolume, long rawImageBytes) implements AutoCloseable {
        /** The source, after checking it matches {@code target}: same size and block size. */
        RepairSource checkedAgainst(VolumeInfo target, java.io.PrintStream warnings) {
            if (sourceVolume != null) {
                VolumeInfo info = sourceVolume.info();
                if (info.usableBytes() != target.usableBytes() || info.blockSizeBytes() != target.blockSizeBytes()) {
                    throw CliException.usage("--repair-from " + path + " is a csum volume of " + info.usableBytes()
                        + " bytes in " + info.blockSizeBytes() + "-byte blocks; the volume is " + target.usableBytes()
                        + " bytes in " + target.blockSizeBytes() + "-byte blocks: a repair source must match both");
                }
                return RepairSource.fromVolume(sourceVolume);
            }
            if (rawImageBytes != target.usableBytes()) {
                throw CliException.usage("--repair-from " + path + " is a raw image of " + rawImageBytes
                    + " bytes; the volume is " + target.usableBytes() + " bytes: a raw image must be exactly as large");
            }
            warnings.println("csum scrub: warning: " + path + " is not a csum volume: using it as a raw image, whose"
                + " bytes are trusted without verification");
            return RepairSource.fromRawImage(path);
        }

        @Override
        public void close() throws IOException {
            if (sourceVolume != null) {
                sourceVolume.close();
            }
        }
    }

    private RepairSourceSession openSource(Path device, Path metadata) throws IOException {
        if (!Files.exists(repairFrom)) {
            throw CliException.usage("--repair-from " + repairFrom + " does not exist");
        }
        volume.refuseVolumeDevice("--repair-from", repairFrom);
        if (startsWithVolumeMagic(repairFrom)) {
            VolumeOptions options = VolumeOptions.of(repairFrom).withReadOnly(true);
            return new RepairSourceSession(repairFrom,
                Volume.open(repairFromMetadata == null ? options : options.withMetadataPath(repairFromMetadata)), 0);
        }
        if (repairFromMetadata != null) {
            throw CliException.usage("--repair-from " + repairFrom + " is not a csum volume (no csum superblock), so"
                + " --repair-from-metadata does not apply");
        }
        return new RepairSourceSession(repairFrom, null, Files.size(repairFrom));
    }

    /** Whether {@code path} starts with a csum superblock's magic ({@code CSUMVOL} 0x1A). */
    private static boolean startsWithVolumeMagic(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return Arrays.equals(in.readNBytes(8), new byte[] {'C', 'S', 'U', 'M', 'V', 'O', 'L', 0x1A});
        }
    }

    /**
     * What the scrub found in the metadata: imd copies damaged or stale (their brother served), and
     * groups a read-only scrub left unrepaired.
     */
    record MetadataFindings(long damagedCopies, long groupsUnrepaired, boolean repaired) {
        Json toJson() {
            return Json.object()
                .put("damaged_imd_copies", damagedCopies)
                .put("groups_needing_repair", groupsUnrepaired)
                .put("repaired", repaired && damagedCopies > 0);
        }

        void print(java.io.PrintStream out) {
            if (damagedCopies > 0) {
                out.printf("metadata: %,d damaged or stale imd cop%s (the brother copy served every block)%s%n",
                    damagedCopies, damagedCopies == 1 ? "y" : "ies", repaired ? "; rewritten" : "");
            }
            if (groupsUnrepaired > 0) {
                out.printf("metadata: %,d group%s with copies to rewrite (damaged, stale, or left different by a "
                    + "crash); not repaired: scrub is read-only, 'csum scrub --repair-metadata' rewrites them%n",
                    groupsUnrepaired, groupsUnrepaired == 1 ? "" : "s");
            }
        }
    }

    static Json toJson(String device, ScrubReport report) {
        List<Json> bad = new ArrayList<>();
        for (ScrubReport.BadBlock block : report.badBlocks()) {
            bad.add(Json.object().put("block", block.block()).put("offset", block.offsetBytes())
                .put("problem", block.problem().name().toLowerCase(Locale.ROOT))
                .put("repair", block.repair().name().toLowerCase(Locale.ROOT))
                .put("detail", block.detail()));
        }
        return Json.object()
            .put("device", device)
            .put("clean", report.clean())
            .put("blocks_checked", report.blocksChecked())
            .put("bytes_checked", report.bytesChecked())
            .put("block_size", report.blockSizeBytes())
            .put("bad_blocks", bad)
            .put("repaired", report.count(ScrubReport.Repair.REPAIRED))
            .put("unrepaired", report.badBlocks().size() - report.count(ScrubReport.Repair.REPAIRED))
            .put("io_errors", report.errors())
            .put("seconds", Math.round(report.seconds() * 1e6) / 1e6);
    }

    private void print(ScrubReport report) {
        main.out.printf(Locale.ROOT, "scrubbed %s: %,d blocks (%s) in %.2f s (%s/s)%n", volume.device,
            report.blocksChecked(), Sizes.human(report.bytesChecked()), report.seconds(),
            Sizes.human((long) (report.bytesChecked() / Math.max(report.seconds(), 1e-9))));
        printFindings(main.out, report);
    }

    /** The findings part of the report. */
    static void printFindings(java.io.PrintStream out, ScrubReport report) {
        List<ScrubReport.BadBlock> bad = report.badBlocks();
        if (bad.isEmpty() && report.errors().isEmpty()) {
            out.println("clean: every block verified");
            return;
        }
        if (!bad.isEmpty()) {
            out.printf("%d bad block%s:%n", bad.size(), bad.size() == 1 ? "" : "s");
            for (ScrubReport.BadBlock block : bad) {
                String problem = block.problem() == ScrubReport.Problem.READ_ERROR ? " (read error: " + block.detail() + ")" : "";
                String repair = switch (block.repair()) {
                    case NOT_ATTEMPTED -> "";
                    case REPAIRED -> ": repaired";
                    case UNREPAIRABLE -> ": UNREPAIRABLE (" + block.detail() + ")";
                };
                out.printf("  block %,d at offset %,d%s%s%n", block.block(), block.offsetBytes(), problem, repair);
            }
            long repaired = report.count(ScrubReport.Repair.REPAIRED);
            long unrepairable = report.count(ScrubReport.Repair.UNREPAIRABLE);
            if (repaired + unrepairable > 0) {
                out.printf("repaired %d, unrepairable %d%n", repaired, unrepairable);
            }
        }
        for (String error : report.errors()) {
            out.println("  error: " + error);
        }
    }
}
