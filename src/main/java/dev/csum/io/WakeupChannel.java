package dev.csum.io;

import dev.csum.uring.Libc;
import dev.csum.uring.LibcConstants;
import dev.csum.uring.NativeIoException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How another thread wakes an event loop blocked in {@code io_uring_enter}: an eventfd with a read
 * armed in the ring. Writing the eventfd completes the read, and that completion ends the wait.
 *
 * <p>The write is a system call, so it is made only when the loop is parked (or about to park).
 * The protocol is Dekker's: the loop stores {@code parked = true} then loads {@code pending}; a
 * waker stores {@code pending = true} then loads {@code parked}. Both are sequentially consistent,
 * so at least one side sees the other: either the loop skips the wait, or the waker writes.
 * Repeated wakeups before the loop reacts cost one atomic each and coalesce into one write.
 *
 * <p>Threading: {@link #wakeup()} from any thread; everything else from the event-loop thread.
 */
final class WakeupChannel implements AutoCloseable {

    private static final int IDLE = 0;        // no read in the ring: arm one before parking
    private static final int ARMED = 1;       // a read is prepared or in flight
    private static final int DISARMED = 2;    // we wrote the eventfd ourselves to complete the read

    private final Arena arena;
    private final MemorySegment counter;      // the 8 bytes the armed read fills
    private final int fd;
    private final MemorySegment loopCallState; // errno of the loop thread's own eventfd writes
    private int state = IDLE;                 // event-loop thread only

    private volatile boolean parked;
    private final AtomicBoolean pending = new AtomicBoolean();

    private final Object writeLock = new Object();
    private boolean closed;                   // guarded by writeLock: no write to a closed (reused) fd
    private long writeCount;                  // guarded by writeLock

    private WakeupChannel(Arena arena, MemorySegment counter, int fd) {
        this.arena = arena;
        this.counter = counter;
        this.fd = fd;
        this.loopCallState = Libc.newCallState(arena);
    }

    static WakeupChannel open() throws NativeIoException {
        Arena arena = Arena.ofShared();
        MemorySegment callState = Libc.newCallState(arena);
        // Blocking (no EFD_NONBLOCK): io_uring then waits for the counter with an internal poll
        // instead of completing the read with -EAGAIN.
        int fd = Libc.eventfd(callState, 0, LibcConstants.EFD_CLOEXEC);
        if (fd < 0) {
            int errno = Libc.errno(callState);
            arena.close();
            throw new NativeIoException("eventfd", null, NativeIoException.NO_OFFSET, errno);
        }
        return new WakeupChannel(arena, arena.allocate(ValueLayout.JAVA_LONG), fd);
    }

    int fd() {
        return fd;
    }

    /** The read's buffer: 8 bytes, the eventfd counter. */
    MemorySegment counter() {
        return counter;
    }

    boolean needsArming() {
        return state == IDLE;
    }

    boolean isArmed() {
        return state == ARMED;
    }

    void onArmed() {
        assert state == IDLE : state;
        state = ARMED;
    }

    /**
     * Event-loop thread: completes the armed read by writing the eventfd ourselves, so that a
     * drained operation does not wait for it. The completion that follows is not a wakeup.
     */
    void disarm() throws NativeIoException {
        assert state == ARMED : state;
        if (Libc.eventfd_write(loopCallState, fd, 1) < 0) {
            throw new NativeIoException("eventfd_write", null, NativeIoException.NO_OFFSET,
                    Libc.errno(loopCallState));
        }
        state = DISARMED;
    }

    /**
     * The read completed ({@code counterRead}: it read the counter; else it was cancelled): re-arm
     * before parking again. Returns true when this was a wakeup, false when it was our own
     * {@link #disarm()} or a cancel (a concurrent wakeup() then stays pending, and the next park
     * returns at once).
     */
    boolean onReadCompleted(boolean counterRead) {
        assert state != IDLE : "read completed twice";
        boolean woken = counterRead && state == ARMED;
        state = IDLE;
        if (woken) {
            // Any wakeup() from here on asks for the next wait to end.
            pending.set(false);
        }
        return woken;
    }

    /**
     * Called by the loop right before it blocks. Returns false, and does not park, when a wakeup
     * is already pending (it is consumed).
     */
    boolean park() {
        assert state != IDLE : "parking without a wakeup read in the ring";
        parked = true;
        if (pending.getAndSet(false)) {
            parked = false;
            return false;
        }
        return true;
    }

    void unpark() {
        parked = false;
    }

    /** Any thread: ends the current or next wait of the loop. */
    void wakeup() {
        if (pending.getAndSet(true)) {
            return; // an earlier wakeup is still pending: it already wrote, or the loop will see it
        }
        if (parked) {
            write();
        }
    }

    private void write() {
        synchronized (writeLock) {
            if (closed) {
                return;
            }
            try (Arena scratch = Arena.ofConfined()) {
                MemorySegment callState = Libc.newCallState(scratch);
                // eventfd_write fails only when the counter would overflow 2^64-2, which one write per
                // park cannot reach, or with EBADF, which the closed flag rules out.
                int result = Libc.eventfd_write(callState, fd, 1);
                assert result == 0 : "eventfd_write errno " + Libc.errno(callState);
            }
            writeCount++;
        }
    }

    /** How many times a wakeup had to write the eventfd (tests: busy loops must not cause writes). */
    long writeCount() {
        synchronized (writeLock) {
            return writeCount;
        }
    }

    @Override
    public void close() throws NativeIoException {
        synchronized (writeLock) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                MemorySegment callState = Libc.newCallState(arena);
                if (Libc.close(callState, fd) < 0) {
                    throw new NativeIoException("close (wakeup eventfd)", null, NativeIoException.NO_OFFSET,
                            Libc.errno(callState));
                }
            } finally {
                arena.close();
            }
        }
    }
}
