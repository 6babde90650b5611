package dev.csum.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The port through which the engine does all device I/O: asynchronous reads, writes and fsyncs
 * against a small set of open files, with io_uring's link and drain semantics, completed through a
 * {@link CompletionSink}.
 *
 * <p>Three implementations exist: {@code UringIoPort} (production: io_uring over {@code O_DIRECT}
 * files), {@code FileChannelIoPort} (production where io_uring is refused: positional
 * {@code FileChannel} I/O on a few threads) and {@code SimulatedDisk} (tests and {@code csum torture}:
 * deterministic, in memory, with fault injection).
 *
 * <h2>Files</h2>
 * Files are addressed by a small index fixed when the port is created: {@link #DATA_FILE} is the
 * data device, {@link #METADATA_FILE} the metadata device. When a volume keeps its metadata
 * interleaved with its data, both indexes name the same file.
 *
 * <h2>Threading</h2>
 * A port is <em>single-threaded</em>: one thread (the engine's event loop) calls every method except
 * {@link #wakeup()}, which any thread may call.
 *
 * <h2>Buffers and alignment</h2>
 * Buffers are native segments. Offsets, lengths and buffer addresses must be multiples of
 * {@link #alignmentBytes()}; a violation completes with {@code -EINVAL} (it never crashes the JVM).
 * A buffer must stay valid and unmodified until its operation completes, and be accessible from any
 * thread (a shared or global arena: the portable port's threads do the I/O).
 *
 * <h2>Ordering</h2>
 * Without flags, operations may complete in any order. {@link #FLAG_LINK} makes the next prepared
 * operation start only after this one completed successfully (if this one fails, the next completes
 * with {@code -ECANCELED}). {@link #FLAG_DRAIN} makes this operation start only after every
 * previously prepared operation completed.
 */
public interface IoPort extends AutoCloseable {

    /** File index of the data device. */
    int DATA_FILE = 0;
    /** File index of the metadata device (the data device itself when metadata is interleaved). */
    int METADATA_FILE = 1;

    /** The next prepared operation starts only after this one succeeds ({@code IOSQE_IO_LINK}). */
    int FLAG_LINK = 1;
    /** This operation starts only after all previously prepared ones complete ({@code IOSQE_IO_DRAIN}). */
    int FLAG_DRAIN = 1 << 1;
    /** For writes: the write is durable when it completes ({@code RWF_DSYNC}). */
    int FLAG_DSYNC = 1 << 2;
    /** For fsync: flush data only, not all metadata ({@code IORING_FSYNC_DATASYNC}, like fdatasync). */
    int FLAG_DATASYNC = 1 << 3;

    /**
     * Prepares a read of {@code buffer.byteSize()} bytes at {@code offsetBytes} of file {@code fileIndex}
     * into {@code buffer}. It is sent to the device by the next {@link #submitAndReap}.
     *
     * @return false when the submission queue is full: reap completions and try again (nothing was queued)
     */
    boolean prepareRead(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData);

    /**
     * Prepares a write of all of {@code buffer} at {@code offsetBytes} of file {@code fileIndex}.
     *
     * @return false when the submission queue is full (nothing was queued)
     */
    boolean prepareWrite(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData);

    /**
     * Prepares an fsync of file {@code fileIndex} ({@link #FLAG_DATASYNC} for fdatasync semantics).
     *
     * @return false when the submission queue is full (nothing was queued)
     */
    boolean prepareFsync(int fileIndex, int flags, long userData);

    /**
     * Prepares a punch of {@code [offsetBytes, offsetBytes + lengthBytes)} of file {@code fileIndex}:
     * afterwards the range reads as zeros and a regular file no longer allocates it
     * ({@code fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)}; on a block device the device's
     * own zeroing, refused with {@code -EOPNOTSUPP} where it cannot). Completes with 0 or a negative
     * errno. Like a write, it is durable only after a later fsync of the file completed. Offset and
     * length are multiples of {@link #alignmentBytes()}.
     *
     * @return false when the submission queue is full (nothing was queued)
     */
    boolean preparePunch(int fileIndex, long offsetBytes, long lengthBytes, int flags, long userData);

    /**
     * Sends every prepared operation to the device, waits until at least {@code minCompletions}
     * completions are available (0: do not wait), then hands every available completion to
     * {@code sink}, in completion order, on the calling thread.
     *
     * <p>A wait also ends early, with fewer completions, when another thread calls {@link #wakeup()}.
     * The sink must not call back into this port except to prepare new operations.
     *
     * @return the number of completions delivered
     * @throws IOException when the submission itself fails (not when an operation fails: that is a
     *     negative result delivered to the sink)
     */
    int submitAndReap(int minCompletions, CompletionSink sink) throws IOException;

    /** Makes a {@link #submitAndReap} that is waiting, or the next one to wait, return promptly. Any thread. */
    void wakeup();

    /** The largest number of operations that may be in flight at once. */
    int queueDepth();

    /** Required alignment in bytes of buffer addresses, file offsets and lengths. */
    int alignmentBytes();

    /**
     * Names the long-lived regions most buffers handed to this port come from (the engine's buffer
     * arena and imd cache), so a port may register them with the kernel once. They must stay
     * allocated until the port is closed. Optional: the default does nothing, and a port that cannot
     * register them goes on without.
     */
    default void registerBuffers(MemorySegment... regions) {
    }

    /** Size in bytes of file {@code fileIndex}. */
    long fileSizeBytes(int fileIndex);

    /** Closes the files and releases the ring. Operations still in flight are abandoned. */
    @Override
    void close() throws IOException;

    /** Receives completions; called on the thread that called {@link #submitAndReap}. */
    @FunctionalInterface
    interface CompletionSink {
        /**
         * @param userData the value given when the operation was prepared
         * @param result bytes transferred (reads, writes), 0 (fsync), or a negative errno
         */
        void onCompletion(long userData, int result);
    }
}
