package dev.csum.io;

import static dev.csum.uring.IoUringConstants.IORING_FSYNC_DATASYNC;
import static dev.csum.uring.IoUringConstants.IOSQE_IO_DRAIN;
import static dev.csum.uring.IoUringConstants.IOSQE_IO_LINK;

import dev.csum.uring.Errno;
import dev.csum.uring.LibcConstants;
import dev.csum.uring.NativeFile;
import dev.csum.uring.NativeIoException;
import dev.csum.uring.Ring;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * The production {@link IoPort}: io_uring over {@code O_DIRECT} files, through {@link Ring}.
 *
 * <h2>Submission tags</h2>
 * The caller's 64-bit user data never reaches the kernel. Each operation takes a slot
 * {@code 0..queueDepth-1}; the SQE carries the slot number and the caller's value waits in
 * {@code slotUserData}. That leaves the kernel-side tag space free for the port's own operation
 * (the wakeup read), so no caller value is reserved, and it lets every completion be checked against
 * an operation actually in flight.
 *
 * <h2>Wakeup</h2>
 * See {@link WakeupChannel}: an eventfd with a read armed in the ring; {@link #wakeup()} writes
 * to it only when the event loop is parked in the kernel or about to be.
 *
 * <p>Caveat: the kernel cancels the requests a thread has pending in io_uring's poll and worker
 * machinery when that thread exits. Keep the thread that calls {@link #submitAndReap} alive while
 * operations it submitted are in flight (the wakeup read re-arms itself after such a cancel).
 *
 * <h2>Drain</h2>
 * io_uring starts an {@code IOSQE_IO_DRAIN} operation only after every earlier request completed,
 * and the armed wakeup read never completes on its own: a drained operation would wait for the next
 * wakeup. So when a drained operation is prepared, the port writes the eventfd itself, which
 * completes the read wherever it is (armed, or itself still deferred behind an earlier drain or in
 * task work, where {@code IORING_OP_ASYNC_CANCEL} would miss it), and re-arms the read at the next
 * {@link #submitAndReap}, after the drained operation. Such a self-inflicted completion is not
 * reported as a wakeup. Cost: one {@code eventfd_write} per drained operation.
 */
public final class UringIoPort implements IoPort {

    /** Kernel-side tag of the wakeup read; slots are below queueDepth, so it can never collide. */
    static final long WAKEUP_READ_TAG = Long.MAX_VALUE;

    private final Ring ring;
    private final NativeFile dataFile;
    private final NativeFile metadataFile;   // == dataFile when metadata is interleaved
    private final int[] fds;                 // by file index
    private final int queueDepth;
    private final int alignmentBytes;
    private final WakeupChannel wakeup;

    private final long[] slotUserData;
    private final int[] freeSlots;           // stack: freeSlots[0 .. freeSlotCount) are free
    private final boolean[] slotInFlight;
    private int freeSlotCount;

    private boolean linkOpen;                // the last prepared caller operation had FLAG_LINK
    private final SubmitPolicy submitPolicy = SubmitPolicy.fromProperties();
    private final FixedBuffers fixedBuffers;


    private final Dispatcher dispatcher = new Dispatcher();
    private boolean closed;

    private UringIoPort(Ring ring, NativeFile dataFile, NativeFile metadataFile, int queueDepth,
                        WakeupChannel wakeup) {
        this.ring = ring;
        this.dataFile = dataFile;
        this.metadataFile = metadataFile;
        this.fds = new int[] {dataFile.fd(), metadataFile.fd()};
        this.queueDepth = queueDepth;
        this.alignmentBytes = Math.max(dataFile.alignmentBytes(), metadataFile.alignmentBytes());
        this.wakeup = wakeup;
        this.fixedBuffers = new FixedBuffers(ring);
        this.slotUserData = new long[queueDepth];
        this.slotInFlight = new boolean[queueDepth];
        this.freeSlots = new int[queueDepth];
        for (int slot = 0; slot < queueDepth; slot++) {
            freeSlots[slot] = queueDepth - 1 - slot;
        }
        this.freeSlotCount = queueDepth;
    }

    /**
     * Opens the data file (and the metadata file, when given) with {@code O_DIRECT} and a ring of
     * {@code queueDepth} operations.
     *
     * @param metadataOrNull a separate metadata device, or null when metadata lives in the data file
     * @param queueDepth     the most caller operations in flight at once, 1..{@code Ring.QUEUE_DEPTH_MAX - 1}
     * @param readOnly       open {@code O_RDONLY}; writes then complete with -EBADF
     * @throws NativeIoException naming the file that could not be opened and why
     */
    public static UringIoPort open(Path data, Path metadataOrNull, int queueDepth, boolean readOnly)
            throws IOException {
        if (queueDepth < 1 || queueDepth > Ring.QUEUE_DEPTH_MAX - 1) {
            throw new IllegalArgumentException("queueDepth " + queueDepth + " not in 1.." + (Ring.QUEUE_DEPTH_MAX - 1));
        }
        NativeFile dataFile = null;
        NativeFile metadataFile = null;
        Ring ring = null;
        WakeupChannel wakeup = null;
        try {
            dataFile = NativeFile.open(data, readOnly, false);
            metadataFile = metadataOrNull == null ? dataFile : NativeFile.open(metadataOrNull, readOnly, false);
            // One slot more than the caller's depth, for the wakeup read.
            ring = Ring.open(queueDepth + 1);
            wakeup = WakeupChannel.open();
            return new UringIoPort(ring, dataFile, metadataFile, queueDepth, wakeup);
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(wakeup, ring, metadataFile == dataFile ? null : metadataFile, dataFile, e);
            throw e;
        }
    }

    private static void closeQuietly(WakeupChannel wakeup, Ring ring, NativeFile metadata, NativeFile data,
                                     Throwable primary) {
        for (AutoCloseable resource : new AutoCloseable[] {wakeup, ring, metadata, data}) {
            if (resource != null) {
                try {
                    resource.close();
                } catch (Exception suppressed) {
                    primary.addSuppressed(suppressed);
                }
            }
        }
    }

    // ---- prepare ------------------------------------------------------------------------------

    @Override
    public void registerBuffers(MemorySegment... regions) {
        fixedBuffers.register(regions);
    }

    /** How many regions buffers are taken as fixed buffers from (0 when none are registered); for tests. */
    int fixedRegionCount() {
        return fixedBuffers.regionCount();
    }

    @Override
    public boolean prepareRead(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        int fd = fd(fileIndex);
        int slot = takeSlot(flags);
        if (slot < 0) {
            return false;
        }
        try {
            int fixed = fixedBuffers.indexOf(buffer);
            boolean queued = fixed < 0 ? ring.prepareRead(fd, buffer, offsetBytes, sqeFlags(flags), slot)
                : ring.prepareReadFixed(fd, buffer, offsetBytes, fixed, sqeFlags(flags), slot);
            afterPrepare(queued, slot, flags, userData, 0, buffer.byteSize());
        } catch (RuntimeException refused) {
            freeSlots[freeSlotCount++] = slot;
            throw refused;
        }
        return true;
    }

    @Override
    public boolean prepareWrite(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        int fd = fd(fileIndex);
        int slot = takeSlot(flags);
        if (slot < 0) {
            return false;
        }
        int rwFlags = (flags & FLAG_DSYNC) != 0 ? LibcConstants.RWF_DSYNC : 0;
        try {
            int fixed = fixedBuffers.indexOf(buffer);
            boolean queued = fixed < 0 ? ring.prepareWrite(fd, buffer, offsetBytes, sqeFlags(flags), rwFlags, slot)
                : ring.prepareWriteFixed(fd, buffer, offsetBytes, fixed, sqeFlags(flags), rwFlags, slot);
            afterPrepare(queued, slot, flags, userData, buffer.byteSize(), 0);
        } catch (RuntimeException refused) {
            freeSlots[freeSlotCount++] = slot;
            throw refused;
        }
        return true;
    }

    @Override
    public boolean prepareFsync(int fileIndex, int flags, long userData) {
        int fd = fd(fileIndex);
        int slot = takeSlot(flags);
        if (slot < 0) {
            return false;
        }
        int fsyncFlags = (flags & FLAG_DATASYNC) != 0 ? IORING_FSYNC_DATASYNC : 0;
        afterPrepare(ring.prepareFsync(fd, fsyncFlags, sqeFlags(flags), slot), slot, flags, userData, 0, 0);
        return true;
    }

    @Override
    public boolean preparePunch(int fileIndex, long offsetBytes, long lengthBytes, int flags, long userData) {
        int fd = fd(fileIndex);
        int slot = takeSlot(flags);
        if (slot < 0) {
            return false;
        }
        afterPrepare(ring.prepareFallocate(fd, LibcConstants.FALLOC_FL_PUNCH_HOLE | LibcConstants.FALLOC_FL_KEEP_SIZE,
            offsetBytes, lengthBytes, sqeFlags(flags), slot), slot, flags, userData, 0, 0);
        return true;
    }

    private int fd(int fileIndex) {
        if (fileIndex != DATA_FILE && fileIndex != METADATA_FILE) {
            throw new IllegalArgumentException("file index " + fileIndex);
        }
        return fds[fileIndex];
    }

    private static int sqeFlags(int flags) {
        return ((flags & FLAG_LINK) != 0 ? IOSQE_IO_LINK : 0) | ((flags & FLAG_DRAIN) != 0 ? IOSQE_IO_DRAIN : 0);
    }

    /** A free slot, or -1 when queueDepth operations are in flight. Disarms the wakeup read before a drain. */
    private int takeSlot(int flags) throws UncheckedIOException {
        if (closed) {
            throw new IllegalStateException("port is closed");
        }
        if (freeSlotCount == 0) {
            return -1;
        }
        if ((flags & FLAG_DRAIN) != 0 && wakeup.isArmed()) {
            try {
                wakeup.disarm();
            } catch (NativeIoException e) {
                throw new UncheckedIOException(e);
            }
        }
        int slot = freeSlots[--freeSlotCount];
        assert !slotInFlight[slot] : "slot " + slot + " free and in flight";
        return slot;
    }

    private void afterPrepare(boolean queued, int slot, int flags, long userData, long writeBytes, long readBytes) {
        // The ring holds queueDepth + 1 and the port never has more than queueDepth caller
        // operations plus the wakeup read outstanding.
        assert queued : "ring refused an operation the port had a slot for";
        slotInFlight[slot] = true;
        slotUserData[slot] = userData;
        linkOpen = (flags & FLAG_LINK) != 0;
        // Never inside a link chain: the kernel ends a chain at the end of a submission.
        if (!linkOpen && submitPolicy.submitAtOnce(writeBytes, readBytes, ring.unsubmittedCount())) {
            try {
                ring.submit();
            } catch (NativeIoException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    // ---- submit and reap --------------------------------------------------------------------

    @Override
    public int submitAndReap(int minCompletions, IoPort.CompletionSink sink) throws IOException {
        if (closed) {
            throw new IllegalStateException("port is closed");
        }
        if (minCompletions < 0) {
            throw new IllegalArgumentException("minCompletions " + minCompletions);
        }
        dispatcher.begin(sink);
        try {
            rearmWakeupIfNeeded();
            ring.reap(dispatcher);
            // Wait one completion at a time: the wakeup read's completion counts toward the kernel's
            // wait count, so only a wait for exactly one is guaranteed to end on a wakeup.
            while (dispatcher.delivered < minCompletions && !dispatcher.woken) {
                rearmWakeupIfNeeded(); // the read may have completed in the last reap
                if (!wakeup.park()) {
                    break; // a wakeup() came before we could park
                }
                try {
                    ring.submitAndWait(1);
                    linkOpen = false; // the kernel ends a link chain at the end of a submission
                } finally {
                    wakeup.unpark();
                }
                ring.reap(dispatcher);
            }
            if (ring.unsubmittedCount() > 0) {
                ring.submit();
                linkOpen = false;
                ring.reap(dispatcher);
            }
            return dispatcher.delivered;
        } finally {
            dispatcher.end();
        }
    }

    /** Re-arms the wakeup read at the tail, never inside a caller's open link chain. */
    private void rearmWakeupIfNeeded() throws NativeIoException {
        if (!wakeup.needsArming()) {
            return;
        }
        if (linkOpen) {
            // The caller's last operation asked to link to the next one, but is followed by a submit:
            // the kernel ends the chain at the end of a submission, so flush it before our read.
            ring.submit();
            linkOpen = false;
        }
        boolean queued = ring.prepareRead(wakeup.fd(), wakeup.counter(), 0, 0, WAKEUP_READ_TAG);
        assert queued : "the ring keeps a slot for the wakeup read";
        wakeup.onArmed();
    }

    /** Turns kernel tags back into caller user data; filters the port's own completions. */
    private final class Dispatcher implements dev.csum.uring.CompletionSink {
        IoPort.CompletionSink sink;
        int delivered;
        boolean woken;

        void begin(IoPort.CompletionSink callerSink) {
            sink = callerSink;
            delivered = 0;
            woken = false;
        }

        void end() {
            sink = null;
        }

        @Override
        public void onCompletion(long tag, int result) {
            if (tag >= 0 && tag < queueDepth) {
                int slot = (int) tag;
                assert slotInFlight[slot] : "completion for slot " + slot + " which is not in flight";
                slotInFlight[slot] = false;
                long userData = slotUserData[slot];
                // Free the slot first: the sink may prepare the next operation.
                freeSlots[freeSlotCount++] = slot;
                delivered++;
                sink.onCompletion(userData, result);
            } else if (tag == WAKEUP_READ_TAG) {
                // -ECANCELED: the kernel cancels a thread's pending poll-driven requests when that
                // thread exits, so a read armed by an earlier (now finished) caller thread ends so.
                if (result != Long.BYTES && result != -Errno.ECANCELED) {
                    throw new UncheckedIOException(new NativeIoException("read (wakeup eventfd)", null,
                            NativeIoException.NO_OFFSET, result));
                }
                woken |= wakeup.onReadCompleted(result == Long.BYTES);
            } else {
                throw new AssertionError("completion with unknown tag " + tag);
            }
        }
    }

    // ---- the rest of the port -----------------------------------------------------------------

    @Override
    public void wakeup() {
        wakeup.wakeup();
    }

    /** Times {@link #wakeup()} had to make a system call (tests). */
    long wakeupWriteCount() {
        return wakeup.writeCount();
    }

    @Override
    public int queueDepth() {
        return queueDepth;
    }

    @Override
    public int alignmentBytes() {
        return alignmentBytes;
    }

    @Override
    public long fileSizeBytes(int fileIndex) {
        fd(fileIndex);
        try {
            return (fileIndex == DATA_FILE ? dataFile : metadataFile).sizeBytes();
        } catch (NativeIoException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Caller operations prepared and not yet delivered. */
    public int inFlightCount() {
        return queueDepth - freeSlotCount;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        // The ring first: in-flight operations are abandoned before their files close.
        ring.close();
        for (AutoCloseable resource : new AutoCloseable[] {wakeup, metadataFile == dataFile ? null : metadataFile,
                dataFile}) {
            try {
                if (resource != null) {
                    resource.close();
                }
            } catch (Exception e) {
                if (failure == null) {
                    failure = e instanceof IOException io ? io : new IOException(e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
