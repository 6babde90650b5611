package dev.csum.cli;

import dev.csum.ScrubListener;

/** Told about a long pass's progress periodically on the calling thread, and once at the end (scrub, bench). */
interface PassProgress {
    void update(long doneBytes, long totalBytes, long badBlocks, boolean finished);

    /** The same, as a scrub's listener. */
    default ScrubListener asScrubListener() {
        return progress -> update(progress.doneBytes(), progress.totalBytes(), progress.badBlocks(), progress.finished());
    }
}
