package dev.csum.engine;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One caller operation (read, write or flush) from the moment it is accepted until its callback
 * runs. Pooled and reused: after {@link #reset()} every field is back to its idle value.
 *
 * <p>Filled by the calling thread, then handed to the event loop through a queue (which publishes
 * the writes); from then on only the event loop touches it.
 */
public final class Request {
    public static final byte READ = 1;
    public static final byte WRITE = 2;
    public static final byte FLUSH = 3;
    /** Discard: the blocks read as zeros afterwards (tuples "discarded", the data range punched). */
    public static final byte DISCARD = 4;
    /** Write zeroes: as {@link #DISCARD} in the engine (the blocks read as zeros); told apart in counters. */
    public static final byte WRITE_ZEROES = 5;

    /**
     * Count: tallies the tuples of the range's groups (loading each pair through the imd cache) into
     * {@link #tally} and hands them to its callback, a {@link TupleTally}. No data is read. Whole
     * groups are counted once each: a count's range should start and end on group boundaries.
     */
    public static final byte COUNT = 6;

    /** {@link #tally} slots. */
    static final int TALLY_WRITTEN = 0;
    static final int TALLY_NEVER_WRITTEN = 1;
    static final int TALLY_DISCARDED = 2;
    static final int TALLY_GROUPS_DIFFERING = 3;
    static final int TALLY_GROUPS_DAMAGED = 4;

    /** A count request's tallies (see {@link #COUNT}). */
    final long[] tally = new long[5];
    /** A count request's log fill when it started; -1 read-only. */
    double tallyLogFraction;
    /** A count request's: groups the open's recovery replayed from the log. */
    long tallyGroupsReplayed;

    /** Whether a request of {@code kind} moves no data (discard, write-zeroes, count): it needs no buffer. */
    static boolean noData(byte kind) {
        return kind == DISCARD || kind == WRITE_ZEROES || kind == COUNT;
    }

    /** Whether a request of {@code kind} changes tuples: a write, a discard or a write-zeroes. */
    static boolean changesTuples(byte kind) {
        return kind == WRITE || kind == DISCARD || kind == WRITE_ZEROES;
    }

    /** Whether a request of {@code kind} carries no data: a discard or a write-zeroes. */
    static boolean zeroes(byte kind) {
        return kind == DISCARD || kind == WRITE_ZEROES;
    }

    byte kind;
    long offsetBytes;
    long firstBlock;
    int blockCount;
    long lengthBytes;
    /** The caller's segment: source of a write, destination of a read. */
    MemorySegment user;
    /**
     * Application tags, one per block, or null: for a read the caller's array, written on success;
     * for a write this request's own copy ({@link #tagsCopy}), read when the write commits.
     */
    short[] appTags;
    /** A write's tags, copied when the request is filled: the caller may reuse its array at once. Grown on demand, reused. */
    private short[] tagsCopy = new short[0];
    /** The caller's callback, opaque to the engine: handed back to the {@link ResultDelivery}. */
    Object callback;
    long token;
    long startNanos;

    /** Engine-owned aligned copy of the data (stable writes; bounce buffer for reads). */
    MemorySegment buffer;
    /** For writes: the calling thread already copied the data into {@link #buffer}. */
    boolean copiedByCaller;
    /** For reads: receives the verified buffer instead of the engine copying it into {@link #user}. */
    ReadHandoff handoff;
    /**
     * For reads: {@link #buffer} is the caller's own memory ({@link #attachInPlaceBuffer}): the device
     * reads into it and it is verified there; nothing is copied and nothing returns to the arena.
     */
    boolean inPlace;
    /** The in-place buffer viewed as a ByteBuffer (the checksum's input), found at its first use. */
    java.nio.ByteBuffer inPlaceView;
    /** Per block checksum of {@link #buffer}, for writes. Grown on demand, reused. */
    int[] checksums = new int[64];
    int piecesPending;
    /** A flush: the log sequence through which its sync makes every write durable. */
    long flushWatermark;
    int opsPending;
    IOException failure;
    long[] badBlocks = new long[8];
    int badBlockCount;
    Request nextWaiting;

    /** Fills an idle request (from {@link EventLoop#acquire()}) before {@link EventLoop#submit}. */
    public void fill(byte requestKind, long offset, long length, int blockSizeBytes, MemorySegment segment,
                     short[] tags, Object completion, long completionToken) {
        assert kind == 0 : "request is in use";
        kind = requestKind;
        offsetBytes = offset;
        lengthBytes = length;
        firstBlock = offset / blockSizeBytes;
        blockCount = (int) (length / blockSizeBytes);
        user = segment;
        if (tags != null && requestKind == WRITE) {
            // Like the data: the tags a write stores are the ones the caller passed when it called,
            // whatever it does with its array afterwards (the commit reads them later, on the loop).
            if (tagsCopy.length < blockCount) {
                tagsCopy = new short[Math.max(blockCount, tagsCopy.length * 2)];
            }
            System.arraycopy(tags, 0, tagsCopy, 0, blockCount);
            appTags = tagsCopy;
        } else {
            appTags = tags;
        }
        callback = completion;
        token = completionToken;
    }

    /** Attaches data the calling thread already copied into an engine buffer (a write). */
    public void attachCopiedBuffer(MemorySegment copied) {
        buffer = copied;
        copiedByCaller = true;
    }

    /**
     * Makes a read go straight into the caller's memory: {@code destination} (native, aligned to the
     * port's direct-I/O alignment, exactly the request's length) is the buffer the device reads into.
     */
    public void attachInPlaceBuffer(MemorySegment destination) {
        assert kind == READ && destination.isNative() && destination.byteSize() == lengthBytes : "not an in-place read";
        buffer = destination;
        inPlace = true;
    }


    /** Makes a successful read hand its verified buffer to {@code receiver} rather than copy it. */
    public void handOffTo(ReadHandoff receiver) {
        handoff = receiver;
    }

    /**
     * Set when the request is handed to the event loop, cleared when it is done with it ({@link #reset}):
     * a request stranded by a loop that died is failed exactly once, by whichever thread claims it first
     * ({@link EventLoop}).
     */
    private final AtomicBoolean handedToLoop = new AtomicBoolean();

    void markHandedToLoop() {
        handedToLoop.set(true);
    }

    /** Takes a request handed to a loop that died; true for the one caller that gets it. */
    boolean claimStranded() {
        return handedToLoop.compareAndSet(true, false);
    }

    void reset() {
        // No fence needed: a thread that later claims stranded requests first reads the loop's failure,
        // a volatile written after this by the same (loop) thread.
        handedToLoop.lazySet(false);
        java.util.Arrays.fill(tally, 0);
        tallyLogFraction = 0;
        tallyGroupsReplayed = 0;
        kind = 0;
        offsetBytes = 0;
        firstBlock = 0;
        blockCount = 0;
        lengthBytes = 0;
        user = null;
        appTags = null;
        callback = null;
        token = 0;
        startNanos = 0;
        buffer = null;
        copiedByCaller = false;
        handoff = null;
        inPlace = false;
        inPlaceView = null;
        piecesPending = 0;
        opsPending = 0;
        failure = null;
        badBlockCount = 0;
        nextWaiting = null;
    }

    void fail(IOException error) {
        if (failure == null) {
            failure = error;
        }
    }

    void addBadBlock(long block) {
        if (badBlockCount == badBlocks.length) {
            badBlocks = java.util.Arrays.copyOf(badBlocks, badBlocks.length * 2);
        }
        badBlocks[badBlockCount++] = block;
    }

    int[] checksumsFor(int blocks) {
        if (checksums.length < blocks) {
            checksums = new int[Math.max(blocks, checksums.length * 2)];
        }
        return checksums;
    }
}
