package dev.csum;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link Volume#scrub(ScrubOptions)} found.
 *
 * @param startOffsetBytes where it started, in bytes
 * @param nextOffsetBytes where it stopped, in bytes: every block before it (from the start) was
 *     checked; {@code endOffsetBytes} when it ran to the end. A cancelled scrub resumes from here
 * @param endOffsetBytes where it was to stop, exclusive, in bytes
 * @param blockSizeBytes the volume's block size in bytes
 * @param badBlocks every bad block found, ascending: a checksum mismatch confirmed by a second read of
 *     the block alone, or a block the device could not read; each with what repair did
 * @param errors failures not tied to one block (for example: the volume was closed under the scrub),
 *     one line each
 * @param seconds how long it took
 * @param cancelled whether it stopped early because its thread was interrupted
 */
public record ScrubReport(long startOffsetBytes, long nextOffsetBytes, long endOffsetBytes, int blockSizeBytes,
                          List<BadBlock> badBlocks, List<String> errors, double seconds, boolean cancelled) {
    /**
     * Copies the lists.
     *
     * @throws NullPointerException when a list is null
     */
    public ScrubReport {
        badBlocks = List.copyOf(badBlocks);
        errors = List.copyOf(errors);
    }

    /** What was wrong with a block. */
    public enum Problem {
        /** Its data does not match its checksum (two reads agreed). */
        CHECKSUM_MISMATCH,
        /** The device failed to read it. */
        READ_ERROR
    }

    /** What repair did with a bad block. */
    public enum Repair {
        /** No repair source was given. */
        NOT_ATTEMPTED,
        /** Rewritten from the repair source through the normal write path, then read back and verified. */
        REPAIRED,
        /** The source had no good copy, or the rewrite or its verification failed ({@link BadBlock#detail()}). */
        UNREPAIRABLE
    }

    /**
     * One bad block.
     *
     * @param block its logical block number
     * @param offsetBytes its byte offset in the volume ({@code block × blockSizeBytes})
     * @param problem what was wrong
     * @param repair what repair did
     * @param detail the device error for {@link Problem#READ_ERROR}, why for {@link Repair#UNREPAIRABLE},
     *     else empty
     */
    public record BadBlock(long block, long offsetBytes, Problem problem, Repair repair, String detail) {
        /**
         * Checks the components.
         *
         * @throws NullPointerException when {@code problem}, {@code repair} or {@code detail} is null
         */
        public BadBlock {
            Objects.requireNonNull(problem, "problem");
            Objects.requireNonNull(repair, "repair");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /**
     * Blocks checked.
     *
     * @return {@code (nextOffsetBytes − startOffsetBytes) / blockSizeBytes}
     */
    public long blocksChecked() {
        return (nextOffsetBytes - startOffsetBytes) / blockSizeBytes;
    }

    /**
     * Bytes checked.
     *
     * @return {@code nextOffsetBytes − startOffsetBytes}
     */
    public long bytesChecked() {
        return nextOffsetBytes - startOffsetBytes;
    }

    /**
     * Whether the scrub covered its whole range.
     *
     * @return true when it was not cancelled and reached {@code endOffsetBytes}
     */
    public boolean complete() {
        return !cancelled && nextOffsetBytes == endOffsetBytes;
    }

    /**
     * Whether nothing was found.
     *
     * @return true when there is no bad block and no error
     */
    public boolean clean() {
        return badBlocks.isEmpty() && errors.isEmpty();
    }

    /**
     * Whether every bad block was repaired.
     *
     * @return true when there is no error and every bad block is {@link Repair#REPAIRED} (also when
     *     there is none)
     */
    public boolean allRepaired() {
        return errors.isEmpty() && badBlocks.stream().allMatch(bad -> bad.repair() == Repair.REPAIRED);
    }

    /**
     * Bad blocks with a given repair outcome.
     *
     * @param outcome the outcome
     * @return how many bad blocks had it
     */
    public long count(Repair outcome) {
        return badBlocks.stream().filter(bad -> bad.repair() == outcome).count();
    }
}
