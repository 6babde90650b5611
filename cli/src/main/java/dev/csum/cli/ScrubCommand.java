package dev.csum.cli;

import dev.csum.Volume;
import dev.csum.VolumeStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code csum scrub}: verify every block, list the bad ones. */
@Command(name = "scrub", sortOptions = false,
    description = {"Verify every block of the volume and list the blocks whose checksum does not match.",
        "Keeps 32 reads of 1 MiB in flight. Bad blocks are named by logical block number and volume byte offset."
            + " Never-written blocks read as zeros and are checked against their 'never written' tuples. Progress"
            + " goes to stderr: a bar on a terminal, a line every 5 s otherwise.",
        "Read-only: damaged metadata copies are reported, not rewritten (see --repair-metadata). Exit 0 when clean,"
            + " 1 when bad blocks were found, 3 on device read errors."})
final class ScrubCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    VolumeArgs volume;

    @Option(names = "--json", description = "Print the report as one JSON object: blocks_checked, bad_blocks "
        + "[{block, offset}], io_errors, seconds.")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "No progress output.")
    boolean quiet;

    @Option(names = "--repair-metadata", description = "Open the volume writable and rewrite every damaged or stale "
        + "metadata copy found (by default scrub is read-only and only reports them).")
    boolean repairMetadata;

    @Override
    public Integer call() throws Exception {
        Scrubber.Report report;
        MetadataFindings metadataFindings;
        // Read-only unless asked to repair: a scrub writes nothing, so it reports even on a full file
        // system or a device it cannot write.
        try (VolumeArgs.Session session = volume.open(main, "scrub",
                 Scrubber.options(volume.options()).withReadOnly(!repairMetadata))) {
            Volume target = session.volume();
            Scrubber.Progress progress = quiet ? (done, total, bad, finished) -> { }
                : new ProgressPrinter(main.err, "scrub", ProgressPrinter.isTerminal(main.err));
            report = Scrubber.run(target, progress, Duration.ofMillis(200));
            VolumeStats stats = target.stats();
            metadataFindings = new MetadataFindings(stats.metadataFallbacks(), stats.metadataRepairsDeferred(),
                repairMetadata);
        }
        if (json) {
            main.out.println(toJson(volume.device.toString(), report).put("metadata", metadataFindings.toJson()));
        } else {
            print(report);
            metadataFindings.print(main.out);
        }
        if (report.badBlocks().length > 0) {
            return ExitCode.INTEGRITY;
        }
        return report.ioErrors().isEmpty() ? ExitCode.OK : ExitCode.IO;
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

    static Json toJson(String device, Scrubber.Report report) {
        List<Json> bad = new ArrayList<>();
        for (long block : report.badBlocks()) {
            bad.add(Json.object().put("block", block).put("offset", block * report.blockSizeBytes()));
        }
        return Json.object()
            .put("device", device)
            .put("clean", report.clean())
            .put("blocks_checked", report.blocksChecked())
            .put("bytes_checked", report.bytesChecked())
            .put("block_size", report.blockSizeBytes())
            .put("bad_blocks", bad)
            .put("io_errors", report.ioErrors())
            .put("seconds", Math.round(report.seconds() * 1e6) / 1e6);
    }

    private void print(Scrubber.Report report) {
        main.out.printf(Locale.ROOT, "scrubbed %s: %,d blocks (%s) in %.2f s (%s/s)%n", volume.device,
            report.blocksChecked(), Sizes.human(report.bytesChecked()), report.seconds(),
            Sizes.human((long) (report.bytesChecked() / Math.max(report.seconds(), 1e-9))));
        printFindings(main.out, report);
    }

    /** The findings part of the report (also used by the demo). */
    static void printFindings(java.io.PrintStream out, Scrubber.Report report) {
        long[] bad = report.badBlocks();
        if (bad.length == 0 && report.ioErrors().isEmpty()) {
            out.println("clean: every block verified");
            return;
        }
        if (bad.length > 0) {
            out.printf("%d bad block%s:%n", bad.length, bad.length == 1 ? "" : "s");
            for (long block : bad) {
                out.printf("  block %,d at offset %,d%n", block, block * report.blockSizeBytes());
            }
        }
        for (String error : report.ioErrors()) {
            out.println("  read error: " + error);
        }
    }
}
