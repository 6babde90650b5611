package dev.csum;

/**
 * Told how a {@link Volume#scrub(ScrubOptions)} is going, on the thread that called {@code scrub}:
 * every {@link ScrubOptions#progressInterval()} and once more when it ends. It may block (the scrub
 * then waits, its reads in flight complete meanwhile) and it may interrupt the scrubbing thread to
 * cancel the scrub.
 */
@FunctionalInterface
public interface ScrubListener {
    /**
     * The progress so far.
     *
     * @param progress bytes checked, bad blocks found so far; {@link ScrubProgress#finished()} on the
     *     last call
     */
    void onProgress(ScrubProgress progress);
}
