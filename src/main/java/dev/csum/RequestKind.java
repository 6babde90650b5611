package dev.csum;

/** What a completed request did, as told to a {@link RequestObserver}. */
public enum RequestKind {
    /** A read: {@code read} or {@code readBlocking}, in any form. */
    READ,
    /** A write: {@code write} or {@code writeBlocking}, in any form. */
    WRITE,
    /** A flush: {@code flush} or {@code flushBlocking}, in any form. */
    FLUSH,
    /** A discard: {@code discard} or {@code discardBlocking}, in any form (one per engine chunk of 256 MiB). */
    DISCARD,
    /** A write-zeroes: {@code writeZeroes} or {@code writeZeroesBlocking}, in any form (one per chunk of 256 MiB). */
    WRITE_ZEROES
}
