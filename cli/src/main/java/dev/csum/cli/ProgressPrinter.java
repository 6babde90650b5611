package dev.csum.cli;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of a long pass on stderr: a redrawn bar on a terminal, plain periodic lines otherwise
 * (logs and pipes should not fill with carriage returns).
 */
final class ProgressPrinter implements PassProgress {
    private static final int BAR_WIDTH = 30;
    private static final long LINE_PERIOD_NANOS = 5_000_000_000L;

    private final PrintStream err;
    private final String label;
    private final boolean terminal;
    private final long startedNanos = System.nanoTime();
    private long lastLineNanos = startedNanos;

    ProgressPrinter(PrintStream err, String label, boolean terminal) {
        this.err = err;
        this.label = label;
        this.terminal = terminal;
    }

    /** True when {@code stream} is the process's stderr and that is a terminal. */
    static boolean isTerminal(PrintStream stream) {
        Console console = System.console();
        return stream == System.err && console != null && console.isTerminal();
    }

    @Override
    public void update(long doneBytes, long totalBytes, long badBlocks, boolean finished) {
        long now = System.nanoTime();
        double fraction = totalBytes == 0 ? 1 : (double) doneBytes / totalBytes;
        double seconds = Math.max(1e-9, (now - startedNanos) / 1e9);
        String rate = Sizes.human((long) (doneBytes / seconds)) + "/s";
        String bad = badBlocks == 0 ? "" : String.format(Locale.ROOT, "  %d bad", badBlocks);
        if (terminal) {
            int filled = (int) Math.round(fraction * BAR_WIDTH);
            err.printf(Locale.ROOT, "\r%s [%s%s] %5.1f%%  %s of %s  %s%s\u001b[K", label, "#".repeat(filled),
                ".".repeat(BAR_WIDTH - filled), fraction * 100, Sizes.human(doneBytes), Sizes.human(totalBytes),
                rate, bad);
            if (finished) {
                err.println();
            }
            err.flush();
        } else if (finished || now - lastLineNanos >= LINE_PERIOD_NANOS) {
            lastLineNanos = now;
            err.printf(Locale.ROOT, "%s: %5.1f%%  %s of %s  %s%s%n", label, fraction * 100, Sizes.human(doneBytes),
                Sizes.human(totalBytes), rate, bad);
        }
    }
}
