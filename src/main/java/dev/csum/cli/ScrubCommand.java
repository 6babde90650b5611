package dev.csum.cli;

import dev.csum.Volume;
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
    description = {"Verify every block of the volume (32 reads of 1 MiB in flight) and list the blocks whose",
        "checksum does not match, by logical block number and volume byte offset. Never-written blocks read as",
        "zeros and are checked against their 'never written' tuples. Progress goes to stderr: a bar on a terminal,",
        "a line every 5 s otherwise. Exit 0 when clean, 1 when bad blocks were found, 3 on device read errors."})
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

    @Override
    public Integer call() throws Exception {
        Scrubber.Report report;
        try (Volume target = volume.open(Scrubber.options(volume.options()))) {
            for (String warning : target.openWarnings()) {
                main.err.println("csum scrub: warning: " + warning);
            }
            Scrubber.Progress progress = quiet ? (done, total, bad, finished) -> { }
                : new ProgressPrinter(main.err, "scrub", ProgressPrinter.isTerminal(main.err));
            report = Scrubber.run(target, progress, Duration.ofMillis(200));
        }
        if (json) {
            main.out.println(toJson(volume.device.toString(), report));
        } else {
            print(report);
        }
        if (report.badBlocks().length > 0) {
            return ExitCode.INTEGRITY;
        }
        return report.ioErrors().isEmpty() ? ExitCode.OK : ExitCode.IO;
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
