package dev.csum.format;

/** The verdict of {@link ImdBlock#validate}: whether an imd block copy can be trusted. */
public enum ImdValidity {
    /** Header checksum, volume tag and group all match. */
    VALID,
    /** All bytes zero: never written since format. Valid, generation 0, no tuple written. */
    EMPTY,
    /** The header checksum does not match the block (torn write, bit rot). Use the brother. */
    BAD_CHECKSUM,
    /** A sound block of another group (misdirected write or read). Use the brother. */
    WRONG_GROUP,
    /** A sound block of another volume (stale metadata from an earlier format). Use the brother. */
    WRONG_VOLUME,
    /**
     * A sound block of this group whose generation's parity is not its slot's: the pair's other copy,
     * read (or written) one block off. Use the brother.
     */
    WRONG_SLOT;

    /**
     * The verdict on a copy that was not {@link #VALID} (this verdict) and was read again ({@code
     * second}): valid in either read wins; all-zero counts only when both reads found it so (a
     * misdirected read can bring zeros); otherwise the copy stays rejected, for the second read's
     * reason when it had one. Sticky faults (bit rot, latent errors) read the same twice; a transient
     * one does not.
     */
    public ImdValidity confirmedBy(ImdValidity second) {
        return second == EMPTY ? this : second;
    }

    /** Whether the block's tuples may be used ({@link #VALID} or {@link #EMPTY}). */
    public boolean usable() {
        return this == VALID || this == EMPTY;
    }
}
