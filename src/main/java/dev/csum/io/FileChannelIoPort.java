package dev.csum.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The portable {@link IoPort}: positional {@link java.nio.channels.FileChannel} I/O on a small pool
 * of platform threads, for where io_uring is refused (a container's default seccomp profile, the
 * {@code kernel.io_uring_disabled} sysctl, an old kernel). Same contract as {@link UringIoPort}:
 * threading, alignment, links and drains, negative errno results.
 *
 * <h2>Direct I/O</h2>
 * Files are opened {@code O_DIRECT} ({@code ExtendedOpenOption.DIRECT}) when the JDK's direct-I/O
 * unit fits the caller's I/O unit ({@code ioUnitBytes}: the volume's block size, which every offset
 * and length the engine uses is a multiple of). The JDK holds direct I/O to the file system's
 * {@code f_frsize} (4096 on ext4 and xfs, also for block devices) instead of the device's logical
 * sector, so a volume of 512-byte blocks there is served through the page cache instead
 * ({@link #isDirect()} false; {@link #alignmentBytes()} 512). The page cache then is a volatile write
 * cache like the device's own: a completed write is visible to reads and durable after an fsync or
 * with {@link #FLAG_DSYNC}, as the engine assumes; reads verify what the page cache holds.
 *
 * <h2>Threads and the handoff</h2>
 * The event-loop thread prepares each operation into a preallocated slot ({@link PortableSlots})
 * and hands each <em>chain</em> (an operation and those linked after it) to the workers
 * ({@link ChannelWorkers}) by its head's slot number, as soon as the chain's last operation is
 * prepared (as UringIoPort's eager submission does). A worker runs a chain's operations one after
 * another and hands each slot back as it completes; {@link #submitAndReap} takes every completed
 * slot at once, frees each before calling the sink with it, and waits when it must. Per operation
 * nothing is allocated but the {@code ByteBuffer} view a {@code FileChannel} needs.
 *
 * <p>Workers: {@code min(queueDepth, }{@value #THREADS_PROPERTY}{@code )} platform daemon threads,
 * default {@value #THREADS_DEFAULT} (docs/PERFORMANCE.md has the measurements), started at open and
 * stopped at close. Buffers are accessed by the workers: they must be in a shared or global arena (a
 * confined one completes with {@code -EFAULT}).
 *
 * <h2>Links and drains (io_uring semantics)</h2>
 * A chain ends at an operation without {@link #FLAG_LINK} or at the end of a submission (the next
 * {@code submitAndReap}). One worker runs a chain in order, so a linked operation starts only after
 * its predecessor completed in full (all its bytes, or 0 for an fsync); after a failure or a short
 * transfer every later operation of the chain completes with {@code -ECANCELED} without running. A
 * chain with {@link #FLAG_DRAIN} on any operation (io_uring moves the flag to the chain's head)
 * starts only after every operation handed out before it was reaped, and no later chain starts
 * before the drained chain was reaped.
 *
 * <h2>Errors</h2>
 * As with io_uring, a bad request is accepted and completes with a negative errno: {@code -EINVAL}
 * for unknown flags or an offset, length or buffer address not a multiple of {@link #alignmentBytes()};
 * {@code -EFAULT} for a heap buffer, a read-only buffer to read into, or a buffer the workers cannot
 * access; {@code -EBADF} for a write on a read-only port. A failed I/O completes with the errno of the
 * JDK's {@code IOException} ({@code -EIO} when not known, see {@link PortableFile#negativeErrno}). A
 * read at the end of the file is short, as with {@code pread}. A bad file index or a closed port is
 * an exception from {@code prepare*}, as with UringIoPort.
 *
 * <h2>Wakeup</h2>
 * The loop waits on a monitor the workers notify when they hand back a completion; {@link #wakeup()}
 * notifies it only when the loop is waiting or about to (see {@link ChannelWorkers}), so waking a
 * busy loop costs one atomic operation.
 */
public final class FileChannelIoPort implements IoPort {

    /** System property: the most worker threads a port starts (default {@value #THREADS_DEFAULT}). */
    public static final String THREADS_PROPERTY = "csum.portable.threads";
    /** Worker threads by default, capped by the queue depth (docs/PERFORMANCE.md, "Portable I/O port"). */
    static final int THREADS_DEFAULT = 16;
    /** Largest queue depth {@link #open} accepts (the volume's limit). */
    public static final int QUEUE_DEPTH_MAX = 4096;
    /** {@link #alignmentBytes()} when the files are not opened {@code O_DIRECT}: the sector, as for io_uring. */
    static final int PAGE_CACHE_ALIGNMENT_BYTES = 512;
    static final int FLAGS_KNOWN = FLAG_LINK | FLAG_DRAIN | FLAG_DSYNC | FLAG_DATASYNC;
    /** How long {@link #close()} waits for the workers to finish the operation each is in. */
    private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final PortableFile[] files;     // by file index; both the same file when metadata is interleaved
    private final int queueDepth;
    private final int alignmentBytes;
    private final int directAlignmentBytes;
    private final boolean direct;
    private final PortableSlots slots;
    private final ChannelWorkers workers;

    // Event-loop thread only.
    private final int[] freeSlots;          // stack: freeSlots[0 .. freeSlotCount) are free
    private int freeSlotCount;
    private int chainHead = PortableSlots.NONE;  // the chain being prepared (its last operation had FLAG_LINK)
    private int chainTail = PortableSlots.NONE;
    private final IntFifo heldChains;       // chain heads held back by a drain, in order
    private int handedOutCount;             // operations given to the workers and not yet reaped
    private boolean drainRunning;           // the operations handed out are a drained chain
    private final int[] taken;              // completions taken from the workers, not yet delivered
    private int takenNext;
    private int takenCount;
    private boolean closed;

    private FileChannelIoPort(PortableFile dataFile, PortableFile metadataFile, int queueDepth, boolean readOnly,
                              boolean direct, int directAlignmentBytes, int threadCount) {
        this.files = new PortableFile[] {dataFile, metadataFile};
        this.queueDepth = queueDepth;
        this.direct = direct;
        this.directAlignmentBytes = directAlignmentBytes;
        this.alignmentBytes = direct ? directAlignmentBytes : PAGE_CACHE_ALIGNMENT_BYTES;
        this.slots = new PortableSlots(queueDepth);
        this.freeSlots = new int[queueDepth];
        for (int slot = 0; slot < queueDepth; slot++) {
            freeSlots[slot] = queueDepth - 1 - slot;
        }
        this.freeSlotCount = queueDepth;
        this.heldChains = new IntFifo(queueDepth);
        this.taken = new int[queueDepth];
        this.workers = new ChannelWorkers(slots, files, alignmentBytes, readOnly, threadCount,
                String.valueOf(dataFile.path().getFileName()));
    }

    /**
     * Opens the data file (and the metadata file, when given) for positional I/O, {@code O_DIRECT}
     * when the JDK's direct-I/O unit divides {@code ioUnitBytes}, and starts the workers.
     *
     * @param metadataOrNull a separate metadata device, or null when metadata lives in the data file
     * @param queueDepth     the most operations prepared and not yet reaped, 1..{@value #QUEUE_DEPTH_MAX}
     * @param readOnly       open for reading only; writes then complete with {@code -EBADF}
     * @param ioUnitBytes    every offset and length will be a multiple of it (a power of two, at least
     *                       512: the volume's block size)
     * @throws IOException naming the file that could not be opened and why
     */
    public static FileChannelIoPort open(Path data, Path metadataOrNull, int queueDepth, boolean readOnly,
                                         int ioUnitBytes) throws IOException {
        if (queueDepth < 1 || queueDepth > QUEUE_DEPTH_MAX) {
            throw new IllegalArgumentException("queueDepth " + queueDepth + " not in 1.." + QUEUE_DEPTH_MAX);
        }
        if (ioUnitBytes < PAGE_CACHE_ALIGNMENT_BYTES || Integer.bitCount(ioUnitBytes) != 1) {
            throw new IllegalArgumentException("ioUnitBytes must be a power of two >= 512, was " + ioUnitBytes);
        }
        int directAlignmentBytes = PortableFile.directAlignmentBytes(data);
        if (metadataOrNull != null) {
            directAlignmentBytes = Math.max(directAlignmentBytes, PortableFile.directAlignmentBytes(metadataOrNull));
        }
        boolean direct = directAlignmentBytes <= ioUnitBytes; // both powers of two: it divides
        PortableFile dataFile = null;
        PortableFile metadataFile = null;
        try {
            dataFile = PortableFile.open(data, readOnly, direct);
            metadataFile = metadataOrNull == null ? dataFile : PortableFile.open(metadataOrNull, readOnly, direct);
            int threadCount = Math.min(queueDepth, Math.max(1, Integer.getInteger(THREADS_PROPERTY, THREADS_DEFAULT)));
            return new FileChannelIoPort(dataFile, metadataFile, queueDepth, readOnly, direct, directAlignmentBytes,
                    threadCount);
        } catch (IOException | RuntimeException | Error failure) {
            for (PortableFile file : new PortableFile[] {metadataFile == dataFile ? null : metadataFile, dataFile}) {
                if (file != null) {
                    try {
                        file.close();
                    } catch (IOException suppressed) {
                        failure.addSuppressed(suppressed);
                    }
                }
            }
            throw failure;
        }
    }

    // ---- prepare (event-loop thread) -------------------------------------------------------------

    @Override
    public boolean prepareRead(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        return prepare(PortableSlots.READ, fileIndex, offsetBytes, Objects.requireNonNull(buffer, "buffer"), flags,
                userData);
    }

    @Override
    public boolean prepareWrite(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        return prepare(PortableSlots.WRITE, fileIndex, offsetBytes, Objects.requireNonNull(buffer, "buffer"), flags,
                userData);
    }

    @Override
    public boolean prepareFsync(int fileIndex, int flags, long userData) {
        return prepare(PortableSlots.FSYNC, fileIndex, 0, null, flags, userData);
    }

    @Override
    public boolean preparePunch(int fileIndex, long offsetBytes, long lengthBytes, int flags, long userData) {
        return prepare(PortableSlots.PUNCH, fileIndex, offsetBytes, null, lengthBytes, flags, userData);
    }

    /** Fills a free slot and appends it to the chain being prepared; hands the chain out when it ends. */
    private boolean prepare(byte opcode, int fileIndex, long offsetBytes, MemorySegment buffer, int flags,
                            long userData) {
        return prepare(opcode, fileIndex, offsetBytes, buffer, 0, flags, userData);
    }

    private boolean prepare(byte opcode, int fileIndex, long offsetBytes, MemorySegment buffer, long punchBytes,
                            int flags, long userData) {
        checkOpen();
        checkFileIndex(fileIndex);
        if (freeSlotCount == 0) {
            return false;
        }
        int slot = freeSlots[--freeSlotCount];
        slots.opcode[slot] = opcode;
        slots.fileIndex[slot] = fileIndex;
        slots.offsetBytes[slot] = offsetBytes;
        slots.buffer[slot] = buffer;
        slots.punchBytes[slot] = punchBytes;
        slots.flags[slot] = flags;
        slots.userData[slot] = userData;
        slots.next[slot] = PortableSlots.NONE;
        if (chainHead == PortableSlots.NONE) {
            chainHead = slot;
            slots.chainLength[slot] = 1;
        } else {
            slots.next[chainTail] = slot;
            slots.chainLength[chainHead]++;
            slots.flags[chainHead] |= flags & FLAG_DRAIN; // io_uring drains a chain from its head
        }
        chainTail = slot;
        if ((flags & FLAG_LINK) == 0) {
            endChain();
        }
        return true;
    }

    /** Ends the chain being prepared: hands it to the workers, or holds it behind a drain. */
    private void endChain() {
        if (chainHead == PortableSlots.NONE) {
            return;
        }
        int head = chainHead;
        chainHead = PortableSlots.NONE;
        chainTail = PortableSlots.NONE;
        if (heldChains.isEmpty() && mayStart(head)) {
            start(head);
        } else {
            heldChains.add(head);
        }
    }

    private boolean mayStart(int head) {
        return !drainRunning && ((slots.flags[head] & FLAG_DRAIN) == 0 || handedOutCount == 0);
    }

    private void start(int head) {
        handedOutCount += slots.chainLength[head];
        assert handedOutCount <= queueDepth : handedOutCount + " operations handed out, depth " + queueDepth;
        if ((slots.flags[head] & FLAG_DRAIN) != 0) {
            assert handedOutCount == slots.chainLength[head] : "a drained chain starts alone";
            drainRunning = true;
        }
        workers.run(head);
    }

    private void startHeldChains() {
        while (!heldChains.isEmpty() && mayStart(heldChains.peek())) {
            start(heldChains.poll());
        }
    }

    // ---- submit and reap (event-loop thread) -----------------------------------------------------

    @Override
    public int submitAndReap(int minCompletions, CompletionSink sink) throws IOException {
        checkOpen();
        if (minCompletions < 0) {
            throw new IllegalArgumentException("minCompletions " + minCompletions);
        }
        endChain(); // the end of a submission ends a link chain, as in io_uring
        int delivered = deliverTaken(sink); // left by a sink that threw
        while (delivered < minCompletions && take(true)) {
            delivered += deliverTaken(sink);
        }
        if (take(false)) {
            delivered += deliverTaken(sink);
        }
        return delivered;
    }

    private boolean take(boolean wait) {
        assert takenNext == takenCount : "completions taken and not delivered";
        takenCount = workers.takeCompletions(taken, wait);
        takenNext = 0;
        return takenCount > 0;
    }

    /** Frees each taken slot, starts chains a drain held back, and calls the sink. Returns how many. */
    private int deliverTaken(CompletionSink sink) {
        int delivered = 0;
        while (takenNext < takenCount) {
            int slot = taken[takenNext++];
            long userData = slots.userData[slot];
            int result = slots.result[slot];
            slots.buffer[slot] = null;
            // Free the slot first: the sink may prepare the next operation.
            freeSlots[freeSlotCount++] = slot;
            handedOutCount--;
            assert handedOutCount >= 0 : "more completions than operations handed out";
            if (drainRunning && handedOutCount == 0) {
                drainRunning = false;
            }
            startHeldChains();
            delivered++;
            sink.onCompletion(userData, result);
        }
        return delivered;
    }

    @Override
    public void wakeup() {
        workers.wakeup();
    }

    // ---- the rest of the port --------------------------------------------------------------------

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("port is closed");
        }
    }

    private static void checkFileIndex(int fileIndex) {
        if (fileIndex != DATA_FILE && fileIndex != METADATA_FILE) {
            throw new IllegalArgumentException("file index " + fileIndex);
        }
    }

    @Override
    public int queueDepth() {
        return queueDepth;
    }

    @Override
    public int alignmentBytes() {
        return alignmentBytes;
    }

    /** True when the files are open {@code O_DIRECT}; false when I/O goes through the page cache (see the class doc). */
    public boolean isDirect() {
        return direct;
    }

    /** The unit the JDK holds direct I/O on these files to (the file system's {@code f_frsize}). */
    public int directAlignmentBytes() {
        return directAlignmentBytes;
    }

    /** How many worker threads run the operations. */
    public int threadCount() {
        return workers.threadCount();
    }

    /** Worker threads still running (tests: none after {@link #close()}). */
    int liveWorkerCount() {
        return workers.liveCount();
    }

    /** Operations prepared and not yet delivered. */
    public int inFlightCount() {
        return queueDepth - freeSlotCount;
    }

    @Override
    public long fileSizeBytes(int fileIndex) {
        checkFileIndex(fileIndex);
        try {
            return files[fileIndex].sizeBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stops the workers, closes the files (an operation in progress finishes first: the JDK waits
     * for it), and waits up to 10 s for the workers to end, so that no worker touches a buffer after
     * close returns. Operations not yet started are abandoned.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        workers.stop();
        IOException failure = null;
        for (PortableFile file : new PortableFile[] {files[METADATA_FILE] == files[DATA_FILE] ? null
                : files[METADATA_FILE], files[DATA_FILE]}) {
            try {
                if (file != null) {
                    file.close();
                }
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        workers.awaitStopped(CLOSE_WAIT_NANOS);
        if (failure != null) {
            throw failure;
        }
    }
}
