package dev.csum.uring;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * Downcalls into liburing.so.2, one per exported function of {@code native-headers/csum_liburing.h},
 * in the shape jextract emits (a static method per C function, same name and parameter order).
 * Every function returns 0 or a count on success and {@code -errno} on failure; liburing does not
 * touch {@code errno}, so no call state is captured.
 *
 * <p>None of these handles is {@code Linker.Option.critical}: {@code io_uring_submit_and_wait}
 * blocks in the kernel, and the others are set-up calls where the saving does not matter.
 *
 * <p>Threading: a {@code struct io_uring} must not be used by two threads at once; see {@link Ring}.
 */
public final class LibUring {

    private static final SymbolLookup LIBURING = NativeSupport.liburing();

    private static final MethodHandle IO_URING_QUEUE_INIT_PARAMS = NativeSupport.downcall(LIBURING,
            "io_uring_queue_init_params", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle IO_URING_QUEUE_EXIT = NativeSupport.downcall(LIBURING,
            "io_uring_queue_exit", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle IO_URING_SUBMIT = NativeSupport.downcall(LIBURING,
            "io_uring_submit", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle IO_URING_SUBMIT_AND_WAIT = NativeSupport.downcall(LIBURING,
            "io_uring_submit_and_wait", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle IO_URING_REGISTER_BUFFERS = NativeSupport.downcall(LIBURING,
            "io_uring_register_buffers", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle IO_URING_UNREGISTER_BUFFERS = NativeSupport.downcall(LIBURING,
            "io_uring_unregister_buffers", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle IO_URING_REGISTER_FILES = NativeSupport.downcall(LIBURING,
            "io_uring_register_files", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle IO_URING_UNREGISTER_FILES = NativeSupport.downcall(LIBURING,
            "io_uring_unregister_files", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    private LibUring() {}

    /** {@code int io_uring_queue_init_params(unsigned entries, struct io_uring *ring, struct io_uring_params *p)}. */
    public static int io_uring_queue_init_params(int entries, MemorySegment ring, MemorySegment params) {
        try {
            return (int) IO_URING_QUEUE_INIT_PARAMS.invokeExact(entries, ring, params);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code void io_uring_queue_exit(struct io_uring *ring)}: unmaps the rings, closes the ring fd. */
    public static void io_uring_queue_exit(MemorySegment ring) {
        try {
            IO_URING_QUEUE_EXIT.invokeExact(ring);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code int io_uring_submit(struct io_uring *ring)}: returns SQEs submitted, or -errno. */
    public static int io_uring_submit(MemorySegment ring) {
        try {
            return (int) IO_URING_SUBMIT.invokeExact(ring);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code int io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr)}: submits, then
     * blocks until {@code wait_nr} CQEs are in the CQ ring. Returns SQEs submitted, or -errno.
     */
    public static int io_uring_submit_and_wait(MemorySegment ring, int waitCount) {
        try {
            return (int) IO_URING_SUBMIT_AND_WAIT.invokeExact(ring, waitCount);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code int io_uring_register_buffers(struct io_uring *ring, const struct iovec *iovecs, unsigned nr)}. */
    public static int io_uring_register_buffers(MemorySegment ring, MemorySegment iovecs, int count) {
        try {
            return (int) IO_URING_REGISTER_BUFFERS.invokeExact(ring, iovecs, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code int io_uring_unregister_buffers(struct io_uring *ring)}. */
    public static int io_uring_unregister_buffers(MemorySegment ring) {
        try {
            return (int) IO_URING_UNREGISTER_BUFFERS.invokeExact(ring);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code int io_uring_register_files(struct io_uring *ring, const int *files, unsigned nr)}. */
    public static int io_uring_register_files(MemorySegment ring, MemorySegment fds, int count) {
        try {
            return (int) IO_URING_REGISTER_FILES.invokeExact(ring, fds, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code int io_uring_unregister_files(struct io_uring *ring)}. */
    public static int io_uring_unregister_files(MemorySegment ring) {
        try {
            return (int) IO_URING_UNREGISTER_FILES.invokeExact(ring);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (t instanceof Error error) {
            throw error;
        }
        throw new AssertionError("a downcall threw a checked exception", t);
    }
}
