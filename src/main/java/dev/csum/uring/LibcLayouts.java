package dev.csum.uring;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * libc structs the binding passes to the kernel: {@code struct statx} (file type, size, identity,
 * direct-I/O alignment), {@code struct flock} (volume locks) and {@code struct iovec} (buffer
 * registration). glibc 2.36, x86_64.
 *
 * <pre>
 * struct statx (256 bytes), the members csum reads:
 *    0 stx_mask (u32: which fields the kernel filled)   4 stx_blksize (u32)
 *   28 stx_mode (u16: S_IFMT type bits)                 40 stx_size (u64, bytes)
 *  152 stx_dio_mem_align (u32, bytes)                  156 stx_dio_offset_align (u32, bytes)
 * </pre>
 */
public final class LibcLayouts {

    /** {@code struct statx_timestamp}. */
    public static final StructLayout STATX_TIMESTAMP = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"),
            JAVA_INT.withName("tv_nsec"),
            MemoryLayout.paddingLayout(4) // glibc: __statx_timestamp_pad1, kernel: __reserved
    ).withName("statx_timestamp");

    /** {@code struct statx}. */
    public static final StructLayout STATX = MemoryLayout.structLayout(
            JAVA_INT.withName("stx_mask"),
            JAVA_INT.withName("stx_blksize"),
            JAVA_LONG.withName("stx_attributes"),
            JAVA_INT.withName("stx_nlink"),
            JAVA_INT.withName("stx_uid"),
            JAVA_INT.withName("stx_gid"),
            JAVA_SHORT.withName("stx_mode"),
            MemoryLayout.paddingLayout(2), // spare
            JAVA_LONG.withName("stx_ino"),
            JAVA_LONG.withName("stx_size"),
            JAVA_LONG.withName("stx_blocks"),
            JAVA_LONG.withName("stx_attributes_mask"),
            STATX_TIMESTAMP.withName("stx_atime"),
            STATX_TIMESTAMP.withName("stx_btime"),
            STATX_TIMESTAMP.withName("stx_ctime"),
            STATX_TIMESTAMP.withName("stx_mtime"),
            JAVA_INT.withName("stx_rdev_major"),
            JAVA_INT.withName("stx_rdev_minor"),
            JAVA_INT.withName("stx_dev_major"),
            JAVA_INT.withName("stx_dev_minor"),
            JAVA_LONG.withName("stx_mnt_id"),
            JAVA_INT.withName("stx_dio_mem_align"),
            JAVA_INT.withName("stx_dio_offset_align"),
            MemoryLayout.paddingLayout(12 * 8) // spare (named differently by glibc and the kernel)
    ).withName("statx");

    /**
     * {@code struct flock} (32 bytes on x86_64): {@code l_type} (i16) at 0, {@code l_whence} (i16) at
     * 2, {@code l_start} (off_t) at 8, {@code l_len} (off_t, 0 = to the end and beyond) at 16,
     * {@code l_pid} (pid_t, must be 0 for open-file-description locks) at 24.
     */
    public static final StructLayout FLOCK = MemoryLayout.structLayout(
            JAVA_SHORT.withName("l_type"),
            JAVA_SHORT.withName("l_whence"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("l_start"),
            JAVA_LONG.withName("l_len"),
            JAVA_INT.withName("l_pid"),
            MemoryLayout.paddingLayout(4)
    ).withName("flock");

    /** {@code struct iovec}. */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
            ADDRESS.withName("iov_base"),
            JAVA_LONG.withName("iov_len")
    ).withName("iovec");

    public static final long STATX_MASK = STATX.byteOffset(groupElement("stx_mask"));
    public static final long STATX_MODE = STATX.byteOffset(groupElement("stx_mode"));
    public static final long STATX_SIZE = STATX.byteOffset(groupElement("stx_size"));
    public static final long STATX_DIO_MEM_ALIGN = STATX.byteOffset(groupElement("stx_dio_mem_align"));
    public static final long STATX_DIO_OFFSET_ALIGN = STATX.byteOffset(groupElement("stx_dio_offset_align"));
    public static final long STATX_INO = STATX.byteOffset(groupElement("stx_ino"));
    public static final long STATX_DEV_MAJOR = STATX.byteOffset(groupElement("stx_dev_major"));
    public static final long STATX_DEV_MINOR = STATX.byteOffset(groupElement("stx_dev_minor"));
    public static final long FLOCK_TYPE = FLOCK.byteOffset(groupElement("l_type"));
    public static final long FLOCK_WHENCE = FLOCK.byteOffset(groupElement("l_whence"));
    public static final long FLOCK_START = FLOCK.byteOffset(groupElement("l_start"));
    public static final long FLOCK_LEN = FLOCK.byteOffset(groupElement("l_len"));
    public static final long FLOCK_PID = FLOCK.byteOffset(groupElement("l_pid"));
    public static final long IOVEC_BASE = IOVEC.byteOffset(groupElement("iov_base"));
    public static final long IOVEC_LEN = IOVEC.byteOffset(groupElement("iov_len"));

    static {
        IoUringLayouts.check(STATX.byteSize() == 256, "sizeof(struct statx) == 256");
        IoUringLayouts.check(STATX_DIO_OFFSET_ALIGN == STATX_DIO_MEM_ALIGN + 4, "dio aligns are adjacent");
        IoUringLayouts.check(IOVEC.byteSize() == 16, "sizeof(struct iovec) == 16");
        IoUringLayouts.check(FLOCK.byteSize() == 32, "sizeof(struct flock) == 32");
    }

    private LibcLayouts() {}
}
