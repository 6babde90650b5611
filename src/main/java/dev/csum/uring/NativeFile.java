package dev.csum.uring;

import static dev.csum.uring.LibcConstants.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A file or block device opened with {@code O_DIRECT} through libc {@code open}, for I/O through a
 * {@link Ring}. Knows its size and the alignment direct I/O needs.
 *
 * <p>Alignment: {@link #alignmentBytes()} is the larger of the kernel's {@code stx_dio_mem_align} and
 * {@code stx_dio_offset_align} when {@code statx(STATX_DIOALIGN)} reports them (Linux 6.1+ on ext4,
 * xfs, block devices from 6.11), else the logical sector size ({@code BLKSSZGET}) of a block device,
 * else 512. Buffer addresses, offsets and lengths must all be multiples of it.
 *
 * <p>Threading: the accessors are safe from any thread; {@link #close()} must not race with I/O.
 */
public final class NativeFile implements AutoCloseable {

    /** Fallback direct-I/O alignment when the kernel does not report one for a regular file. */
    public static final int ALIGNMENT_FALLBACK_BYTES = 512;

    private final Path path;
    private final int fd;
    private final boolean readOnly;
    private final boolean blockDevice;
    private final int alignmentBytes;
    private volatile boolean closed;

    private NativeFile(Path path, int fd, boolean readOnly, boolean blockDevice, int alignmentBytes) {
        this.path = path;
        this.fd = fd;
        this.readOnly = readOnly;
        this.blockDevice = blockDevice;
        this.alignmentBytes = alignmentBytes;
    }

    /**
     * Opens {@code path} (a regular file or a block device) with {@code O_DIRECT | O_CLOEXEC}.
     *
     * @param readOnly {@code O_RDONLY} instead of {@code O_RDWR}
     * @param create   create a regular file (mode 0644) when it does not exist
     * @throws NativeIoException naming the path and the errno ({@code ENOENT}, {@code EACCES},
     *     {@code EINVAL} when the filesystem does not support {@code O_DIRECT}, e.g. tmpfs)
     */
    public static NativeFile open(Path path, boolean readOnly, boolean create) throws NativeIoException {
        NativeSupport.requireAvailable();
        int flags = (readOnly ? O_RDONLY : O_RDWR) | O_DIRECT | O_CLOEXEC | (create ? O_CREAT : 0);
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = Libc.newCallState(scratch);
            int fd = Libc.open(callState, scratch.allocateFrom(path.toString()), flags, MODE_0644);
            if (fd < 0) {
                throw new NativeIoException("open", path, NativeIoException.NO_OFFSET, Libc.errno(callState));
            }
            try {
                MemorySegment statx = scratch.allocate(LibcLayouts.STATX);
                int result = Libc.statx(callState, fd, scratch.allocateFrom(""), AT_EMPTY_PATH,
                        STATX_TYPE | STATX_SIZE | STATX_DIOALIGN, statx);
                if (result < 0) {
                    throw new NativeIoException("statx", path, NativeIoException.NO_OFFSET, Libc.errno(callState));
                }
                int type = statx.get(JAVA_SHORT, LibcLayouts.STATX_MODE) & S_IFMT;
                boolean blockDevice = type == S_IFBLK;
                if (!blockDevice && type != S_IFREG) {
                    throw new NativeIoException("open (not a regular file or block device)", path,
                            NativeIoException.NO_OFFSET, Errno.EINVAL);
                }
                int alignmentBytes = alignment(statx, blockDevice, fd, path, scratch, callState);
                return new NativeFile(path, fd, readOnly, blockDevice, alignmentBytes);
            } catch (NativeIoException | RuntimeException e) {
                Libc.close(callState, fd);
                throw e;
            }
        }
    }

    private static int alignment(MemorySegment statx, boolean blockDevice, int fd, Path path, Arena scratch,
                                 MemorySegment callState) throws NativeIoException {
        int mask = statx.get(JAVA_INT, LibcLayouts.STATX_MASK);
        if ((mask & STATX_DIOALIGN) != 0) {
            int memoryAlign = statx.get(JAVA_INT, LibcLayouts.STATX_DIO_MEM_ALIGN);
            int offsetAlign = statx.get(JAVA_INT, LibcLayouts.STATX_DIO_OFFSET_ALIGN);
            if (offsetAlign == 0) {
                // The kernel says: this file does not support direct I/O at all.
                throw new NativeIoException("open (direct I/O unsupported here)", path, NativeIoException.NO_OFFSET,
                        Errno.EINVAL);
            }
            return Math.max(memoryAlign, offsetAlign);
        }
        if (blockDevice) {
            MemorySegment sectorBytes = scratch.allocate(JAVA_INT);
            if (Libc.ioctl(callState, fd, BLKSSZGET, sectorBytes) < 0) {
                throw new NativeIoException("ioctl(BLKSSZGET)", path, NativeIoException.NO_OFFSET,
                        Libc.errno(callState));
            }
            return sectorBytes.get(JAVA_INT, 0);
        }
        return ALIGNMENT_FALLBACK_BYTES;
    }

    /** The file descriptor, for {@link Ring} operations. */
    public int fd() {
        return fd;
    }

    /** The path it was opened with. */
    public Path path() {
        return path;
    }

    /** True when opened {@code O_RDONLY}. */
    public boolean isReadOnly() {
        return readOnly;
    }

    /** True for a block device, false for a regular file. */
    public boolean isBlockDevice() {
        return blockDevice;
    }

    /** Required alignment in bytes (a power of two) of buffer addresses, offsets and lengths. */
    public int alignmentBytes() {
        return alignmentBytes;
    }

    /** The current size in bytes: {@code statx} for a file, {@code ioctl(BLKGETSIZE64)} for a device. */
    public long sizeBytes() throws NativeIoException {
        ensureOpen();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = Libc.newCallState(scratch);
            if (blockDevice) {
                MemorySegment size = scratch.allocate(JAVA_LONG);
                if (Libc.ioctl(callState, fd, BLKGETSIZE64, size) < 0) {
                    throw new NativeIoException("ioctl(BLKGETSIZE64)", path, NativeIoException.NO_OFFSET,
                            Libc.errno(callState));
                }
                return size.get(JAVA_LONG, 0);
            }
            MemorySegment statx = scratch.allocate(LibcLayouts.STATX);
            if (Libc.statx(callState, fd, scratch.allocateFrom(""), AT_EMPTY_PATH, STATX_SIZE, statx) < 0) {
                throw new NativeIoException("statx", path, NativeIoException.NO_OFFSET, Libc.errno(callState));
            }
            return statx.get(JAVA_LONG, LibcLayouts.STATX_SIZE);
        }
    }

    /** Sets a regular file's size ({@code ftruncate}); new bytes read as zeros. */
    public void truncate(long sizeBytes) throws NativeIoException {
        ensureOpen();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = Libc.newCallState(scratch);
            if (Libc.ftruncate(callState, fd, sizeBytes) < 0) {
                throw new NativeIoException("ftruncate", path, sizeBytes, Libc.errno(callState));
            }
        }
    }

    /** Reserves disk blocks for {@code [offsetBytes, offsetBytes + lengthBytes)} ({@code fallocate}, mode 0). */
    public void allocate(long offsetBytes, long lengthBytes) throws NativeIoException {
        ensureOpen();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = Libc.newCallState(scratch);
            if (Libc.fallocate(callState, fd, 0, offsetBytes, lengthBytes) < 0) {
                throw new NativeIoException("fallocate", path, offsetBytes, Libc.errno(callState));
            }
        }
    }

    /**
     * Makes {@code [offsetBytes, offsetBytes + lengthBytes)} read as zeros without writing them
     * ({@code fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)}), the size unchanged: a hole in a
     * regular file; on a block device the device's own zeroing, which the kernel refuses
     * ({@code EOPNOTSUPP}) rather than fall back to writing zeros, and {@code EINVAL} for a range not
     * aligned to the device's logical block size.
     *
     * @throws NativeIoException naming the errno: {@code EOPNOTSUPP} when the file system or device
     *     cannot do it this way
     */
    public void punchHole(long offsetBytes, long lengthBytes) throws NativeIoException {
        ensureOpen();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = Libc.newCallState(scratch);
            if (Libc.fallocate(callState, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offsetBytes, lengthBytes) < 0) {
                throw new NativeIoException("fallocate(PUNCH_HOLE)", path, offsetBytes, Libc.errno(callState));
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(path + " is closed");
        }
    }

    /** Closes the descriptor. Idempotent. */
    @Override
    public void close() throws NativeIoException {
        if (closed) {
            return;
        }
        closed = true;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = Libc.newCallState(scratch);
            if (Libc.close(callState, fd) < 0) {
                throw new NativeIoException("close", path, NativeIoException.NO_OFFSET, Libc.errno(callState));
            }
        }
    }

    @Override
    public String toString() {
        return "NativeFile[" + path + ", fd " + fd + (blockDevice ? ", block device" : "") + ", align "
                + alignmentBytes + "]";
    }
}
