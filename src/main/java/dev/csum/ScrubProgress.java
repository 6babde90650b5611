package dev.csum;

/**
 * How far a scrub has got.
 *
 * @param doneBytes bytes checked so far (their reads completed)
 * @param totalBytes bytes the scrub covers ({@link ScrubOptions#endOffsetBytes()} minus its start)
 * @param badBlocks blocks found bad so far (failed verification, confirmed by a second read)
 * @param repairedBlocks of those, the blocks rewritten from the repair source and verified
 * @param seconds time since the scrub started
 * @param finished true on the listener's last call
 */
public record ScrubProgress(long doneBytes, long totalBytes, long badBlocks, long repairedBlocks, double seconds,
                            boolean finished) {
    /**
     * The share done.
     *
     * @return {@code doneBytes / totalBytes}, from 0 to 1
     */
    public double fraction() {
        return totalBytes == 0 ? 1 : (double) doneBytes / totalBytes;
    }
}
