package dev.csum.uring;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Downcalls into libc for what io_uring does not do for us: opening files, learning their size and
 * direct-I/O alignment, and the eventfd that wakes a waiting ring.
 *
 * <p>Every handle captures {@code errno} ({@code Linker.Option.captureCallState("errno")}), because
 * the JVM itself may call into libc between our call and a later read of {@code errno}. The first
 * parameter of each method is therefore the capture segment, from {@link #newCallState(Arena)};
 * read it with {@link #errno(MemorySegment)} when the call returned -1. None is {@code critical}:
 * {@code open} and {@code fallocate} can block for a long time.
 */
public final class Libc {

    private static final SymbolLookup LIBC = NativeSupport.libc();

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    // open and ioctl are variadic: the mode / argument after the second parameter is passed as a
    // variadic argument, which the x86_64 ABI treats differently (AL holds the vector-register count).
    private static final MethodHandle OPEN = NativeSupport.downcall(LIBC, "open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = NativeSupport.downcall(LIBC, "close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle STATX = NativeSupport.downcall(LIBC, "statx",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), CAPTURE_ERRNO);
    private static final MethodHandle IOCTL = NativeSupport.downcall(LIBC, "ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FALLOCATE = NativeSupport.downcall(LIBC, "fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), CAPTURE_ERRNO);
    private static final MethodHandle FTRUNCATE = NativeSupport.downcall(LIBC, "ftruncate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), CAPTURE_ERRNO);
    private static final MethodHandle FCNTL = NativeSupport.downcall(LIBC, "fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle EVENTFD = NativeSupport.downcall(LIBC, "eventfd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle EVENTFD_WRITE = NativeSupport.downcall(LIBC, "eventfd_write",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), CAPTURE_ERRNO);

    private Libc() {}

    /** A segment to receive {@code errno}; one per thread of use, reusable across calls. */
    public static MemorySegment newCallState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    /** The {@code errno} captured by the last call made with {@code callState}. */
    public static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    /** {@code int open(const char *path, int flags, mode_t mode)}: an fd, or -1 and errno. */
    public static int open(MemorySegment callState, MemorySegment path, int flags, int mode) {
        try {
            return (int) OPEN.invokeExact(callState, path, flags, mode);
        } catch (Throwable t) {
            throw LibUring.rethrow(t);
        }
    }

    /** {@code int close(int fd)}. */
    public static int close(MemorySegment callState, int fd) {
        try {
            return (int) CLOSE.invokeExact(callState, fd);
        } catch (Throwable t) {
            throw LibUring.rethrow(t);
        }
    }

    /** {@code int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf)}. */
    public static int statx(MemorySegment callState, int dirFd, MemorySegment path, int flags, int mask,
                            MemorySegment statx) {
        try {
            return (int) STATX.invokeExact(callState, dirFd, path, flags, mask, statx);
        } catch (Throwable t) {
            throw LibUring.rethrow(t);
        }
    }

    /** {@code int ioctl(int fd, unsigned long request, void *argument)}. */
    public static int ioctl(MemorySegment callState, int fd, long request, MemorySegment argument) {
        try {
            return (int) IOCTL.invokeExact(callState, fd, request, argument);
        } catch (Throwable t) {
            throw LibUring.rethrow(t);
        }
    }

    /** {@code int fallocate(int fd, int mode, off_t offset, off_t len)}. */
    public static int fallocate(MemorySegment callState, int fd, int mode, long offsetBytes, long lengthBytes) {
        try {
            return (int) FALLOCATE.invokeExact(callState, fd, mode, offsetBytes, lengthBytes);
        } catch (Throwable t) {
            throw LibUring.rethrow(t);
        }
    }

    /** {@code int ftruncate(int fd, off_t length)}. */
    public static int ftruncate(MemorySegment callState, int fd, long lengthBytes) {
        try {
            return (int) FTRUNCATE.invokeExact(callState, fd, lengthBytes);
        } catch (Throwable t) {
            throw LibUring.rethrow(t);
        }
    }

    /**
     * {@code int fcntl(int fd, int cmd, struct flock *lock)}: for the lock commands; 0, or -1 and
     * errno. Never blocking here: csum uses only {@code F_OFD_SETLK}, which fails instead of waiting.
     */
    public static int fcntl(MemorySegment callState, int fd, int command, MemorySegment lock) {
        try {
            return (int) FCNTL.invokeExact(callState, fd, command, lock);
        } catch (Throwable t) {
            throw LibUring.rethrow(t);
        }
    }

    /** {@code int eventfd(unsigned initval, int flags)}: an fd, or -1 and errno. */
    public static int eventfd(MemorySegment callState, int initialValue, int flags) {
        try {
            return (int) EVENTFD.invokeExact(callState, initialValue, flags);
        } catch (Throwable t) {
            throw LibUring.rethrow(t);
        }
    }

    /** {@code int eventfd_write(int fd, eventfd_t value)}: adds {@code value} to the counter; 0 or -1. */
    public static int eventfd_write(MemorySegment callState, int fd, long value) {
        try {
            return (int) EVENTFD_WRITE.invokeExact(callState, fd, value);
        } catch (Throwable t) {
            throw LibUring.rethrow(t);
        }
    }
}
