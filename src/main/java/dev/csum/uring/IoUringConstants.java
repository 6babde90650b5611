package dev.csum.uring;

/**
 * io_uring constants from {@code <linux/io_uring.h>} as shipped with liburing 2.3: the opcodes the
 * binding prepares, SQE flags, fsync flags, setup flags and feature bits. Checked against the system
 * header by {@code LayoutAgainstSystemHeaderTest}.
 */
public final class IoUringConstants {

    // Opcodes (io_uring_sqe.opcode).
    public static final byte IORING_OP_NOP = 0;
    public static final byte IORING_OP_FSYNC = 3;
    public static final byte IORING_OP_READ_FIXED = 4;
    public static final byte IORING_OP_FALLOCATE = 17;
    public static final byte IORING_OP_WRITE_FIXED = 5;
    public static final byte IORING_OP_READ = 22;
    public static final byte IORING_OP_WRITE = 23;

    // SQE flags (io_uring_sqe.flags).
    /** {@code fd} is an index into the registered file table. */
    public static final int IOSQE_FIXED_FILE = 1;
    /** Start only after every previously submitted SQE completed. */
    public static final int IOSQE_IO_DRAIN = 1 << 1;
    /** The next SQE starts only after this one completed successfully; else it gets -ECANCELED. */
    public static final int IOSQE_IO_LINK = 1 << 2;

    // io_uring_sqe.fsync_flags.
    /** fdatasync semantics for IORING_OP_FSYNC. */
    public static final int IORING_FSYNC_DATASYNC = 1;

    // io_uring_params.flags.
    public static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
    public static final int IORING_SETUP_SQE128 = 1 << 10;
    public static final int IORING_SETUP_CQE32 = 1 << 11;
    public static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    public static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;

    // io_uring_params.features.
    /** The kernel never drops completions when the CQ ring overflows. */
    public static final int IORING_FEAT_NODROP = 1 << 1;
    /** SQE contents are consumed at submit time, so an SQE slot may be reused right after submit. */
    public static final int IORING_FEAT_SUBMIT_STABLE = 1 << 2;

    private IoUringConstants() {}
}
