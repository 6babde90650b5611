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
     * Every metadata and data write is issued with {@code RWF_DSYNC}: a write is durable when it
     * completes, and even a power loss cannot leave data that matches neither metadata copy.
     */
    STRICT
}
