package dev.csum.io;

import dev.csum.uring.Errno;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The threads of a {@link FileChannelIoPort} and the two queues between them and the event loop:
 * chains go out by their head's slot number, each completed slot comes back.
 *
 * <h2>Handoff</h2>
 * {@link #run(int)} appends a chain's head to the work queue under {@code workMonitor} and wakes one
 * idle worker. A worker runs the chain's operations one after another; for each it writes the
 * result into the slot, then appends the slot to the completion queue under
 * {@code completionMonitor}. {@link #takeCompletions} moves every queued slot to the loop at once.
 * Each monitor orders what one side wrote into a slot before the other side reads it. Both queues
 * hold slot numbers and there are as many slots as their capacity: neither can overflow.
 *
 * <h2>Waiting and wakeup</h2>
 * The loop waits on {@code completionMonitor}. A worker notifies it only when the loop is waiting.
 * {@link #wakeup()} is Dekker's protocol, as in {@link WakeupChannel}: the loop stores
 * {@code loopWaiting = true} then takes {@code wakeupPending}; a waker sets {@code wakeupPending}
 * then loads {@code loopWaiting}. All four are sequentially consistent, so at least one side sees
 * the other: the loop does not wait, or the waker notifies (under the monitor, so after the loop
 * released it in {@code wait()}). Waking a loop that is busy costs one atomic operation.
 *
 * <h2>Interrupts</h2>
 * The workers are never interrupted: an interrupt during I/O would close the channel for every
 * thread. A wait of the loop is not ended by an interrupt either (as {@code io_uring_enter} is
 * not); the interrupt is set again when the wait ends.
 */
final class ChannelWorkers {

    private final PortableSlots slots;
    private final PortableFile[] files;   // by file index
    private final int alignmentBytes;
    private final boolean readOnly;
    private final Thread[] threads;

    private final Object workMonitor = new Object();
    private final IntFifo work;               // chain heads; guarded by workMonitor
    private boolean stopping;                 // guarded by workMonitor

    private final Object completionMonitor = new Object();
    private final IntFifo completions;        // guarded by completionMonitor
    private volatile boolean loopWaiting;     // written under completionMonitor
    private final AtomicBoolean wakeupPending = new AtomicBoolean();

    /**
     * @param alignmentBytes offsets, lengths and buffer addresses not a multiple of it complete with -EINVAL
     * @param readOnly       writes complete with -EBADF
     */
    ChannelWorkers(PortableSlots slots, PortableFile[] files, int alignmentBytes, boolean readOnly, int threadCount,
                   String name) {
        this.slots = slots;
        this.files = files;
        this.alignmentBytes = alignmentBytes;
        this.readOnly = readOnly;
        this.work = new IntFifo(slots.opcode.length);
        this.completions = new IntFifo(slots.opcode.length);
        this.threads = new Thread[threadCount];
        for (int index = 0; index < threadCount; index++) {
            threads[index] = Thread.ofPlatform().daemon(true).name("csum-io-" + index + " " + name)
                    .unstarted(this::runWorker);
        }
        for (Thread thread : threads) {
            thread.start(); // after every field is set: start() orders them before the thread's reads
        }
    }

    int threadCount() {
        return threads.length;
    }

    /** Threads still running (none once {@link #awaitStopped} returned in time). */
    int liveCount() {
        int live = 0;
        for (Thread thread : threads) {
            live += thread.isAlive() ? 1 : 0;
        }
        return live;
    }

    // ---- the event loop's side ---------------------------------------------------------------

    /** Event loop: hands the chain starting at slot {@code head} to a worker. */
    void run(int head) {
        synchronized (workMonitor) {
            work.add(head);
            workMonitor.notify();
        }
    }

    /**
     * Event loop: moves every completed slot, oldest first, into {@code into}. With {@code wait} and
     * none completed, waits for one, unless a wakeup is pending or comes (it is consumed then).
     *
     * @return how many slots were moved; 0 when none had completed (and, with {@code wait}, on a wakeup)
     */
    int takeCompletions(int[] into, boolean wait) {
        boolean interrupted = false;
        try {
            synchronized (completionMonitor) {
                while (completions.isEmpty()) {
                    if (!wait) {
                        return 0;
                    }
                    loopWaiting = true; // then take wakeupPending: pairs with wakeup()'s set, then load
                    if (wakeupPending.getAndSet(false)) {
                        loopWaiting = false;
                        return 0;
                    }
                    try {
                        completionMonitor.wait();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                    loopWaiting = false;
                }
                return completions.drainTo(into);
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Any thread: ends the loop's current or next wait in {@link #takeCompletions}. */
    void wakeup() {
        if (wakeupPending.getAndSet(true)) {
            return; // an earlier wakeup is still pending: it notified, or the loop will see it
        }
        if (loopWaiting) {
            synchronized (completionMonitor) {
                completionMonitor.notify();
            }
        }
    }

    /** Tells every worker to end after the operation it is in; chains not yet started are dropped. */
    void stop() {
        synchronized (workMonitor) {
            stopping = true;
            workMonitor.notifyAll();
        }
    }

    /** Waits up to {@code timeoutNanos} for every worker to end (a device that never answers keeps one). */
    void awaitStopped(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        boolean interrupted = false;
        for (Thread thread : threads) {
            while (thread.isAlive()) {
                long remainingNanos = deadline - System.nanoTime();
                if (remainingNanos <= 0) {
                    break;
                }
                try {
                    thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remainingNanos)));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the workers' side -------------------------------------------------------------------

    private void runWorker() {
        while (true) {
            int head;
            synchronized (workMonitor) {
                while (work.isEmpty() && !stopping) {
                    try {
                        workMonitor.wait();
                    } catch (InterruptedException ignored) {
                        // Nothing interrupts the workers; stop() ends them through the flag.
                    }
                }
                if (stopping) {
                    return;
                }
                head = work.poll();
            }
            runChain(head);
        }
    }

    /** Runs a chain's operations in order, each handed back as it completes; cancels the rest after a failure. */
    private void runChain(int head) {
        boolean failed = false;
        int slot = head;
        while (slot != PortableSlots.NONE) {
            int next = slots.next[slot]; // read before the slot is handed back: the loop may reuse it
            int result;
            if (failed) {
                result = -Errno.ECANCELED;
            } else {
                try {
                    result = execute(slot);
                } catch (Throwable unexpected) {
                    result = -Errno.EIO; // never lose a completion: the loop would wait for it forever
                }
                failed = !slots.completedInFull(slot, result);
            }
            slots.result[slot] = result;
            synchronized (completionMonitor) {
                completions.add(slot);
                if (loopWaiting) {
                    completionMonitor.notify();
                }
            }
            slot = next;
        }
    }

    /** Performs one operation. Returns bytes transferred, 0 for an fsync, or a negative errno. */
    private int execute(int slot) {
        int flags = slots.flags[slot];
        if ((flags & ~FileChannelIoPort.FLAGS_KNOWN) != 0) {
            return -Errno.EINVAL;
        }
        PortableFile file = files[slots.fileIndex[slot]];
        byte opcode = slots.opcode[slot];
        try {
            if (opcode == PortableSlots.FSYNC) {
                file.force((flags & IoPort.FLAG_DATASYNC) == 0);
                return 0;
            }
            if (opcode == PortableSlots.PUNCH) {
                long offsetBytes = slots.offsetBytes[slot];
                long lengthBytes = slots.punchBytes[slot];
                if (offsetBytes < 0 || lengthBytes <= 0 || offsetBytes % alignmentBytes != 0
                        || lengthBytes % alignmentBytes != 0) {
                    return -Errno.EINVAL;
                }
                return readOnly ? -Errno.EBADF : file.punch(offsetBytes, lengthBytes);
            }
            MemorySegment buffer = slots.buffer[slot];
            long offsetBytes = slots.offsetBytes[slot];
            int refused = refusal(opcode, buffer, offsetBytes);
            if (refused != 0) {
                return refused;
            }
            if (buffer.byteSize() == 0) {
                return 0;
            }
            return opcode == PortableSlots.READ ? file.read(buffer, offsetBytes)
                    : file.write(buffer, offsetBytes, (flags & IoPort.FLAG_DSYNC) != 0);
        } catch (IOException | RuntimeException failure) {
            return PortableFile.negativeErrno(failure);
        }
    }

    /** The negative errno a read or write is refused with before any I/O, or 0. */
    private int refusal(byte opcode, MemorySegment buffer, long offsetBytes) {
        if (!buffer.isNative() || (opcode == PortableSlots.READ && buffer.isReadOnly())) {
            return -Errno.EFAULT;
        }
        long lengthBytes = buffer.byteSize();
        if (offsetBytes < 0 || lengthBytes > Integer.MAX_VALUE || offsetBytes % alignmentBytes != 0
                || lengthBytes % alignmentBytes != 0 || buffer.address() % alignmentBytes != 0) {
            return -Errno.EINVAL;
        }
        if (opcode == PortableSlots.WRITE && readOnly) {
            return -Errno.EBADF; // what a write to an O_RDONLY descriptor gives
        }
        return 0;
    }
}
