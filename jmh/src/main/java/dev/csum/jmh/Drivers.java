package dev.csum.jmh;

import dev.csum.IoCallback;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.uring.AlignedBufferPool;
import dev.csum.uring.CompletionSink;
import dev.csum.uring.NativeFile;
import dev.csum.uring.Ring;
import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** The closed-loop drivers compared by {@link IoBenchmark}: one per way of doing the same I/O. */
final class Drivers {
    private Drivers() {}

    static ClosedLoop create(String path, Workload workload, long sizeBytes) throws IOException {
        return switch (path) {
            case "callback" -> new VolumeCallback(BenchFiles.volume(sizeBytes), workload, false);
            case "callback-inplace" -> new VolumeCallback(BenchFiles.volume(sizeBytes), workload, true);
            case "future" -> new VolumeFuture(BenchFiles.volume(sizeBytes), workload);
            case "ring" -> new RingLoop(BenchFiles.rawFile(sizeBytes), workload, false);
            case "ring-eager" -> new RingLoop(BenchFiles.rawFile(sizeBytes), workload, true);
            case "filechannel" -> new FileChannelThreads(BenchFiles.rawFile(sizeBytes), workload);
            default -> throw new IllegalArgumentException("unknown path " + path);
        };
    }

    /** Native buffers, one per slot, filled with random bytes (what writes send). */
    static MemorySegment[] buffers(Arena arena, Workload workload) {
        MemorySegment[] buffers = new MemorySegment[workload.queueDepth()];
        SplittableRandom random = new SplittableRandom(7);
        for (int slot = 0; slot < buffers.length; slot++) {
            buffers[slot] = arena.allocate(workload.blockBytes(), 4096);
            for (long i = 0; i < workload.blockBytes(); i += Long.BYTES) {
                buffers[slot].set(ValueLayout.JAVA_LONG, i, random.nextLong());
            }
        }
        return buffers;
    }

    /**
     * The engine, closed loop: each slot's completion issues that slot's next operation. Subclasses
     * choose the API form through which an operation is issued.
     */
    abstract static class VolumeDriver extends ClosedLoop {
        final Workload workload;
        final Volume volume;
        final MemorySegment[] buffers;
        private final Arena arena = Arena.ofShared();
        private final Workload.Offsets offsets;
        private final AtomicInteger inFlight = new AtomicInteger();

        VolumeDriver(Path device, Workload workload) throws IOException {
            this.workload = workload;
            this.volume = Volume.open(VolumeOptions.of(device));
            this.buffers = buffers(arena, workload);
            this.offsets = workload.offsets(volume.sizeBytes(), 1);
        }

        /** Issues one operation for {@code slot}; its completion must call {@link #completedSlot}. */
        abstract void issue(int slot, long offsetBytes);

        @Override
        void start() {
            // Issued from this thread before the loop runs any completion; offsets is then only used
            // by the completing thread (the queue handing requests over publishes our writes).
            long[] first = new long[workload.queueDepth()];
            for (int slot = 0; slot < first.length; slot++) {
                first[slot] = offsets.next();
            }
            inFlight.set(first.length);
            for (int slot = 0; slot < first.length; slot++) {
                issue(slot, first[slot]);
            }
        }

        final void completedSlot(int slot, Throwable failure) {
            completed(failure);
            if (running) {
                issue(slot, offsets.next());
            } else {
                inFlight.decrementAndGet();
            }
        }

        @Override
        public void close() throws Exception {
            running = false;
            while (inFlight.get() > 0) {
                sleepMillis(1);
            }
            volume.close();
            arena.close();
        }
    }

    /**
     * The engine's low-garbage API: the callback (on the event loop) issues the slot's next operation.
     * {@code inPlace}: reads with {@code Volume.readInPlace} (the slots are 4096-aligned native memory).
     */
    static final class VolumeCallback extends VolumeDriver implements IoCallback {
        private final boolean inPlace;

        VolumeCallback(Path device, Workload workload, boolean inPlace) throws IOException {
            super(device, workload);
            this.inPlace = inPlace;
        }

        @Override
        void issue(int slot, long offsetBytes) {
            if (workload.write()) {
                volume.write(offsetBytes, workload.blockBytes(), buffers[slot], null, this, slot);
            } else if (inPlace) {
                volume.readInPlace(offsetBytes, workload.blockBytes(), buffers[slot], null, this, slot);
            } else {
                volume.read(offsetBytes, workload.blockBytes(), buffers[slot], null, this, slot);
            }
        }

        @Override
        String describe() {
            var stats = volume.stats();
            return String.format(", %.2f writes per imd commit", (double) stats.writes() / Math.max(1, stats.imdCommits()));
        }

        @Override
        public void onComplete(long token, IOException failure) {
            completedSlot((int) token, failure);
        }
    }

    /** The engine through CompletableFuture: one future and one continuation per operation. */
    static final class VolumeFuture extends VolumeDriver {
        VolumeFuture(Path device, Workload workload) throws IOException {
            super(device, workload);
        }

