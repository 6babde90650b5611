package dev.csum.io;

import static dev.csum.uring.LibcConstants.AT_EMPTY_PATH;
import static dev.csum.uring.LibcConstants.AT_FDCWD;
import static dev.csum.uring.LibcConstants.F_OFD_SETLK;
import static dev.csum.uring.LibcConstants.F_RDLCK;
import static dev.csum.uring.LibcConstants.F_WRLCK;
import static dev.csum.uring.LibcConstants.MODE_0644;
import static dev.csum.uring.LibcConstants.O_CLOEXEC;
import static dev.csum.uring.LibcConstants.O_CREAT;
import static dev.csum.uring.LibcConstants.O_RDONLY;
import static dev.csum.uring.LibcConstants.O_RDWR;
import static dev.csum.uring.LibcConstants.SEEK_SET;
import static dev.csum.uring.LibcConstants.STATX_INO;
import static dev.csum.uring.LibcConstants.STATX_TYPE;
import static dev.csum.uring.LibcConstants.S_IFBLK;
import static dev.csum.uring.LibcConstants.S_IFMT;
import static dev.csum.uring.LibcConstants.S_IFREG;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.csum.uring.Errno;
import dev.csum.uring.Libc;
import dev.csum.uring.LibcLayouts;
import dev.csum.uring.NativeIoException;
import dev.csum.uring.NativeSupport;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lock that keeps a volume's devices to one user at a time: an <em>open file description</em>
 * lock ({@code fcntl(F_OFD_SETLK)}) on a descriptor this object keeps open, plus a registry of the
 * files this process holds, keyed by device and inode.
 *
 * <h2>Why not {@code FileChannel.lock}</h2>
 * {@code FileChannel.lock} takes a POSIX record lock, which Linux drops the moment the owning
 * <em>process</em> closes <em>any</em> descriptor of the file: an application opening the volume's
 * path to read it, or csum's own format refusing the open path, silently released the lock, and a
 * second process could then open the volume and have its writes overwritten by the first. An OFD
 * lock belongs to the descriptor it was taken through: it is released only when that descriptor
 * (and every duplicate of it) is closed, here by {@link #close()}. OFD locks conflict with POSIX
 * record locks, so a csum of the previous version (which took a POSIX lock) and this one exclude
 * each other too.
 *
 * <h2>Identity</h2>
 * A file is identified by the device and inode of the locked descriptor ({@code statx}), so a hard
 * link, a symlink, a bind mount or a {@code /proc/self/fd} path to a file this process holds is
 * recognised as the same file. The in-process registry exists to say so clearly: another descriptor
 * of this process would also be refused by the OFD lock itself, with a vaguer message.
 *
 * <h2>Modes</h2>
 * {@link Mode#EXCLUSIVE} (a writable open, format) is a write lock on a descriptor opened
 * read-write; {@link Mode#SHARED} (a read-only open) is a read lock on a descriptor opened
 * read-only, so read-only sessions of other processes may share a volume with each other but never
 * with a writer, and a read-only open works on a file it cannot write (read-only mount, immutable).
 *
 * <p>Threading: {@link #acquire} and {@link #close()} may be called from any thread.
 */
public final class DeviceLock implements AutoCloseable {

    /** How the device is used while locked. */
    public enum Mode {
        /** Read-only use: many read-only holders may share the device, never with a writer. */
        SHARED,
        /** Read-write use: the only holder. */
        EXCLUSIVE
    }

    /** A file's identity: the device it lives on and its inode number. */
    public record FileIdentity(int deviceMajor, int deviceMinor, long inode) {
        @Override
        public String toString() {
            return "dev " + deviceMajor + ":" + deviceMinor + " inode " + inode;
        }
    }

    /** Files locked by this process, with the path and role they were locked under (for the message). */
    private static final Map<FileIdentity, String> HELD = new ConcurrentHashMap<>();

    private final Path path;
    private final FileIdentity identity;
    private final int fd;
    private boolean closed;

    private DeviceLock(Path path, FileIdentity identity, int fd) {
        this.path = path;
        this.identity = identity;
        this.fd = fd;
    }

    /**
     * Locks {@code path} (a regular file or a block device) or fails at once; never waits.
     *
     * @param role   what the file is to the volume ("data device", "metadata device"), for messages
     * @param create create a regular file (mode 0644) when none exists (format)
     * @throws IllegalStateException when this process already holds the file (under any path)
     * @throws IOException naming the path when another process holds it, or when it cannot be
     *     opened in that mode (missing, not writable, not a file or block device)
     */
    public static DeviceLock acquire(Path path, String role, Mode mode, boolean create) throws IOException {
        NativeSupport.requireAvailable();
        int flags = (mode == Mode.EXCLUSIVE ? O_RDWR : O_RDONLY) | O_CLOEXEC | (create ? O_CREAT : 0);
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = Libc.newCallState(scratch);
            int fd = Libc.open(callState, scratch.allocateFrom(path.toString()), flags, MODE_0644);
            if (fd < 0) {
                throw new NativeIoException("open " + role + (mode == Mode.EXCLUSIVE ? " for writing" : ""), path,
                    NativeIoException.NO_OFFSET, Libc.errno(callState));
            }
            FileIdentity identity = null;
            boolean registered = false;
            try {
                identity = identityOf(fd, path, scratch, callState);
                String holder = HELD.putIfAbsent(identity, path + " (" + role + ")");
                if (holder != null) {
                    throw new IllegalStateException(path + " is already open as a csum volume in this process (as "
                        + holder + ")");
                }
                registered = true;
                MemorySegment lock = scratch.allocate(LibcLayouts.FLOCK);
                lock.set(JAVA_SHORT, LibcLayouts.FLOCK_TYPE, mode == Mode.EXCLUSIVE ? F_WRLCK : F_RDLCK);
                lock.set(JAVA_SHORT, LibcLayouts.FLOCK_WHENCE, SEEK_SET);
                lock.set(JAVA_LONG, LibcLayouts.FLOCK_START, 0L);
                lock.set(JAVA_LONG, LibcLayouts.FLOCK_LEN, 0L); // the whole file, however it grows
                lock.set(JAVA_INT, LibcLayouts.FLOCK_PID, 0);   // required for OFD locks
                if (Libc.fcntl(callState, fd, F_OFD_SETLK, lock) < 0) {
                    int errno = Libc.errno(callState);
                    if (errno == Errno.EAGAIN || errno == Errno.EACCES) {
                        throw new VolumeInUseException(path + " (" + role + ") is in use by another process: it holds "
                            + "the csum volume lock" + (mode == Mode.SHARED ? " for writing" : ""));
                    }
                    throw new NativeIoException("fcntl(F_OFD_SETLK) on the " + role, path, NativeIoException.NO_OFFSET,
                        errno);
                }
                return new DeviceLock(path, identity, fd);
            } catch (IOException | RuntimeException | Error failure) {
                if (registered) {
                    HELD.remove(identity);
                }
                Libc.close(callState, fd);
                throw failure;
            }
        }
    }

    /**
     * The identity of the file at {@code path} (following symlinks), or null when it does not exist.
     * For comparing paths before anything is opened for writing (an output that is the volume).
     */
    public static FileIdentity identityOf(Path path) throws IOException {
        NativeSupport.requireAvailable();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = Libc.newCallState(scratch);
            MemorySegment statx = scratch.allocate(LibcLayouts.STATX);
            if (Libc.statx(callState, AT_FDCWD, scratch.allocateFrom(path.toString()), 0,
                    STATX_TYPE | STATX_INO, statx) < 0) {
                int errno = Libc.errno(callState);
                if (errno == Errno.ENOENT) {
                    return null;
                }
                throw new NativeIoException("statx", path, NativeIoException.NO_OFFSET, errno);
            }
            return identityFrom(statx);
        }
    }

    private static FileIdentity identityOf(int fd, Path path, Arena scratch, MemorySegment callState)
            throws NativeIoException {
        MemorySegment statx = scratch.allocate(LibcLayouts.STATX);
        if (Libc.statx(callState, fd, scratch.allocateFrom(""), AT_EMPTY_PATH, STATX_TYPE | STATX_INO, statx) < 0) {
            throw new NativeIoException("statx", path, NativeIoException.NO_OFFSET, Libc.errno(callState));
        }
        int type = statx.get(JAVA_SHORT, LibcLayouts.STATX_MODE) & S_IFMT;
        if (type != S_IFREG && type != S_IFBLK) {
            throw new NativeIoException("open (not a regular file or block device)", path,
                NativeIoException.NO_OFFSET, Errno.EINVAL);
        }
        return identityFrom(statx);
    }

    private static FileIdentity identityFrom(MemorySegment statx) {
        return new FileIdentity(statx.get(JAVA_INT, LibcLayouts.STATX_DEV_MAJOR),
            statx.get(JAVA_INT, LibcLayouts.STATX_DEV_MINOR), statx.get(JAVA_LONG, LibcLayouts.STATX_INO));
    }

    /** The locked file's identity. */
    public FileIdentity identity() {
        return identity;
    }

    /** The path the lock was taken through. */
    public Path path() {
        return path;
    }

    /** Releases the lock (closing its descriptor) and forgets the file. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        HELD.remove(identity);
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = Libc.newCallState(scratch);
            if (Libc.close(callState, fd) < 0) {
                throw new NativeIoException("close", path, NativeIoException.NO_OFFSET, Libc.errno(callState));
            }
        }
    }

    /** Another process holds the lock. */
    public static final class VolumeInUseException extends IOException {
        private static final long serialVersionUID = 1L;

        VolumeInUseException(String message) {
            super(message);
        }
    }
}
