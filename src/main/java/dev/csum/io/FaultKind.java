package dev.csum.io;

/**
 * The kinds of storage fault that {@link SimulatedDisk} injects (DESIGN.md §6). Each is counted in
 * {@link SimulatedDiskStats#faults(FaultKind)} when it is injected, whether by probability from a
 * {@link FaultPlan} or armed deterministically by a test.
 */
public enum FaultKind {
    /**
     * A sector returns one flipped bit on every read, until it is rewritten. The stored bytes are
     * intact (raw access shows them); the corruption is a sticky property of the sector, so a retry
     * returns the same wrong bytes. Triggered per sector read.
     */
    READ_BIT_ROT(Direction.READ),
    /** A sector is stored with one flipped bit. Triggered per sector written. */
    WRITE_BIT_ROT(Direction.WRITE),
    /**
     * A sector becomes unreadable: every read touching it completes with {@code -EIO}, until it is
     * rewritten. Triggered per sector read.
     */
    LATENT_SECTOR_ERROR(Direction.READ),
    /** A write completes successfully but nothing is stored. Triggered per write. */
    LOST_WRITE(Direction.WRITE),
    /**
     * A multi-sector write completes successfully but only a prefix or a suffix of its sectors is
     * stored (512-byte granularity). Triggered per write of two sectors or more.
     */
    TORN_WRITE(Direction.WRITE),
    /**
     * A write completes successfully but its data is stored, intact, at another aligned offset of the
     * same file, not overlapping the intended range; the intended location keeps its old contents.
     * Triggered per write.
     */
    MISDIRECTED_WRITE(Direction.WRITE),
    /** A read returns the data of another aligned offset of the same file. Triggered per read. */
    MISDIRECTED_READ(Direction.READ),
    /**
     * At a {@link SimulatedDisk#crash() crash}, an unflushed or in-flight write that reached the media
     * was torn at one sector boundary. Only injected by crashes, never by the per-op plan.
     */
    CRASH_TORN_WRITE(Direction.CRASH);

    /** Which operation a fault attaches to. */
    enum Direction { READ, WRITE, CRASH }

    private final Direction direction;

    FaultKind(Direction direction) {
        this.direction = direction;
    }

    /** True when this fault is decided while a write is applied (it can be armed with {@code armNextWrite}). */
    public boolean isWriteFault() {
        return direction == Direction.WRITE;
    }

    /** True when this fault is decided while a read is served (it can be armed with {@code armNextRead}). */
    public boolean isReadFault() {
        return direction == Direction.READ;
    }

    /** True when the plan's probability is per sector touched (bit rot, latent errors), not per operation. */
    public boolean isPerSector() {
        return this == READ_BIT_ROT || this == WRITE_BIT_ROT || this == LATENT_SECTOR_ERROR;
    }
}
