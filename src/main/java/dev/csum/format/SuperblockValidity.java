package dev.csum.format;

/**
 * The verdict of {@link Superblock#inspect}: whether a block read where a superblock belongs can be
 * used, may be replaced by a backup, or must be refused (docs/FORMAT.md §3.1, §6).
 *
 * <p>The line between {@link #DAMAGED} and {@link #UNSUPPORTED} is the checksum, whose rule every
 * format version keeps: a block whose checksum verifies is exactly what some writer meant to store,
 * so if this build does not accept it, it belongs to something csum does not understand and must not
 * be overwritten or stood in for. Only a block whose checksum fails, or cannot even be checked, is
 * damaged.
 */
public enum SuperblockValidity {
    /** Magic, checksum, version 1 and every field check out: this build can use it. */
    VALID,
    /**
     * The checksum fails or cannot be checked: the magic is gone, the block size field is unusable,
     * or the device ends inside the block. Nothing in the block can be trusted; a backup may stand in.
     */
    DAMAGED,
    /**
     * Intact (magic present, checksum verifies) but not acceptable to this build: another format
     * version, unknown flags, or a field out of range. A refusal; never replaced by a backup.
     */
    UNSUPPORTED
}
