package dev.csum.jmh;

import dev.csum.uring.AlignedBufferPool;
import dev.csum.uring.CompletionSink;
import dev.csum.uring.IoUringConstants;
import dev.csum.uring.NativeFile;
import dev.csum.uring.NativeIoException;
import dev.csum.uring.Ring;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * 4 KiB random reads with {@code O_DIRECT} through {@link Ring} alone, on one thread, keeping
 * {@code queueDepth} reads in flight: the workload of
 * {@code fio --ioengine=io_uring --direct=1 --rw=randread --bs=4k --iodepth=N}, for a side-by-side
 * comparison (docs/PERFORMANCE.md, "Ring vs fio").
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp jmh/target/benchmarks.jar dev.csum.jmh.RingRandomReadBenchmark \
 *      FILE SECONDS QUEUE_DEPTH [fixed] [coop] [defer]
 * </pre>
 *
 * Like fio's defaults it reaps with a wait for one completion ({@code iodepth_batch_complete_min=1})
 * and refills the queue before each wait. {@code fixed} registers the buffers and uses READ_FIXED;
 * {@code coop} sets IORING_SETUP_COOP_TASKRUN; {@code defer} sets SINGLE_ISSUER | DEFER_TASKRUN.
 * By default the loop is <em>batched</em>: refill every free slot, then one
 * {@code io_uring_submit_and_wait(1)}. {@code eager} submits each read as soon as it is prepared
 * (fio's default {@code iodepth_batch_submit=1}); {@code split} submits the refill, then waits
 * separately. See docs/PERFORMANCE.md for what each costs.
 * Prints IOPS, MiB/s and the process CPU time.
 */
public final class RingRandomReadBenchmark {

    private static final int BLOCK_BYTES = 4096;

    private RingRandomReadBenchmark() {}

    public static void main(String[] arguments) throws Exception {
        if (arguments.length < 3) {
            System.err.println("usage: RingRandomReadBenchmark FILE SECONDS QUEUE_DEPTH [fixed] [coop] [defer]");
            System.exit(2);
        }
        Path path = Path.of(arguments[0]);
        double seconds = Double.parseDouble(arguments[1]);
        int queueDepth = Integer.parseInt(arguments[2]);
        boolean fixed = false;
        boolean eager = false;
        boolean split = false;
        int setupFlags = 0;
        for (int index = 3; index < arguments.length; index++) {
            switch (arguments[index]) {
                case "fixed" -> fixed = true;
                case "eager" -> eager = true;
                case "split" -> split = true;
                case "coop" -> setupFlags |= IoUringConstants.IORING_SETUP_COOP_TASKRUN;
                case "defer" -> setupFlags |= IoUringConstants.IORING_SETUP_SINGLE_ISSUER
                        | IoUringConstants.IORING_SETUP_DEFER_TASKRUN;
                default -> throw new IllegalArgumentException("unknown option " + arguments[index]);
            }
        }

        try (NativeFile file = NativeFile.open(path, true, false);
             AlignedBufferPool pool = new AlignedBufferPool(queueDepth, BLOCK_BYTES, BLOCK_BYTES);
             Ring ring = Ring.open(queueDepth, setupFlags)) {
            long blockCount = file.sizeBytes() / BLOCK_BYTES;
            if (blockCount == 0) {
                throw new IllegalArgumentException(path + " is smaller than one block");
            }
            if (fixed) {
                ring.registerBuffers(pool.slab());
            }
            var workload = new Workload(ring, file.fd(), pool, blockCount, fixed, eager, split);
            workload.run((long) (0.5e9)); // warm-up: JIT the loop before timing it
            var bean = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpuStartNanos = bean.getProcessCpuTime();
            long startNanos = System.nanoTime();
            long completed = workload.run((long) (seconds * 1e9));
            long elapsedNanos = System.nanoTime() - startNanos;
            long cpuNanos = bean.getProcessCpuTime() - cpuStartNanos;
            double iops = completed * 1e9 / elapsedNanos;
            String mode = (eager ? " eager" : split ? " split" : " batched") + (fixed ? " fixed" : "");
            System.out.printf("ring randread qd=%d flags=0x%x%s: %.0f IOPS, %.1f MiB/s, %d reads in %.2f s, cpu %.2f s (%.0f%%)%n",
                    queueDepth, setupFlags, mode, iops, iops * BLOCK_BYTES / (1 << 20), completed,
                    elapsedNanos / 1e9, cpuNanos / 1e9, 100.0 * cpuNanos / elapsedNanos);
        }
    }

    /** The I/O loop, allocation-free: refill, submit-and-wait for one, reap the batch. */
    private static final class Workload implements CompletionSink {
        private final Ring ring;
        private final int fd;
        private final AlignedBufferPool pool;
        private final long blockCount;
        private final boolean fixed;
        private final boolean eager;
        private final boolean split;
        private final SplittableRandom random = new SplittableRandom(1);
        private long completed;
        private int failures;

        Workload(Ring ring, int fd, AlignedBufferPool pool, long blockCount, boolean fixed, boolean eager,
                 boolean split) {
            this.eager = eager;
            this.split = split;
            this.ring = ring;
            this.fd = fd;
            this.pool = pool;
            this.blockCount = blockCount;
            this.fixed = fixed;
        }

        long run(long durationNanos) throws NativeIoException {
            completed = 0;
            long deadline = System.nanoTime() + durationNanos;
            while (true) {
                boolean stopping = System.nanoTime() - deadline >= 0;
                if (!stopping) {
                    int bufferIndex;
                    while ((bufferIndex = pool.acquireIndex()) >= 0) {
                        MemorySegment buffer = pool.buffer(bufferIndex);
                        long offsetBytes = random.nextLong(blockCount) * BLOCK_BYTES;
                        boolean queued = fixed
                                ? ring.prepareReadFixed(fd, buffer, offsetBytes, 0, 0, bufferIndex)
                                : ring.prepareRead(fd, buffer, offsetBytes, 0, bufferIndex);
                        assert queued : "one buffer per ring slot";
                        if (eager) {
                            ring.submit(); // fio's default: iodepth_batch_submit=1
                        }
                    }
                    if (split) {
                        ring.submit();
                    }
                } else if (ring.outstandingCount() == 0) {
                    break;
                }
                ring.submitAndWait(1);
                ring.reap(this);
            }
            if (failures > 0) {
                throw new IllegalStateException(failures + " reads failed");
            }
            return completed;
        }

        @Override
        public void onCompletion(long userData, int result) {
            if (result != BLOCK_BYTES) {
                failures++;
            }
            pool.release((int) userData);
            completed++;
        }
    }
}
