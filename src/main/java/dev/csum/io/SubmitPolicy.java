package dev.csum.io;

/**
 * When {@link UringIoPort} hands a prepared operation to the kernel: at once (its own
 * {@code io_uring_enter}, "eager"), with the operations queued before it once they make a chunk, or
 * with everything else prepared in the loop step, at the step's single submit-and-wait ("batched").
 * Eager buys device time — the first operation of a burst
 * starts while the rest are prepared — and costs a system call and, on a virtio disk, a device
 * notification (a VM exit) per operation. A link chain is never submitted before its last member
 * (the port checks that). Measurements: docs/PERFORMANCE.md, "What changed" (issue 6),
 * "Submitting small reads in batches" (issue 14) and "Submitting in chunks" (issue 13).
 *
 * @param eager false: everything waits for the step's submit ({@code -Dcsum.uring.submit=batched}),
 *     whatever the chunk
 * @param maxEagerWriteBytes writes below this size go at once (default 0: none). With the tuple
 *     log a record's completion releases its commits' data writes in a burst; sent together they
 *     cost one system call and adjacent ones merge in the block layer's plug (eager 4 KiB writes
 *     cost a third of the random-write throughput)
 * @param minEagerReadBytes reads of at least this size go at once (default 64 KiB); smaller ones
 *     wait, so the reads a step starts share one {@code io_uring_enter} (4 KiB random reads at depth
 *     32 +30–50 % on 2026-12-03; 128 KiB reads within the noise either way)
 * @param readChunkOperations once this many prepared operations wait for the step's submit, a
 *     small read prepared goes to the kernel with them (default 4; {@code -Dcsum.uring.readChunk})
 * @param writeChunkOperations the same for a write (default 4; {@code -Dcsum.uring.writeChunk}).
 *     A virtio disk takes one notification's requests as a batch and completes them together: 32
 *     writes sent in one system call finished ~540 µs later, in chunks of 8 ~275 µs; chunks of 8
 *     ran 4 KiB random reads 1.26× and writes 1.19× faster than none (PERFORMANCE.md, "Submitting
 *     in chunks"). Writes went in chunks of 16 until the engine reaped a completed batch whole
 *     ({@code DeviceQueue}'s straggler reaps): a record's 32 data writes submitted 16 at a time reach
 *     the disk ~100 µs apart (each {@code io_uring_enter} issues its writes inline), 4 at a time the
 *     disk starts sooner; together +18 % on 4 KiB random writes, 128 KiB writes no worse
 *     (PERFORMANCE.md, "Straggler reaps")
 */
record SubmitPolicy(boolean eager, long maxEagerWriteBytes, long minEagerReadBytes, int readChunkOperations,
                    int writeChunkOperations) {
    /** The default {@link #readChunkOperations}. */
    static final int DEFAULT_READ_CHUNK_OPERATIONS = 4;
    /** The default {@link #writeChunkOperations}. */
    static final int DEFAULT_WRITE_CHUNK_OPERATIONS = 4;

    SubmitPolicy {
        if (readChunkOperations < 1 || writeChunkOperations < 1) {
            throw new IllegalArgumentException("submit chunks must be at least 1 operation, were " + readChunkOperations
                + " (reads) and " + writeChunkOperations + " (writes)");
        }
    }

    /** System property: {@code eager} (default) or {@code batched}. */
    static final String SUBMIT_PROPERTY = "csum.uring.submit";

    /**
     * The policy the system properties choose ({@code csum.uring.submit}, {@code .eagerMaxBytes},
     * {@code .eagerMinReadBytes}, {@code .readChunk}, {@code .writeChunk}).
     */
    static SubmitPolicy fromProperties() {
        return new SubmitPolicy(!"batched".equals(System.getProperty(SUBMIT_PROPERTY, "eager")),
            Long.getLong("csum.uring.eagerMaxBytes", 0), Long.getLong("csum.uring.eagerMinReadBytes", 64 << 10),
            Integer.getInteger("csum.uring.readChunk", DEFAULT_READ_CHUNK_OPERATIONS),
            Integer.getInteger("csum.uring.writeChunk", DEFAULT_WRITE_CHUNK_OPERATIONS));
    }

    /**
     * Whether an operation just prepared goes to the kernel at once.
     *
     * @param writeBytes a write's length, else 0
     * @param readBytes a read's length, else 0 (an fsync or a punch has neither: it goes at once)
     * @param queuedOperations prepared operations not yet submitted, this one included
     */
    boolean submitAtOnce(long writeBytes, long readBytes, int queuedOperations) {
        if (!eager) {
            return false;
        }
        if (writeBytes > 0) {
            return writeBytes < maxEagerWriteBytes || queuedOperations >= writeChunkOperations;
        }
        if (readBytes == 0) {
            return true;
        }
        return readBytes >= minEagerReadBytes || queuedOperations >= readChunkOperations;
    }
}
