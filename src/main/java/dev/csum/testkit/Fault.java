package dev.csum.testkit;

/**
 * The storage faults the simulated disk injects (docs/RELIABILITY.md). Each is counted when it is
 * injected; the first seven are media faults a {@link Faults} plan sets a probability for.
 */
public enum Fault {
    /** A sector returns one flipped bit on every read until it is rewritten (sticky). Per sector read. */
    READ_BIT_ROT,
    /** A sector is stored with one flipped bit. Per sector written. */
    WRITE_BIT_ROT,
    /** A sector becomes unreadable ({@code -EIO}) until it is rewritten. Per sector read. */
    LATENT_SECTOR_ERROR,
    /** A write completes successfully but nothing is stored. Per write. */
    LOST_WRITE,
    /** A multi-sector write completes successfully but only a prefix or suffix of it is stored. Per write. */
    TORN_WRITE,
    /** A write completes successfully but lands, intact, at another offset. Per write. */
    MISDIRECTED_WRITE,
    /** A read returns the data of another offset. Per read. */
    MISDIRECTED_READ,
    /** At a crash, a write that reached the media was torn at a sector boundary (crashes only). */
    CRASH_TORN_WRITE;

    /**
     * How this fault's probability in a {@link Faults} plan counts.
     *
     * @return true for the faults whose probability is per sector touched (bit rot, latent errors);
     *     false for those whose probability is per operation (and for {@link #CRASH_TORN_WRITE}, per
     *     write at a crash)
     */
    public boolean isPerSector() {
        return FaultMapping.kind(this).isPerSector();
    }
}
