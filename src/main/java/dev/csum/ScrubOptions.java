package dev.csum;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link Volume#scrub(ScrubOptions)} checks and how fast. Immutable; use the {@code with…}
 * methods to change a field.
 *
 * @param startOffsetBytes where the scrub starts, in bytes: a multiple of the volume's block size
 *     (default 0). To resume a scrub that was cancelled, pass its {@link ScrubReport#nextOffsetBytes()}
 * @param endOffsetBytes where it stops, exclusive, in bytes: a multiple of the block size, or
 *     {@link #TO_END} (the default) for the end of the volume
 * @param rateBytesPerSecond how many bytes per second it reads at most, averaged over the run
 *     (default {@link #DEFAULT_RATE_BYTES_PER_SECOND}, gentle on a volume that serves other requests);
 *     {@link #UNLIMITED} reads as fast as the device allows
 * @param progressInterval how often {@code listener} is told the progress (default one second)
 * @param listener told the progress on the scrubbing thread every {@code progressInterval} and once at
 *     the end; null for none (the default)
 * @param repairSource where good copies of bad blocks come from, or null (the default) to only
 *     report them; see {@link RepairSource}
 */
public record ScrubOptions(long startOffsetBytes, long endOffsetBytes, long rateBytesPerSecond,
                           Duration progressInterval, ScrubListener listener, RepairSource repairSource) {
    /** {@link #endOffsetBytes()} meaning the end of the volume. */
    public static final long TO_END = -1;
    /** {@link #rateBytesPerSecond()} meaning no limit. */
    public static final long UNLIMITED = 0;
    /** The default rate: 64 MiB/s. */
    public static final long DEFAULT_RATE_BYTES_PER_SECOND = 64L << 20;

    /**
     * Checks the components, each described above (the volume checks the offsets against its size
     * and block size when the scrub starts).
     *
     * @throws IllegalArgumentException when {@code startOffsetBytes} is negative, {@code endOffsetBytes}
     *     is neither {@link #TO_END} nor above {@code startOffsetBytes}, {@code rateBytesPerSecond} is
     *     negative, or {@code progressInterval} is not positive
     * @throws NullPointerException when {@code progressInterval} is null
     */
    public ScrubOptions {
        Objects.requireNonNull(progressInterval, "progressInterval");
        if (startOffsetBytes < 0) {
            throw new IllegalArgumentException("scrub start offset must not be negative, was " + startOffsetBytes);
        }
        if (endOffsetBytes != TO_END && endOffsetBytes <= startOffsetBytes) {
            throw new IllegalArgumentException("scrub end offset " + endOffsetBytes + " must be above its start "
                + startOffsetBytes);
        }
        if (rateBytesPerSecond < 0) {
            throw new IllegalArgumentException("scrub rate must be positive bytes per second, or UNLIMITED (0); was "
                + rateBytesPerSecond);
        }
        if (progressInterval.isNegative() || progressInterval.isZero()) {
            throw new IllegalArgumentException("scrub progress interval must be positive, was " + progressInterval);
        }
    }

    /**
     * The defaults: the whole volume at {@link #DEFAULT_RATE_BYTES_PER_SECOND}, no listener, no repair.
     *
     * @return the options
     */
    public static ScrubOptions defaults() {
        return new ScrubOptions(0, TO_END, DEFAULT_RATE_BYTES_PER_SECOND, Duration.ofSeconds(1), null, null);
    }

    /**
     * These options over {@code [startOffsetBytes, endOffsetBytes)}.
     *
     * @param start where to start, in bytes
     * @param end where to stop, exclusive, in bytes, or {@link #TO_END}
     * @return a copy with that range
     */
    public ScrubOptions withRange(long start, long end) {
        return new ScrubOptions(start, end, rateBytesPerSecond, progressInterval, listener, repairSource);
    }

    /**
     * These options with another rate.
     *
     * @param bytesPerSecond bytes per second at most, or {@link #UNLIMITED}
     * @return a copy with that rate
     */
    public ScrubOptions withRateBytesPerSecond(long bytesPerSecond) {
        return new ScrubOptions(startOffsetBytes, endOffsetBytes, bytesPerSecond, progressInterval, listener,
            repairSource);
    }

    /**
     * These options with a progress listener.
     *
     * @param newListener told the progress, or null for none
     * @param interval how often
     * @return a copy with that listener
     */
    public ScrubOptions withListener(ScrubListener newListener, Duration interval) {
        return new ScrubOptions(startOffsetBytes, endOffsetBytes, rateBytesPerSecond, interval, newListener,
            repairSource);
    }

    /**
     * These options with a source of good copies: bad blocks are rewritten from it.
     *
     * @param source the good copies, or null to only report bad blocks
     * @return a copy with that source
     */
    public ScrubOptions withRepairSource(RepairSource source) {
        return new ScrubOptions(startOffsetBytes, endOffsetBytes, rateBytesPerSecond, progressInterval, listener,
            source);
    }
}
