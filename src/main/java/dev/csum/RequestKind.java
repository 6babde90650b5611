package dev.csum;

/** What a completed request did, as told to a {@link RequestObserver}. */
public enum RequestKind {
    READ,
    WRITE,
    FLUSH
}
