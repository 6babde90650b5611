package dev.csum.uring;

/**
 * Linux/glibc constants for x86_64 (and every LP64 architecture with the generic flag values): open
 * flags, statx, block-device ioctls, per-I/O write flags and eventfd flags. Checked against the
 * system headers by {@code LayoutAgainstSystemHeaderTest}.
 */
public final class LibcConstants {

    // open(2) flags.
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_DIRECT = 040000;
    public static final int O_CLOEXEC = 02000000;

    /** Permission bits for files csum creates: rw-r--r--. */
    public static final int MODE_0644 = 0644;

    // statx(2).
    /** As a directory descriptor: relative paths resolve from the current directory. */
    public static final int AT_FDCWD = -100;
    /** With an empty path, statx describes the file descriptor itself. */
    public static final int AT_EMPTY_PATH = 0x1000;
    public static final int STATX_TYPE = 0x1;
    public static final int STATX_INO = 0x100;
    public static final int STATX_SIZE = 0x200;
    public static final int STATX_BASIC_STATS = 0x7ff;
    /** Ask for stx_dio_mem_align and stx_dio_offset_align (Linux 6.1+; filesystems opt in). */
    public static final int STATX_DIOALIGN = 0x2000;

    // stat mode bits.
    public static final int S_IFMT = 0170000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFBLK = 0060000;

    // ioctl(2) on block devices.
    /** Device size in bytes, as a u64 ({@code _IOR(0x12, 114, size_t)}). */
    public static final long BLKGETSIZE64 = 0x80081272L;
    /** Logical sector size in bytes, as an int ({@code _IO(0x12, 104)}). */
    public static final long BLKSSZGET = 0x1268L;

    // fallocate(2) modes.
    /** Leave the file's size alone. */
    public static final int FALLOC_FL_KEEP_SIZE = 1;
    /**
     * With {@link #FALLOC_FL_KEEP_SIZE}: the range reads as zeros afterwards. On a regular file it
     * becomes a hole (metadata only); on a block device the kernel zeroes it with the device's own
     * zeroing (write-zeroes or a discard that zeroes) and fails with {@code EOPNOTSUPP} rather than
     * write zeros itself.
     */
    public static final int FALLOC_FL_PUNCH_HOLE = 2;

    // Per-I/O write flags (io_uring_sqe.rw_flags).
    /** This write is durable (data and the metadata to read it back) when it completes. */
    public static final int RWF_DSYNC = 2;

    // fcntl(2) open-file-description locks: owned by the open file description, not the process, so
    // closing another descriptor of the same file (which drops a POSIX record lock) leaves them alone.
    /** Set or clear an open-file-description lock; fails with EAGAIN when a conflicting lock is held. */
    public static final int F_OFD_SETLK = 37;
    /** Shared (read) lock: coexists with other read locks. */
    public static final short F_RDLCK = 0;
    /** Exclusive (write) lock. */
    public static final short F_WRLCK = 1;
    public static final short F_UNLCK = 2;
    /** {@code l_whence}: {@code l_start} counts from the start of the file. */
    public static final short SEEK_SET = 0;

    // eventfd(2).
    public static final int EFD_CLOEXEC = O_CLOEXEC;

    private LibcConstants() {}
}
