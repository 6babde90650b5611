package dev.csum;

/**
 * One volume's scrub bookkeeping: at most one scrub at a time, its live progress (read by metrics
 * scrapes on any thread), and the totals of this open. The running scrub's thread writes the
 * progress fields; every other thread reads them.
 */
final class ScrubTracker {
    private boolean running;
    private volatile ScrubProgress progress;
    private volatile long scrubsCompleted;
    private volatile long badBlocksFound;
    private volatile long blocksRepaired;
    private volatile long lastCompletedEpochMillis;
    private volatile ScrubReport last;

    /** Claims the volume for a scrub over {@code totalBytes}. */
    synchronized void begin(long totalBytes) {
        if (running) {
            throw new IllegalStateException("a scrub is already running on this volume");
        }
        running = true;
        progress = new ScrubProgress(0, totalBytes, 0, 0, 0, false);
    }

    /** The running scrub's progress (its thread only). */
    void update(ScrubProgress now) {
        progress = now;
    }

    /** The running scrub ended with {@code report}. */
    synchronized void end(ScrubReport report) {
        badBlocksFound += report.badBlocks().size();
        blocksRepaired += report.count(ScrubReport.Repair.REPAIRED);
        if (report.complete()) {
            scrubsCompleted++;
            lastCompletedEpochMillis = System.currentTimeMillis();
        }
        last = report;
        progress = null;
        running = false;
    }

    /** The running scrub ended without a report (it failed). */
    synchronized void abandon() {
        progress = null;
        running = false;
    }

    ScrubStatus status() {
        return new ScrubStatus(progress, scrubsCompleted, badBlocksFound, blocksRepaired, lastCompletedEpochMillis,
            last);
    }
}
