package dev.csum.uring;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * The io_uring structs the binding touches, as jextract would lay them out for
 * {@code native-headers/csum_liburing.h} (x86_64, native byte order, natural alignment). Member
 * names are the C names, so {@code LayoutAgainstSystemHeaderTest} can check every one of them with
 * {@code offsetof}/{@code sizeof} against the system {@code <liburing.h>}.
 *
 * <pre>
 * struct io_uring_sqe (64 bytes)                 struct io_uring_cqe (16 bytes)
 *  0       1       2               4              0                               8
 *  +-------+-------+---------------+--------------+  +-------------------------------+
 *  |opcode | flags |    ioprio     |      fd      |  |           user_data           |
 *  +-------+-------+---------------+--------------+  +---------------+---------------+
 *  8  off (file offset, bytes)                    |  |  res (int)    | flags         |
 * 16  addr (buffer address)                       |  +---------------+---------------+
 * 24  len (bytes)          | 28 rw_flags / fsync_flags
 * 32  user_data                                   |
 * 40  buf_index | personality | 44 file_index     |
 * 48  addr3                  | 56 __pad2          |
 * </pre>
 *
 * Unions of the C struct are represented by the one member the binding uses ({@code off},
 * {@code addr}, {@code rw_flags} which is also {@code fsync_flags}, {@code buf_index},
 * {@code file_index}); their sizes are equal, so offsets are unchanged.
 */
public final class IoUringLayouts {

    /** {@code struct io_uring_sqe}: one submission. */
    public static final StructLayout IO_URING_SQE = MemoryLayout.structLayout(
            JAVA_BYTE.withName("opcode"),
            JAVA_BYTE.withName("flags"),
            JAVA_SHORT.withName("ioprio"),
            JAVA_INT.withName("fd"),
            JAVA_LONG.withName("off"),
            JAVA_LONG.withName("addr"),
            JAVA_INT.withName("len"),
            JAVA_INT.withName("rw_flags"),
            JAVA_LONG.withName("user_data"),
            JAVA_SHORT.withName("buf_index"),
            JAVA_SHORT.withName("personality"),
            JAVA_INT.withName("file_index"),
            JAVA_LONG.withName("addr3"),
            MemoryLayout.sequenceLayout(1, JAVA_LONG).withName("__pad2")
    ).withName("io_uring_sqe");

    /** {@code struct io_uring_cqe}: one completion (without IORING_SETUP_CQE32). */
    public static final StructLayout IO_URING_CQE = MemoryLayout.structLayout(
            JAVA_LONG.withName("user_data"),
            JAVA_INT.withName("res"),
            JAVA_INT.withName("flags")
    ).withName("io_uring_cqe");