        @Override
        void issue(int slot, long offsetBytes) {
            CompletableFuture<Void> future = workload.write() ? volume.write(offsetBytes, buffers[slot])
                    : volume.read(offsetBytes, buffers[slot]);
            future.whenComplete((ignored, failure) -> completedSlot(slot, failure));
        }
    }

    /**
     * Raw io_uring through {@link Ring}, no checksums, on one thread. Batched (the engine's policy):
     * refill every free slot, then one {@code io_uring_submit_and_wait(1)}; eager: one
     * {@code io_uring_submit} per operation as soon as it is prepared (fio's default).
     */
    static final class RingLoop extends ClosedLoop implements CompletionSink {
        private final Workload workload;
        private final boolean eager;
        private final NativeFile file;
        private final AlignedBufferPool pool;
        private final Ring ring;
        private final Workload.Offsets offsets;
        private final Thread thread;
        private volatile Throwable loopFailure;

        RingLoop(Path path, Workload workload, boolean eager) throws IOException {
            this.workload = workload;
            this.eager = eager;
            this.file = NativeFile.open(path, !workload.write(), false);
            this.pool = new AlignedBufferPool(workload.queueDepth(), workload.blockBytes(), 4096);
            this.ring = Ring.open(workload.queueDepth());
            this.offsets = workload.offsets(file.sizeBytes(), 1);
            MemorySegment[] random = buffers(Arena.ofAuto(), workload);
            for (int index = 0; index < workload.queueDepth(); index++) {
                MemorySegment.copy(random[index], 0, pool.buffer(index), 0, workload.blockBytes());
            }
            this.thread = Thread.ofPlatform().name("ring-driver").daemon(true).unstarted(this::run);
        }

        @Override
        void start() {
            thread.start();
        }

        private void run() {
            try {
                while (running || ring.outstandingCount() > 0) {
                    int index;
                    while (running && (index = pool.acquireIndex()) >= 0) {
                        MemorySegment buffer = pool.buffer(index);
                        long offsetBytes = offsets.next();
                        boolean queued = workload.write()
                                ? ring.prepareWrite(file.fd(), buffer, offsetBytes, 0, 0, index)
                                : ring.prepareRead(file.fd(), buffer, offsetBytes, 0, index);
                        assert queued : "one buffer per ring slot";
                        if (eager) {
                            ring.submit();
                        }
                    }
                    ring.submitAndWait(1);
                    ring.reap(this);
                }
            } catch (Throwable failure) {
                loopFailure = failure;
                completed(failure);
            }
        }

        @Override
        public void onCompletion(long userData, int result) {
            pool.release((int) userData);
            completed(result == workload.blockBytes() ? null
                    : new IOException("ring operation failed with " + result));
        }

        @Override
        public void close() throws Exception {
            running = false;
            thread.join();
            ring.close();
            pool.close();
            file.close();
            if (loopFailure != null) {
                throw new IllegalStateException("ring driver failed", loopFailure);
            }
        }
    }

    /**
     * What a Java user would otherwise write: a {@link FileChannel} opened with
     * {@link ExtendedOpenOption#DIRECT}, one platform thread per operation in flight, each doing
     * blocking positional reads or writes into its own aligned direct buffer.
     */
    static final class FileChannelThreads extends ClosedLoop {
        private final Workload workload;
        private final FileChannel channel;
        private final Thread[] threads;
        private final long sizeBytes;
        private final java.util.concurrent.atomic.AtomicLong sequentialCursor = new java.util.concurrent.atomic.AtomicLong();

        FileChannelThreads(Path path, Workload workload) throws IOException {
            this.workload = workload;
            this.channel = workload.write()
                    ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)
                    : FileChannel.open(path, StandardOpenOption.READ, ExtendedOpenOption.DIRECT);
            this.sizeBytes = channel.size();
            this.threads = new Thread[workload.queueDepth()];
            for (int index = 0; index < threads.length; index++) {
                int seed = index;
                threads[index] = Thread.ofPlatform().name("filechannel-" + index).daemon(true)
                        .unstarted(() -> run(seed));
            }
        }

        @Override
        void start() {
            for (Thread thread : threads) {
                thread.start();
            }
        }

        private void run(int seed) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(workload.blockBytes() + 4096).alignedSlice(4096);
            buffer.limit(workload.blockBytes());
            SplittableRandom random = new SplittableRandom(seed);
            while (buffer.hasRemaining()) {
                buffer.putLong(random.nextLong());
            }
            Workload.Offsets offsets = workload.offsets(sizeBytes, seed + 1);
            long blocks = sizeBytes / workload.blockBytes();
            try {
                while (running) {
                    long offsetBytes = workload.random() ? offsets.next()
                            : (sequentialCursor.getAndIncrement() % blocks) * workload.blockBytes();
                    buffer.clear().limit(workload.blockBytes());
                    int transferred = workload.write() ? channel.write(buffer, offsetBytes)
                            : channel.read(buffer, offsetBytes);
                    completed(transferred == workload.blockBytes() ? null
                            : new IOException("short transfer " + transferred));
                }
            } catch (IOException failure) {
                completed(failure);
            }
        }

        @Override
        public void close() throws Exception {
            running = false;
            for (Thread thread : threads) {
                thread.join();
            }
            channel.close();
        }
    }
}
