package dev.csum.uring;

import static dev.csum.uring.IoUringConstants.IORING_OP_FALLOCATE;
import static dev.csum.uring.IoUringConstants.IORING_OP_FSYNC;
import static dev.csum.uring.IoUringConstants.IORING_OP_NOP;
import static dev.csum.uring.IoUringConstants.IORING_OP_READ;
import static dev.csum.uring.IoUringConstants.IORING_OP_READ_FIXED;
import static dev.csum.uring.IoUringConstants.IORING_OP_WRITE;
import static dev.csum.uring.IoUringConstants.IORING_OP_WRITE_FIXED;
import static dev.csum.uring.IoUringLayouts.*;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * An io_uring instance: prepare operations, submit them, reap completions in batches.
 *
 * <h2>Cost model</h2>
 * SQEs are taken and filled, and CQEs read, directly in the rings the kernel shares with us (the
 * pointers liburing stored in {@code struct io_uring}); what liburing's {@code static inline}
 * helpers ({@code io_uring_get_sqe}, {@code io_uring_prep_*}, {@code io_uring_cq_advance}) do is done
 * here in Java. The only downcall per batch is {@link #submit()} or {@link #submitAndWait(int)}.
 * Nothing on the prepare/reap path allocates.
 *
 * <h2>Capacity</h2>
 * At most {@link #queueDepth()} operations are <em>outstanding</em> at once: prepared and not yet
 * reaped. A {@code prepare*} call on a full ring returns false and queues nothing; reap completions
 * and try again. Because outstanding operations never exceed the SQ size and the CQ ring is twice
 * that, neither ring can overflow.
 *
 * <h2>Threading</h2>
 * Not thread-safe: one thread prepares, submits and reaps. {@link #close()} must not race with use.
 *
 * <h2>Buffers</h2>
 * Buffers are native segments that must stay alive and untouched until their operation's
 * completion is reaped. With {@code O_DIRECT}, address, length and offset must be multiples of the
 * file's {@link NativeFile#alignmentBytes()}; otherwise the operation completes with -EINVAL.
 */
public final class Ring implements AutoCloseable {

    /** Largest queue depth {@link #open} accepts. */
    public static final int QUEUE_DEPTH_MAX = 4096;

    // Plain int accessor with acquire/release modes; coordinates (MemorySegment, long offsetBytes).
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final Arena arena;
    private final MemorySegment ring;      // struct io_uring, owned by us, filled by liburing
    private final MemorySegment sqes;      // the SQE array, mmap'd from the kernel
    private final MemorySegment cqes;      // the CQE array inside the CQ ring mmap
    private final MemorySegment sqKhead;   // u32 the kernel advances as it consumes SQEs
    private final MemorySegment cqKhead;   // u32 we advance after reading CQEs
    private final MemorySegment cqKtail;   // u32 the kernel advances after writing CQEs
    private final int sqMask;
    private final int sqEntries;
    private final int cqMask;
    private final int cqEntries;
    private final int queueDepth;
    private final int features;

    private int sqeTail;            // next SQE to hand out; liburing's sq.sqe_tail, published before submit
    private int outstandingCount;   // prepared and not yet reaped; 0..queueDepth
    private long submittedTotal;    // SQEs the kernel accepted, ever
    private long reapedTotal;       // CQEs handed to sinks, ever
    private long preparedTotal;     // SQEs handed out, ever
    private boolean closed;

    private Ring(Arena arena, MemorySegment ring, int queueDepth) {
        this.arena = arena;
        this.ring = ring;
        this.queueDepth = queueDepth;
        this.features = ring.get(JAVA_INT, RING_FEATURES);
        this.sqMask = ring.get(JAVA_INT, RING_SQ_RING_MASK);
        this.sqEntries = ring.get(JAVA_INT, RING_SQ_RING_ENTRIES);
        this.cqMask = ring.get(JAVA_INT, RING_CQ_RING_MASK);
        this.cqEntries = ring.get(JAVA_INT, RING_CQ_RING_ENTRIES);
        check(Integer.bitCount(sqEntries) == 1 && sqMask == sqEntries - 1, "SQ entries are a power of two");
        check(Integer.bitCount(cqEntries) == 1 && cqMask == cqEntries - 1, "CQ entries are a power of two");
        check(queueDepth <= sqEntries, "queue depth fits the SQ ring");
        check(2L * queueDepth <= cqEntries, "CQ ring holds two queue depths (no overflow, see reap)");
        // Tie the kernel mappings to our arena: after close() an access throws instead of faulting.
        this.sqes = reinterpret(ring.get(ADDRESS, RING_SQ_SQES), sqEntries * IO_URING_SQE.byteSize());
        this.cqes = reinterpret(ring.get(ADDRESS, RING_CQ_CQES), cqEntries * IO_URING_CQE.byteSize());
        this.sqKhead = reinterpret(ring.get(ADDRESS, RING_SQ_KHEAD), JAVA_INT.byteSize());
        this.cqKhead = reinterpret(ring.get(ADDRESS, RING_CQ_KHEAD), JAVA_INT.byteSize());
        this.cqKtail = reinterpret(ring.get(ADDRESS, RING_CQ_KTAIL), JAVA_INT.byteSize());
        this.sqeTail = ring.get(JAVA_INT, RING_SQ_SQE_TAIL);
        check(sqeTail == ring.get(JAVA_INT, RING_SQ_SQE_HEAD), "no SQE pending at start");
        // We never write the SQ index array: liburing 2.3 fills it with the identity 0..n-1 at init
        // and its flush only moves *ktail, so SQ position p executes SQE slot p & mask. Verify that
        // once, since a liburing that did otherwise would make the kernel execute the wrong SQEs.
        MemorySegment sqArray = reinterpret(ring.get(ADDRESS, RING_SQ_ARRAY), sqEntries * JAVA_INT.byteSize());
        for (int index = 0; index < sqEntries; index++) {
            check(sqArray.getAtIndex(JAVA_INT, index) == index, "liburing initialised sq.array to the identity");
        }
    }

    /** Opens a ring for {@code queueDepth} outstanding operations with default setup flags. */
    public static Ring open(int queueDepth) throws NativeIoException {
        return open(queueDepth, 0);
    }

    /**
     * Opens a ring for {@code queueDepth} (1..{@value #QUEUE_DEPTH_MAX}) outstanding operations.
     *
     * @param setupFlags {@code IORING_SETUP_*} flags; {@code SQE128}/{@code CQE32} are refused.
     *     {@code SINGLE_ISSUER} ties the ring to the opening thread.
     * @throws IoUringUnavailableException when io_uring is refused to this process (EPERM: a seccomp
     *     filter or {@code kernel.io_uring_disabled}; ENOSYS: no io_uring in this kernel)
     * @throws NativeIoException when {@code io_uring_queue_init_params} fails otherwise (ENOMEM: raise
     *     {@code ulimit -l})
     * @throws IllegalStateException when liburing or native access is missing (the message says what to do)
     */
    public static Ring open(int queueDepth, int setupFlags) throws NativeIoException {
        NativeSupport.requireAvailable();
        if (queueDepth < 1 || queueDepth > QUEUE_DEPTH_MAX) {
            throw new IllegalArgumentException("queueDepth " + queueDepth + " not in 1.." + QUEUE_DEPTH_MAX);
        }
        if ((setupFlags & (IoUringConstants.IORING_SETUP_SQE128 | IoUringConstants.IORING_SETUP_CQE32)) != 0) {
            throw new IllegalArgumentException("SQE128/CQE32 rings are not supported");
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment ring = arena.allocate(IO_URING);
            MemorySegment params = arena.allocate(IO_URING_PARAMS);
            params.set(JAVA_INT, PARAMS_FLAGS, setupFlags);
            // The kernel rounds the SQ up to a power of two and makes the CQ twice as large.
            int result = LibUring.io_uring_queue_init_params(queueDepth, ring, params);
            String operation = "io_uring_queue_init_params(" + queueDepth + ")";
            if (IoUringUnavailableException.refusesIoUring(result)) {
                throw IoUringUnavailableException.of(operation, result);
            }
            NativeIoException.check(result, operation, null, NativeIoException.NO_OFFSET);
            try {
                return new Ring(arena, ring, queueDepth);
            } catch (RuntimeException | Error e) {
                LibUring.io_uring_queue_exit(ring);
                throw e;
            }
        } catch (NativeIoException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private MemorySegment reinterpret(MemorySegment pointer, long sizeBytes) {
        return pointer.reinterpret(sizeBytes, arena, null);
    }

    // ---- prepare ------------------------------------------------------------------------------

    /**
     * Prepares a read of {@code buffer.byteSize()} bytes at {@code offsetBytes} of {@code fd} into
     * {@code buffer}.
     *
     * @param sqeFlags {@link IoUringConstants#IOSQE_IO_LINK}, {@code IOSQE_IO_DRAIN},
     *     {@code IOSQE_FIXED_FILE} (then {@code fd} is a registered-file index), or 0
     * @return false when the ring is full (nothing was queued)
     */
    public boolean prepareRead(int fd, MemorySegment buffer, long offsetBytes, int sqeFlags, long userData) {
        return prepareReadWrite(IORING_OP_READ, fd, buffer, offsetBytes, sqeFlags, 0, 0, userData);
    }

    /**
     * Prepares a write of all of {@code buffer} at {@code offsetBytes} of {@code fd}.
     *
     * @param rwFlags {@link LibcConstants#RWF_DSYNC} for a write that is durable on completion, or 0
     * @return false when the ring is full (nothing was queued)
     */
    public boolean prepareWrite(int fd, MemorySegment buffer, long offsetBytes, int sqeFlags, int rwFlags,
                                long userData) {
        return prepareReadWrite(IORING_OP_WRITE, fd, buffer, offsetBytes, sqeFlags, rwFlags, 0, userData);
    }

    /**
     * Like {@link #prepareRead} into a buffer inside registered buffer {@code bufferIndex} (see
     * {@link #registerBuffers}): saves the kernel pinning the pages on every I/O.
     */
    public boolean prepareReadFixed(int fd, MemorySegment buffer, long offsetBytes, int bufferIndex, int sqeFlags,
                                    long userData) {
        return prepareReadWrite(IORING_OP_READ_FIXED, fd, buffer, offsetBytes, sqeFlags, 0, bufferIndex, userData);
    }

    /** Like {@link #prepareWrite} from a buffer inside registered buffer {@code bufferIndex}. */
    public boolean prepareWriteFixed(int fd, MemorySegment buffer, long offsetBytes, int bufferIndex, int sqeFlags,
                                     int rwFlags, long userData) {
        return prepareReadWrite(IORING_OP_WRITE_FIXED, fd, buffer, offsetBytes, sqeFlags, rwFlags, bufferIndex,
                userData);
    }

    /**
     * Prepares an fsync of {@code fd}.
     *
     * @param fsyncFlags {@link IoUringConstants#IORING_FSYNC_DATASYNC} for fdatasync semantics, or 0
     * @return false when the ring is full (nothing was queued)
     */
    public boolean prepareFsync(int fd, int fsyncFlags, int sqeFlags, long userData) {
        long sqe = nextSqe();
        if (sqe < 0) {
            return false;
        }
        fill(sqe, IORING_OP_FSYNC, sqeFlags, fd, 0, 0, 0, fsyncFlags, 0, userData);
        return true;
    }

    /**
     * Prepares {@code fallocate(fd, mode, offsetBytes, lengthBytes)} (completes with 0 or a negative errno).
     *
     * @return false when the ring is full (nothing was queued)
     */
    public boolean prepareFallocate(int fd, int mode, long offsetBytes, long lengthBytes, int sqeFlags, long userData) {
        long sqe = nextSqe();
        if (sqe < 0) {
            return false;
        }
        // As io_uring_prep_fallocate: the mode in len, the length in addr.
        fill(sqe, IORING_OP_FALLOCATE, sqeFlags, fd, offsetBytes, lengthBytes, mode, 0, 0, userData);
        return true;
    }

    /** Prepares an operation that does nothing and completes with 0 (ordering points, tests). */
    public boolean prepareNop(int sqeFlags, long userData) {
        long sqe = nextSqe();
        if (sqe < 0) {
            return false;
        }
        fill(sqe, IORING_OP_NOP, sqeFlags, -1, 0, 0, 0, 0, 0, userData);
        return true;
    }

    private boolean prepareReadWrite(byte opcode, int fd, MemorySegment buffer, long offsetBytes, int sqeFlags,
                                     int rwFlags, int bufferIndex, long userData) {
        long lengthBytes = buffer.byteSize();
        if (!buffer.isNative() || lengthBytes > Integer.MAX_VALUE) {
            // A heap segment has no stable address the kernel could write to.
            throw new IllegalArgumentException("buffer must be a native segment of at most 2 GiB: " + buffer);
        }
        long sqe = nextSqe();
        if (sqe < 0) {
            return false;
        }
        fill(sqe, opcode, sqeFlags, fd, offsetBytes, buffer.address(), (int) lengthBytes, rwFlags, bufferIndex,
                userData);
        return true;
    }

    /** Byte offset in {@link #sqes} of the next free SQE, or -1 when the ring is full. */
    private long nextSqe() {
        if (closed) {
            throw new IllegalStateException("ring is closed");
        }
        if (outstandingCount == queueDepth) {
            return -1;
        }
        // Without SQPOLL the kernel moves the SQ head only inside io_uring_enter on this thread, so
        // an opaque read is enough (liburing: IO_URING_READ_ONCE). At most queueDepth SQEs are
        // outstanding, so the slot at sqeTail is never one the kernel has yet to consume.
        int sqHead = (int) INT.getOpaque(sqKhead, 0L);
        assert sqeTail - sqHead < sqEntries : "SQ overrun: tail " + sqeTail + " head " + sqHead;
        long offset = (long) (sqeTail & sqMask) * IO_URING_SQE.byteSize();
        sqeTail++;
        outstandingCount++;
        preparedTotal++;
        return offset;
    }

    /** Fills every field of one SQE, as liburing's io_uring_prep_rw does (no stale bytes survive). */
    private void fill(long sqe, byte opcode, int sqeFlags, int fd, long offsetBytes, long address, int lengthBytes,
                      int opFlags, int bufferIndex, long userData) {
        assert (sqeFlags & ~0xff) == 0 : "SQE flags are one byte: " + sqeFlags;
        sqes.set(JAVA_BYTE, sqe + SQE_OPCODE, opcode);
        sqes.set(JAVA_BYTE, sqe + SQE_FLAGS, (byte) sqeFlags);
        sqes.set(JAVA_SHORT, sqe + SQE_IOPRIO, (short) 0);
        sqes.set(JAVA_INT, sqe + SQE_FD, fd);
        sqes.set(JAVA_LONG, sqe + SQE_OFF, offsetBytes);
        sqes.set(JAVA_LONG, sqe + SQE_ADDR, address);
        sqes.set(JAVA_INT, sqe + SQE_LEN, lengthBytes);
        sqes.set(JAVA_INT, sqe + SQE_RW_FLAGS, opFlags);
        sqes.set(JAVA_LONG, sqe + SQE_USER_DATA, userData);
        sqes.set(JAVA_SHORT, sqe + SQE_BUF_INDEX, (short) bufferIndex);
        sqes.set(JAVA_SHORT, sqe + SQE_PERSONALITY, (short) 0);
        sqes.set(JAVA_INT, sqe + SQE_FILE_INDEX, 0);
        sqes.set(JAVA_LONG, sqe + SQE_ADDR3, 0L);
        sqes.set(JAVA_LONG, sqe + SQE_PAD2, 0L);
    }

    // ---- submit -------------------------------------------------------------------------------

    /**
     * Sends every prepared SQE to the kernel without waiting. No system call when nothing is pending.
     *
     * @return the number of SQEs the kernel accepted
     * @throws NativeIoException when io_uring_enter fails (not when an operation fails)
     */
    public int submit() throws NativeIoException {
        publishSqeTail();
        int result = LibUring.io_uring_submit(ring);
        return afterSubmit(result, "io_uring_submit");
    }

    /**
     * Sends every prepared SQE and blocks until at least {@code waitCount} completions are ready to
     * reap (counting ones already ready). May return earlier when a signal interrupts the wait; the
     * caller reaps and decides. Never waits for more than are outstanding, which would block forever.
     *
     * @return the number of SQEs the kernel accepted
     * @throws IllegalArgumentException when {@code waitCount} exceeds {@link #outstandingCount()}
     */
    public int submitAndWait(int waitCount) throws NativeIoException {
        if (waitCount < 0 || waitCount > outstandingCount) {
            throw new IllegalArgumentException("waiting for " + waitCount + " completions with only "
                    + outstandingCount + " operations outstanding would block forever");
        }
        publishSqeTail();
        int result = LibUring.io_uring_submit_and_wait(ring, waitCount);
        return afterSubmit(result, "io_uring_submit_and_wait");
    }

    /**
     * Hands liburing our SQE tail. io_uring_submit* then stores it to the kernel's *ktail; the
     * io_uring_enter system call that follows orders our SQE stores before the kernel reads them
     * (liburing uses a plain WRITE_ONCE of *ktail without SQPOLL for that reason). This store is to
     * our own memory, read by liburing on this thread, so it needs no ordering of its own.
     */
    private void publishSqeTail() {
        if (closed) {
            throw new IllegalStateException("ring is closed");
        }
        ring.set(JAVA_INT, RING_SQ_SQE_TAIL, sqeTail);
    }

    private int afterSubmit(int result, String operation) throws NativeIoException {
        if (result == -Errno.EINTR) {
            return 0; // a signal ended the wait; anything flushed stays in the SQ for the next enter
        }
        NativeIoException.check(result, operation, null, NativeIoException.NO_OFFSET);
        submittedTotal += result;
        assert submittedTotal <= preparedTotal : "kernel consumed more SQEs than were prepared";
        return result;
    }

    // ---- reap ---------------------------------------------------------------------------------

    /** Hands every ready completion to {@code sink}; see {@link #reap(CompletionSink, int)}. */
    public int reap(CompletionSink sink) {
        return reap(sink, Integer.MAX_VALUE);
    }

    /**
     * Hands up to {@code maxCompletions} ready completions to {@code sink}, in CQ order, without
     * waiting, then advances the CQ head once for the whole batch. The sink may prepare new
     * operations (a completion frees its slot before the sink runs). If the sink throws, the
     * completions already delivered are consumed and the exception propagates.
     *
     * @return the number of completions delivered
     */
    public int reap(CompletionSink sink, int maxCompletions) {
        if (closed) {
            throw new IllegalStateException("ring is closed");
        }
        // We are the only writer of the CQ head, so a plain read sees our last store.
        int head = cqKhead.get(JAVA_INT, 0L);
        // Acquire pairs with the kernel's smp_store_release of cq.tail (io_commit_cqring): every
        // CQE below the tail we see is fully written before we read it.
        int tail = (int) INT.getAcquire(cqKtail, 0L);
        int ready = tail - head;
        assert ready >= 0 && ready <= cqEntries : "CQ indexes inconsistent: head " + head + " tail " + tail;
        assert ready <= outstandingCount : ready + " completions ready but only " + outstandingCount + " outstanding";
        int batch = Math.min(ready, maxCompletions);
        int delivered = 0;
        try {
            while (delivered < batch) {
                long cqe = (long) ((head + delivered) & cqMask) * IO_URING_CQE.byteSize();
                long userData = cqes.get(JAVA_LONG, cqe + CQE_USER_DATA);
                int result = cqes.get(JAVA_INT, cqe + CQE_RES);
                delivered++;
                outstandingCount--;
                sink.onCompletion(userData, result);
            }
        } finally {
            if (delivered > 0) {
                // Release pairs with the kernel's READ_ONCE of cq.head before it writes a CQE
                // (io_get_cqe): our reads of these CQEs happen before the kernel may reuse their slots.
                INT.setRelease(cqKhead, 0L, head + delivered);
                reapedTotal += delivered;
            }
        }
        return delivered;
    }

    /** Completions ready to reap now (acquire read of the CQ tail). */
    public int readyCount() {
        return (int) INT.getAcquire(cqKtail, 0L) - cqKhead.get(JAVA_INT, 0L);
    }

    // ---- registration ---------------------------------------------------------------------------

    /**
     * Registers {@code buffers} as fixed buffers 0..n-1 for {@link #prepareReadFixed} and
     * {@link #prepareWriteFixed}: the kernel pins them once instead of per I/O. The buffers must stay
     * alive until the ring is closed. Pinned memory counts against {@code RLIMIT_MEMLOCK}.
     */
    public void registerBuffers(MemorySegment... buffers) throws NativeIoException {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment iovecs = scratch.allocate(LibcLayouts.IOVEC, buffers.length);
            for (int index = 0; index < buffers.length; index++) {
                long iovec = index * LibcLayouts.IOVEC.byteSize();
                iovecs.set(ADDRESS, iovec + LibcLayouts.IOVEC_BASE, buffers[index]);
                iovecs.set(JAVA_LONG, iovec + LibcLayouts.IOVEC_LEN, buffers[index].byteSize());
            }
            int result = LibUring.io_uring_register_buffers(ring, iovecs, buffers.length);
            NativeIoException.check(result, "io_uring_register_buffers", null, NativeIoException.NO_OFFSET);
        }
    }

    /**
     * Registers {@code fds} as fixed files 0..n-1: with {@link IoUringConstants#IOSQE_FIXED_FILE} an
     * SQE's fd is then an index into this table, which saves a file-table lookup per I/O.
     */
    public void registerFiles(int... fds) throws NativeIoException {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment table = scratch.allocateFrom(JAVA_INT, fds);
            int result = LibUring.io_uring_register_files(ring, table, fds.length);
            NativeIoException.check(result, "io_uring_register_files", null, NativeIoException.NO_OFFSET);
        }
    }

    // ---- state ----------------------------------------------------------------------------------

    /** The most operations outstanding (prepared and not reaped) at once. */
    public int queueDepth() {
        return queueDepth;
    }

    /** Operations prepared and not yet reaped. */
    public int outstandingCount() {
        return outstandingCount;
    }

    /** Operations prepared and not yet accepted by the kernel. */
    public int unsubmittedCount() {
        return (int) (preparedTotal - submittedTotal);
    }

    /** Slots in the kernel's SQ ring (a power of two, at least {@link #queueDepth()}). */
    public int sqEntries() {
        return sqEntries;
    }

    /** Slots in the kernel's CQ ring. */
    public int cqEntries() {
        return cqEntries;
    }

    /** The kernel's {@code IORING_FEAT_*} bits. */
    public int features() {
        return features;
    }

    /** Completions handed to sinks since the ring was opened. */
    public long reapedTotal() {
        return reapedTotal;
    }

    /** Unmaps the rings and closes the ring fd. Outstanding operations are abandoned. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LibUring.io_uring_queue_exit(ring);
        arena.close();
    }

    private static void check(boolean condition, String invariant) {
        if (!condition) {
            throw new IllegalStateException("io_uring set-up invariant violated: " + invariant);
        }
    }
}