    /** {@code struct io_sqring_offsets}: where the SQ ring's fields live in its mmap. */
    public static final StructLayout IO_SQRING_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"), JAVA_INT.withName("tail"),
            JAVA_INT.withName("ring_mask"), JAVA_INT.withName("ring_entries"),
            JAVA_INT.withName("flags"), JAVA_INT.withName("dropped"),
            JAVA_INT.withName("array"), JAVA_INT.withName("resv1"),
            JAVA_LONG.withName("resv2")
    ).withName("io_sqring_offsets");

    /** {@code struct io_cqring_offsets}: where the CQ ring's fields live in its mmap. */
    public static final StructLayout IO_CQRING_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"), JAVA_INT.withName("tail"),
            JAVA_INT.withName("ring_mask"), JAVA_INT.withName("ring_entries"),
            JAVA_INT.withName("overflow"), JAVA_INT.withName("cqes"),
            JAVA_INT.withName("flags"), JAVA_INT.withName("resv1"),
            JAVA_LONG.withName("resv2")
    ).withName("io_cqring_offsets");

    /** {@code struct io_uring_params}: setup flags in, ring geometry and features out. */
    public static final StructLayout IO_URING_PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("sq_entries"),
            JAVA_INT.withName("cq_entries"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("sq_thread_cpu"),
            JAVA_INT.withName("sq_thread_idle"),
            JAVA_INT.withName("features"),
            JAVA_INT.withName("wq_fd"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("resv"),
            IO_SQRING_OFFSETS.withName("sq_off"),
            IO_CQRING_OFFSETS.withName("cq_off")
    ).withName("io_uring_params");

    /** {@code struct io_uring_sq}: liburing's view of the submission ring. */
    public static final StructLayout IO_URING_SQ = MemoryLayout.structLayout(
            ADDRESS.withName("khead"),
            ADDRESS.withName("ktail"),
            ADDRESS.withName("kring_mask"),
            ADDRESS.withName("kring_entries"),
            ADDRESS.withName("kflags"),
            ADDRESS.withName("kdropped"),
            ADDRESS.withName("array"),
            ADDRESS.withName("sqes"),
            JAVA_INT.withName("sqe_head"),
            JAVA_INT.withName("sqe_tail"),
            JAVA_LONG.withName("ring_sz"),
            ADDRESS.withName("ring_ptr"),
            JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"),
            MemoryLayout.sequenceLayout(2, JAVA_INT).withName("pad")
    ).withName("io_uring_sq");

    /** {@code struct io_uring_cq}: liburing's view of the completion ring. */
    public static final StructLayout IO_URING_CQ = MemoryLayout.structLayout(
            ADDRESS.withName("khead"),
            ADDRESS.withName("ktail"),
            ADDRESS.withName("kring_mask"),
            ADDRESS.withName("kring_entries"),
            ADDRESS.withName("kflags"),
            ADDRESS.withName("koverflow"),
            ADDRESS.withName("cqes"),
            JAVA_LONG.withName("ring_sz"),
            ADDRESS.withName("ring_ptr"),
            JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"),
            MemoryLayout.sequenceLayout(2, JAVA_INT).withName("pad")
    ).withName("io_uring_cq");

    /** {@code struct io_uring}: the ring handle liburing's functions take. */
    public static final StructLayout IO_URING = MemoryLayout.structLayout(
            IO_URING_SQ.withName("sq"),
            IO_URING_CQ.withName("cq"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("ring_fd"),
            JAVA_INT.withName("features"),
            JAVA_INT.withName("enter_ring_fd"),
            JAVA_BYTE.withName("int_flags"),
            MemoryLayout.sequenceLayout(3, JAVA_BYTE).withName("pad"),
            JAVA_INT.withName("pad2")
    ).withName("io_uring");

    // SQE field offsets, in bytes from the start of an SQE.
    public static final long SQE_OPCODE = IO_URING_SQE.byteOffset(groupElement("opcode"));
    public static final long SQE_FLAGS = IO_URING_SQE.byteOffset(groupElement("flags"));
    public static final long SQE_IOPRIO = IO_URING_SQE.byteOffset(groupElement("ioprio"));
    public static final long SQE_FD = IO_URING_SQE.byteOffset(groupElement("fd"));
    public static final long SQE_OFF = IO_URING_SQE.byteOffset(groupElement("off"));
    public static final long SQE_ADDR = IO_URING_SQE.byteOffset(groupElement("addr"));
    public static final long SQE_LEN = IO_URING_SQE.byteOffset(groupElement("len"));
    public static final long SQE_RW_FLAGS = IO_URING_SQE.byteOffset(groupElement("rw_flags"));
    public static final long SQE_USER_DATA = IO_URING_SQE.byteOffset(groupElement("user_data"));
    public static final long SQE_BUF_INDEX = IO_URING_SQE.byteOffset(groupElement("buf_index"));
    public static final long SQE_PERSONALITY = IO_URING_SQE.byteOffset(groupElement("personality"));
    public static final long SQE_FILE_INDEX = IO_URING_SQE.byteOffset(groupElement("file_index"));
    public static final long SQE_ADDR3 = IO_URING_SQE.byteOffset(groupElement("addr3"));
    public static final long SQE_PAD2 = IO_URING_SQE.byteOffset(groupElement("__pad2"));

    // CQE field offsets.
    public static final long CQE_USER_DATA = IO_URING_CQE.byteOffset(groupElement("user_data"));
    public static final long CQE_RES = IO_URING_CQE.byteOffset(groupElement("res"));
    public static final long CQE_FLAGS = IO_URING_CQE.byteOffset(groupElement("flags"));

    // struct io_uring field offsets.
    public static final long RING_SQ_KHEAD = IO_URING.byteOffset(groupElement("sq"), groupElement("khead"));
    public static final long RING_SQ_KTAIL = IO_URING.byteOffset(groupElement("sq"), groupElement("ktail"));
    public static final long RING_SQ_ARRAY = IO_URING.byteOffset(groupElement("sq"), groupElement("array"));
    public static final long RING_SQ_SQES = IO_URING.byteOffset(groupElement("sq"), groupElement("sqes"));
    public static final long RING_SQ_SQE_HEAD = IO_URING.byteOffset(groupElement("sq"), groupElement("sqe_head"));
    public static final long RING_SQ_SQE_TAIL = IO_URING.byteOffset(groupElement("sq"), groupElement("sqe_tail"));
    public static final long RING_SQ_RING_MASK = IO_URING.byteOffset(groupElement("sq"), groupElement("ring_mask"));
    public static final long RING_SQ_RING_ENTRIES = IO_URING.byteOffset(groupElement("sq"), groupElement("ring_entries"));
    public static final long RING_CQ_KHEAD = IO_URING.byteOffset(groupElement("cq"), groupElement("khead"));
    public static final long RING_CQ_KTAIL = IO_URING.byteOffset(groupElement("cq"), groupElement("ktail"));
    public static final long RING_CQ_CQES = IO_URING.byteOffset(groupElement("cq"), groupElement("cqes"));
    public static final long RING_CQ_RING_MASK = IO_URING.byteOffset(groupElement("cq"), groupElement("ring_mask"));
    public static final long RING_CQ_RING_ENTRIES = IO_URING.byteOffset(groupElement("cq"), groupElement("ring_entries"));
    public static final long RING_FLAGS = IO_URING.byteOffset(groupElement("flags"));
    public static final long RING_RING_FD = IO_URING.byteOffset(groupElement("ring_fd"));
    public static final long RING_FEATURES = IO_URING.byteOffset(groupElement("features"));

    // struct io_uring_params field offsets.
    public static final long PARAMS_SQ_ENTRIES = IO_URING_PARAMS.byteOffset(groupElement("sq_entries"));
    public static final long PARAMS_CQ_ENTRIES = IO_URING_PARAMS.byteOffset(groupElement("cq_entries"));
    public static final long PARAMS_FLAGS = IO_URING_PARAMS.byteOffset(groupElement("flags"));
    public static final long PARAMS_FEATURES = IO_URING_PARAMS.byteOffset(groupElement("features"));

    static {
        // The relations the ring code relies on, checked once at class load (assertions or not:
        // a wrong layout here would corrupt memory shared with the kernel).
        check(IO_URING_SQE.byteSize() == 64, "sizeof(struct io_uring_sqe) == 64");
        check(IO_URING_CQE.byteSize() == 16, "sizeof(struct io_uring_cqe) == 16");
        check(Long.bitCount(IO_URING_SQE.byteSize()) == 1 && Long.bitCount(IO_URING_CQE.byteSize()) == 1,
                "SQE and CQE sizes are powers of two (index << shift addressing)");
        check(IO_SQRING_OFFSETS.byteSize() == 40 && IO_CQRING_OFFSETS.byteSize() == 40,
                "io_{sq,cq}ring_offsets are 40 bytes");
        check(IO_URING_PARAMS.byteSize() == 40 + 40 + 40, "sizeof(struct io_uring_params) == 120");
        check(IO_URING_SQ.byteSize() == 104 && IO_URING_CQ.byteSize() == 88, "io_uring_sq/cq sizes");
        check(IO_URING.byteSize() == IO_URING_SQ.byteSize() + IO_URING_CQ.byteSize() + 24,
                "struct io_uring is sq + cq + 24 bytes of scalars");
        check(SQE_RW_FLAGS == SQE_LEN + 4 && SQE_USER_DATA == SQE_RW_FLAGS + 4,
                "len, rw_flags, user_data are contiguous");
        check(CQE_RES == CQE_USER_DATA + 8, "cqe.res follows cqe.user_data");
        check(ADDRESS.byteSize() == 8, "LP64: pointers are 8 bytes");
    }

    private IoUringLayouts() {}

    static void check(boolean condition, String relation) {
        if (!condition) {
            throw new AssertionError("layout relation violated: " + relation);
        }
    }
}
