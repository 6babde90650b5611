package dev.csum.cli;

import dev.csum.IoCallback;
import dev.csum.Volume;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A closed-loop load generator over the volume's low-garbage callback API, like fio with a fixed
 * {@code iodepth}: exactly {@code iodepth} requests are in flight, each completion starting the next
 * request in the same slot of one preallocated buffer slab. Nothing is allocated per operation: the
 * offsets come from a xorshift generator or a cursor, the token is the slot index.
 *
 * <p>Threading: the generator state is written by the calling thread before the first submit (which
 * publishes it to the event loop) and afterwards only by the event loop; the counters are read back
 * after the latch opens. {@link #stop} is the only cross-thread signal while running.
 */
final class BenchRunner implements IoCallback {
    /** The fio {@code rw} workloads. */
    enum Workload {
        READ("read", false, false), WRITE("write", false, true), RANDREAD("randread", true, false),
        RANDWRITE("randwrite", true, true), RANDRW("randrw", true, false);

        final String fioName;
        final boolean random;
        final boolean writes;

        Workload(String fioName, boolean random, boolean writes) {
            this.fioName = fioName;
            this.random = random;
            this.writes = writes;
        }

        boolean reads() {
            return this != WRITE && this != RANDWRITE;
        }

        boolean mixed() {
            return this == RANDRW;
        }

        static Workload parse(String name) {
            for (Workload workload : values()) {
                if (workload.fioName.equals(name.toLowerCase(Locale.ROOT))) {
                    return workload;
                }
            }
            throw new IllegalArgumentException("unknown workload '" + name
                + "' (valid: read, write, randread, randwrite, randrw)");
        }
    }

    /** What a run did. {@code failure} is the first I/O error, which stopped the run. */
    record Outcome(long readOps, long writeOps, long readBytes, long writeBytes, double seconds, double cpuSeconds,
                   IOException failure, boolean readsInPlace) {
        long ops() {
            return readOps + writeOps;
        }
    }

    private final Volume volume;
    private final Workload workload;
    private final int requestBytes;
    private final int depth;
    private final long regionBytes;
    private final boolean singlePass;
    private final MemorySegment[] slots;
    private final boolean[] slotWrites;
    private final long[] slotOffsets;
    private final CountDownLatch drained = new CountDownLatch(1);
    private volatile boolean stop;
    // Event-loop state (see the class comment).
    private long random = 0x9E3779B97F4A7C15L;
    private long cursorBytes;
    private int inFlight;
    private long readOps;
    private long writeOps;
    private long readBytes;
    private long writeBytes;
    private IOException failure;
    private volatile long progressBytes;
    private final boolean readsInPlace;

    /**
     * @param requestBytes bytes per request, a multiple of the block size
     * @param regionBytes requests fall in {@code [0, regionBytes)}
     * @param singlePass sequential workloads only: stop after one pass over the region (the layout)
     */
    BenchRunner(Volume volume, Workload workload, int requestBytes, int depth, long regionBytes, boolean singlePass,
                boolean copyReads, Arena arena) {
        this.volume = volume;
        this.workload = workload;
        this.requestBytes = requestBytes;
        this.depth = depth;
        this.regionBytes = regionBytes;
        this.singlePass = singlePass;
        MemorySegment slab = arena.allocate((long) depth * requestBytes, volume.directAlignmentBytes());
        // Reads go straight into the slots (Volume.readInPlace) when every slot is aligned for it.
        this.readsInPlace = !copyReads && requestBytes % volume.directAlignmentBytes() == 0;
        // Incompressible-looking data, written once, like fio's default buffer fill.
        long seed = 0x2545F4914F6CDD1DL;
        for (long i = 0; i + Long.BYTES <= slab.byteSize(); i += Long.BYTES) {
            seed ^= seed << 13;
            seed ^= seed >>> 7;
            seed ^= seed << 17;
            slab.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, i, seed);
        }
        this.slots = new MemorySegment[depth];
        this.slotWrites = new boolean[depth];
        this.slotOffsets = new long[depth];
        for (int i = 0; i < depth; i++) {
            slots[i] = slab.asSlice((long) i * requestBytes, requestBytes);
        }
    }

    /**
     * Runs for {@code runtime} (or, single pass, until the region is covered), then waits for the
     * requests in flight. {@code progress} is told every {@code interval} on this thread.
     */
    Outcome run(Duration runtime, PassProgress progress, Duration interval) throws InterruptedException {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuStartNanos = os.getProcessCpuTime();
        long startNanos = System.nanoTime();
        long deadlineNanos = singlePass ? Long.MAX_VALUE : startNanos + runtime.toNanos();
        // Choose every first request before submitting any: the event loop owns the state afterwards.
        int initial = 0;
        while (initial < depth && (!singlePass || cursorBytes < regionBytes)) {
            choose(initial++);
        }
        inFlight = initial;
        for (int slot = 0; slot < initial; slot++) {
            submit(slot);
        }
        while (!drained.await(Math.min(interval.toNanos(), Math.max(1, deadlineNanos - System.nanoTime())),
            TimeUnit.NANOSECONDS)) {
            if (System.nanoTime() >= deadlineNanos) {
                stop = true;
            }
            progress.update(progressBytes, singlePass ? regionBytes : 0, 0, false);
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double cpuSeconds = (os.getProcessCpuTime() - cpuStartNanos) / 1e9;
        progress.update(progressBytes, singlePass ? regionBytes : 0, 0, true);
        return new Outcome(readOps, writeOps, readBytes, writeBytes, seconds, cpuSeconds, failure, readsInPlace);
    }

    /** Picks the next request's direction and offset for {@code slot}. */
    private void choose(int slot) {
        boolean write;
        if (workload.mixed()) {
            write = (next() & 1) != 0;
        } else {
            write = workload.writes;
        }
        long offset;
        if (workload.random) {
            offset = Long.remainderUnsigned(next(), regionBytes / requestBytes) * requestBytes;
        } else {
            if (!singlePass && cursorBytes + requestBytes > regionBytes) {
                cursorBytes = 0;
            }
            offset = cursorBytes;
            cursorBytes += requestBytes;
        }
        slotWrites[slot] = write;
        slotOffsets[slot] = offset;
    }

    private long next() {
        // xorshift64: cheap, allocation-free, plenty random for offsets.
        long x = random;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        random = x;
        return x;
    }

    private long lengthOf(int slot) {
        return Math.min(requestBytes, regionBytes - slotOffsets[slot]);
    }

    private void submit(int slot) {
        if (slotWrites[slot]) {
            volume.write(slotOffsets[slot], lengthOf(slot), slots[slot], null, this, slot);
        } else if (readsInPlace) {
            volume.readInPlace(slotOffsets[slot], lengthOf(slot), slots[slot], null, this, slot);
        } else {
            volume.read(slotOffsets[slot], lengthOf(slot), slots[slot], null, this, slot);
        }
    }

    /** Event loop: counts the completion and keeps the slot busy until told to stop. */
    @Override
    public void onComplete(long token, IOException error) {
        int slot = (int) token;
        long length = lengthOf(slot);
        if (error != null) {
            if (failure == null) {
                failure = error;
            }
            stop = true;
        } else if (slotWrites[slot]) {
            writeOps++;
            writeBytes += length;
        } else {
            readOps++;
            readBytes += length;
        }
        progressBytes += length;
        if (!stop && (!singlePass || cursorBytes < regionBytes)) {
            choose(slot);
            try {
                submit(slot);
                return;
            } catch (RuntimeException stopped) {
                if (failure == null) {
                    failure = new IOException("bench stopped: " + Main.describe(stopped), stopped);
                }
                stop = true;
            }
        }
        if (--inFlight == 0) {
            drained.countDown();
        }
    }
}
