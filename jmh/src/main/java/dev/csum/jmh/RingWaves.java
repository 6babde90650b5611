package dev.csum.jmh;

import dev.csum.uring.CompletionSink;
import dev.csum.uring.NativeFile;
import dev.csum.uring.Ring;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * The device pattern of the engine's random writes, without the engine: raw {@link Ring} writes of
 * 4 KiB at random offsets of FILE, 32 in flight, in one of three shapes (docs/PERFORMANCE.md, "What
 * this disk allows"):
 * <ul>
 *   <li>{@code smooth} — each completed write is replaced at once, one {@code io_uring_enter} each (fio's default);
 *   <li>{@code waves} — 32 writes submitted in chunks of CHUNK, then all 32 awaited, then the next 32;
 *   <li>{@code record} — as {@code waves}, but each wave first writes one 4 KiB "log record" at the next
 *       block of the file's last 60 MiB and waits for it: the shape of the tuple log's commit (a record,
 *       then the data writes it releases, in a closed loop of 32).
 * </ul>
 * What separates the engine's rate from this one's is the engine's own work; what separates this one's
 * from {@code smooth} is the shape. Writes over the whole file but its last 64 MiB: use a scratch file
 * (never a volume).
 * <pre>
 * jmh/run.sh --main dev.csum.jmh.RingWaves FILE smooth|waves|record CHUNK SECONDS
 * </pre>
 */
public final class RingWaves {
    private static final int DEPTH = 32;
    private static final int BLOCK_BYTES = 4096;
    private static final long LOG_BYTES = 60L << 20;

    public static void main(String[] arguments) throws Exception {
        if (arguments.length != 4 || !arguments[1].matches("smooth|waves|record")) {
            System.err.println("usage: RingWaves FILE smooth|waves|record CHUNK SECONDS");
            System.exit(2);
        }
        Path path = Path.of(arguments[0]);
        String shape = arguments[1];
        int chunk = Integer.parseInt(arguments[2]);
        double seconds = Double.parseDouble(arguments[3]);
        if (chunk < 1 || chunk > DEPTH) {
            throw new IllegalArgumentException("CHUNK must be 1.." + DEPTH + ", was " + chunk);
        }
        try (NativeFile file = NativeFile.open(path, false, false); Ring ring = Ring.open(DEPTH + 1);
             Arena arena = Arena.ofConfined()) {
            long sizeBytes = file.sizeBytes();
            if (sizeBytes < 2 * (LOG_BYTES + (4L << 20))) {
                throw new IllegalArgumentException(path + " is " + sizeBytes + " bytes; needs at least 128 MiB");
            }
            RingWaves run = new RingWaves(file.fd(), ring, arena, (sizeBytes - LOG_BYTES - (4L << 20)) / BLOCK_BYTES,
                sizeBytes - LOG_BYTES);
            long end = System.nanoTime() + (long) (seconds * 1e9);
            long start = System.nanoTime();
            long writes = shape.equals("smooth") ? run.smooth(end) : run.waves(end, chunk, shape.equals("record"));
            double elapsed = (System.nanoTime() - start) / 1e9;
            System.out.printf("%s chunk %d: %.0f data writes/s%n", shape, chunk, writes / elapsed);
        }
    }

    private final int fd;
    private final Ring ring;
    private final MemorySegment buffers;
    private final long dataBlocks;
    private final long logOffsetBytes;
    private long random = 0x2545F4914F6CDD1DL;
    private long logBlock;
    private int completed;
    private final CompletionSink sink = (tag, result) -> {
        if (result != BLOCK_BYTES) {
            throw new IllegalStateException("write completed with " + result);
        }
        completed++;
    };

    private RingWaves(int fd, Ring ring, Arena arena, long dataBlocks, long logOffsetBytes) {
        this.fd = fd;
        this.ring = ring;
        this.buffers = arena.allocate((long) (DEPTH + 1) * BLOCK_BYTES, BLOCK_BYTES);
        for (long i = 0; i < buffers.byteSize(); i += Long.BYTES) {
            buffers.set(ValueLayout.JAVA_LONG, i, i * 0x9E3779B97F4A7C15L);
        }
        this.dataBlocks = dataBlocks;
        this.logOffsetBytes = logOffsetBytes;
    }

    private void prepareDataWrite(int slot) {
        random ^= random << 13;
        random ^= random >>> 7;
        random ^= random << 17;
        long offsetBytes = Long.remainderUnsigned(random, dataBlocks) * BLOCK_BYTES;
        ring.prepareWrite(fd, buffers.asSlice((long) slot * BLOCK_BYTES, BLOCK_BYTES), offsetBytes, 0, 0, slot);
    }

    private long smooth(long endNanos) throws Exception {
        long writes = 0;
        int inFlight = 0;
        while (System.nanoTime() < endNanos) {
            while (inFlight < DEPTH) {
                prepareDataWrite(inFlight);
                ring.submit();
                inFlight++;
            }
            ring.submitAndWait(1);
            completed = 0;
            ring.reap(sink);
            inFlight -= completed;
            writes += completed;
        }
        return writes;
    }

    private long waves(long endNanos, int chunk, boolean record) throws Exception {
        long writes = 0;
        while (System.nanoTime() < endNanos) {
            if (record) {
                ring.prepareWrite(fd, buffers.asSlice((long) DEPTH * BLOCK_BYTES, BLOCK_BYTES),
                    logOffsetBytes + (logBlock++ % (LOG_BYTES / BLOCK_BYTES)) * BLOCK_BYTES, 0, 0, DEPTH);
                awaitAll(1);
            }
            for (int slot = 0; slot < DEPTH; slot++) {
                prepareDataWrite(slot);
                if ((slot + 1) % chunk == 0) {
                    ring.submit();
                }
            }
            awaitAll(DEPTH);
            writes += DEPTH;
        }
        return writes;
    }

    private void awaitAll(int count) throws Exception {
        completed = 0;
        while (completed < count) {
            ring.submitAndWait(1);
            ring.reap(sink);
        }
    }
}
