package dev.csum;

/** How writes are made durable. See docs/DURABILITY.md for the exact guarantees. */
public enum Durability {
    /**
     * Writes complete when the device accepted them (possibly into its volatile cache);
     * {@link Volume#flush()} makes every completed write durable. A process crash never loses a
     * completed write nor produces a false integrity error; a power loss may lose unflushed writes and
     * may make blocks whose writes were unflushed read as integrity errors — never as wrong data.
     */
    DEFAULT,
    /**
     * A write completes only when it is durable: its log record is written with {@code RWF_DSYNC}
     * before its data, and one {@code fdatasync} of the data device, shared by every write whose data
     * landed before it was issued, precedes the completion. Even a power loss cannot leave data that
     * no logged or checkpointed tuple describes (docs/DURABILITY.md).
     */
    STRICT
}
