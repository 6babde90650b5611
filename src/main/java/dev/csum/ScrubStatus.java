package dev.csum;

/**
 * A volume's scrubs since it was opened ({@link Volume#scrubStatus()}).
 *
 * @param running the progress of the scrub running now, or null when none is
 * @param scrubsCompleted scrubs that ran to the end of their range
 * @param badBlocksFound bad blocks found by every scrub of this open, repaired or not
 * @param blocksRepaired of those, the blocks repaired
 * @param lastCompletedEpochMillis when the last scrub that ran to the end of its range finished
 *     (milliseconds since the epoch), or 0 when none has
 * @param last the report of the last scrub that ended (completed or cancelled), or null
 */
public record ScrubStatus(ScrubProgress running, long scrubsCompleted, long badBlocksFound, long blocksRepaired,
                          long lastCompletedEpochMillis, ScrubReport last) {
}
