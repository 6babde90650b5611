package dev.csum.io;

/**
 * One change to a {@link SimulatedDisk}'s media, in the order it happened, delivered to the listener
 * set with {@link SimulatedDisk#mediaListener}. Replaying the events of a file from a known image
 * rebuilds its visible contents at any point; the {@link Kind#FLUSH} and {@link Kind#CRASH} events
 * mark what was durable.
 *
 * @param sequence    position in the media's event stream, from 0, without gaps
 * @param kind        what happened
 * @param fileIndex   the physical file: 0, or 1 for a separate metadata file (an interleaved
 *                    {@link IoPort#METADATA_FILE} reports 0)
 * @param offsetBytes where the bytes were stored (for a misdirected write: where they landed);
 *                    0 for {@link Kind#FLUSH} and {@link Kind#CRASH}
 * @param data        the bytes as stored, faults included (a private copy); empty for
 *                    {@link Kind#FLUSH} and {@link Kind#CRASH}
 */
public record SimMediaEvent(long sequence, Kind kind, int fileIndex, long offsetBytes, byte[] data) {

    /** What happened to the media. */
    public enum Kind {
        /** A completed write stored in the volatile cache: visible to reads, not yet durable. */
        WRITE,
        /** A completed {@link IoPort#FLAG_DSYNC} write: visible and durable. */
        WRITE_DURABLE,
        /** An fsync completed: every earlier {@link #WRITE} to this file is now durable. */
        FLUSH,
        /** At a crash: an unflushed or in-flight write (or the surviving part of one) reached the media. */
        CRASH_PERSISTED,
        /** A crash: everything not durable in this file is gone; emitted after its CRASH_PERSISTED events. */
        CRASH,
        /** A test wrote bytes straight to the media ({@link SimulatedDisk#writeRaw}); visible and durable. */
        RAW_WRITE
    }
}
