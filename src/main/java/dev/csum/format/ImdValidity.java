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

    /** Whether the block's tuples may be used ({@link #VALID} or {@link #EMPTY}). */
    public boolean usable() {
        return this == VALID || this == EMPTY;
    }
}
