package dev.csum.torture;

import dev.csum.IntegrityException;
import dev.csum.FormatOptions;
import dev.csum.IoEngine;
import dev.csum.Volume;
import dev.csum.VolumeInfo;
import dev.csum.VolumeOptions;
import dev.csum.io.FileChannelIoPort;
import dev.csum.io.IoPort;
import dev.csum.io.UringIoPort;
import dev.csum.internal.VolumeInternals;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Crash replay on a real I/O port (io_uring or the portable one), after dm-log-writes: a workload
 * runs on a volume in a file through {@link RecordingIoPort}, which logs every completed device
 * write and fsync in completion order. Then, for every prefix of that log — after each write and at
 * each flush — the image a crash at that moment leaves (the formatted image plus the first {@code k}
 * writes) is written to a check file, the volume is opened on it on the same port, and every block
 * the workload touched must read as its last completed write or a write in flight at that moment,
 * never as an integrity error (no write is lost or reordered in this model, so none is allowed).
 *
 * <p>Images are built incrementally: one write is applied per point, and the few bytes the check
 * volume itself writes (settling at close) are restored afterwards from the in-memory image.
 */
public final class CrashReplay {

    /** What a replay checked. */
    public record Result(int crashPoints, int flushPoints, int writes, long blockReads, List<String> violations) {
    }

    /** One write of the workload: its blocks, version, and when it was issued and completed (clock). */
    private record WriteEvent(long firstBlock, int blockCount, long version, long issuedAt, AtomicLong completedAt) {
    }

    private static final long VOLUME_BYTES = 4L << 20;
    private static final int MAX_VIOLATIONS = 10;

    private CrashReplay() {
    }

    /**
     * Runs {@code writeCount} writes (seeded) on a 4 MiB interleaved volume in {@code directory}, then
     * replays, every volume on the port of {@code ioEngine} ({@link IoEngine#IO_URING} or
     * {@link IoEngine#PORTABLE}).
     */
    public static Result run(Path directory, long seed, int writeCount, int blockSizeBytes, IoEngine ioEngine)
            throws IOException {
        if (ioEngine == IoEngine.AUTO) {
            throw new IllegalArgumentException("crash replay runs on an explicit port: IO_URING or PORTABLE");
        }
        Path data = directory.resolve("replay.img");
        Path check = directory.resolve("check.img");
        try (FileChannel channel = FileChannel.open(data, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(new byte[1]), VOLUME_BYTES - 1);
        }
        VolumeInfo geometry = Volume.format(FormatOptions.of(data).withBlockSizeBytes(blockSizeBytes).withOverwrite(true));
        byte[] image = Files.readAllBytes(data);

        AtomicLong clock = new AtomicLong();
        List<WriteEvent> writes = new ArrayList<>();
        RecordingIoPort recorder = new RecordingIoPort(openPort(ioEngine, data, 32, blockSizeBytes), clock);
        try (Arena arena = Arena.ofShared()) {
            Volume volume = VolumeInternals.openOnPort(recorder, VolumeOptions.of(data), false);
            runWorkload(volume, geometry, seed, writeCount, arena, clock, writes);
            volume.close();
        }

        Files.write(check, image);
        List<String> violations = new ArrayList<>();
        int crashPoints = 0;
        int flushPoints = 0;
        long blockReads = 0;
        List<RecordingIoPort.Record> records = recorder.records();
        try (FileChannel checkChannel = FileChannel.open(check, StandardOpenOption.WRITE)) {
            for (int k = 0; k <= records.size(); k++) {
                long now;
                if (k == 0) {
                    now = 0;
                } else {
                    RecordingIoPort.Record record = records.get(k - 1);
                    now = record.sequence();
                    if (record.isFlush()) {
                        flushPoints++;
                    } else {
                        System.arraycopy(record.data(), 0, image, (int) record.offsetBytes(), record.data().length);
                        checkChannel.write(ByteBuffer.wrap(record.data()), record.offsetBytes());
                    }
                }
                crashPoints++;
                blockReads += checkPoint(check, checkChannel, image, geometry, writes, now, k, violations, ioEngine);
            }
        }
        Files.deleteIfExists(check);
        Files.deleteIfExists(data);
        return new Result(crashPoints, flushPoints, writes.size(), blockReads, violations);
    }

    private static void runWorkload(Volume volume, VolumeInfo geometry, long seed, int writeCount, Arena arena,
                                    AtomicLong clock, List<WriteEvent> writes) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        int blockSize = geometry.blockSizeBytes();
        long hotBlocks = Math.min(geometry.dataBlockCount(), 3L * geometry.blocksPerGroup());
        long version = 1;
        while (writes.size() < writeCount) {
            int batch = 1 + random.nextInt(6);
            List<long[]> ranges = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                int length = random.nextInt(8) == 0 ? 2 + random.nextInt(Math.min(120, geometry.blocksPerGroup()))
                    : 1 + random.nextInt(4);
                // Writes of a batch may overlap: the engine applies them in the order issued.
                ranges.add(new long[] {random.nextLong(hotBlocks - length), length});
            }
            CountDownLatch done = new CountDownLatch(ranges.size());
            IOException[] failure = {null};
            for (long[] range : ranges) {
                long first = range[0];
                int count = (int) range[1];
                MemorySegment buffer = arena.allocate((long) count * blockSize, 8);
                long thisVersion = version++;
                for (int i = 0; i < count; i++) {
                    BlockPattern.fill(buffer, (long) i * blockSize, blockSize, thisVersion, first + i);
                }
                WriteEvent event = new WriteEvent(first, count, thisVersion, clock.incrementAndGet(),
                    new AtomicLong(Long.MAX_VALUE));
                writes.add(event);
                volume.write(first * blockSize, buffer.byteSize(), buffer, null, (token, error) -> {
                    event.completedAt.set(clock.incrementAndGet());
                    if (error != null) {
                        failure[0] = error;
                    }
                    done.countDown();
                }, 0);
            }
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            if (failure[0] != null) {
                throw failure[0];
            }
            if (random.nextInt(8) == 0) {
                volume.flushBlocking();
            }
        }
    }

    private static IoPort openPort(IoEngine ioEngine, Path file, int queueDepth, int blockSizeBytes)
            throws IOException {
        return ioEngine == IoEngine.PORTABLE ? FileChannelIoPort.open(file, null, queueDepth, false, blockSizeBytes)
            : UringIoPort.open(file, null, queueDepth, false);
    }

    /** Opens the volume on the crash image, checks every touched block, and restores the image. Returns block reads. */
    private static long checkPoint(Path check, FileChannel checkChannel, byte[] image, VolumeInfo geometry,
                                   List<WriteEvent> writes, long now, int point, List<String> violations,
                                   IoEngine ioEngine) throws IOException {
        int blockSize = geometry.blockSizeBytes();
        long maxBlock = 0;
        for (WriteEvent write : writes) {
            maxBlock = Math.max(maxBlock, write.firstBlock + write.blockCount);
        }
        RecordingIoPort checker = new RecordingIoPort(openPort(ioEngine, check, 16, blockSize), new AtomicLong());
        long reads = 0;
        try (Arena arena = Arena.ofShared()) { // the event-loop thread fills the buffer
            Volume volume = VolumeInternals.openOnPort(checker, VolumeOptions.of(check).withBufferArenaBytes(4L << 20), false);
            int chunkBlocks = 128;
            MemorySegment buffer = arena.allocate((long) chunkBlocks * blockSize, 4096);
            for (long first = 0; first < maxBlock; first += chunkBlocks) {
                int count = (int) Math.min(chunkBlocks, maxBlock - first);
                MemorySegment slice = buffer.asSlice(0, (long) count * blockSize);
                try {
                    try {
                        volume.read(first * blockSize, slice).get(30, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                    } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
                        throw new IOException("read timed out at crash point " + point + ": " + volume.stats(), e);
                    }
                    reads += count;
                } catch (IntegrityException e) {
                    violation(violations, "crash point " + point + ": integrity error on blocks "
                        + java.util.Arrays.toString(e.badBlocks()));
                    continue;
                }
                for (int i = 0; i < count; i++) {
                    long block = first + i;
                    long version = BlockPattern.decode(slice, (long) i * blockSize, blockSize, block);
                    if (!acceptable(writes, block, version, now)) {
                        violation(violations, "crash point " + point + ": block " + block + " reads version " + version);
                    }
                }
            }
            volume.close();
        }
        // Undo what the check volume wrote (settling at close): the next point starts from the image.
        for (RecordingIoPort.Record record : checker.records()) {
            if (!record.isFlush()) {
                checkChannel.write(ByteBuffer.wrap(image, (int) record.offsetBytes(), record.data().length),
                    record.offsetBytes());
            }
        }
        return reads;
    }

    /**
     * The newest write of the block completed before {@code now}, or a newer one in flight at
     * {@code now}. Versions grow in the order writes were issued, the order the engine applies
     * writes to the same block in (an older write completing after a newer one landed before it).
     */
    private static boolean acceptable(List<WriteEvent> writes, long block, long version, long now) {
        long newestCompleted = BlockPattern.ZEROS;
        for (WriteEvent write : writes) {
            if (covers(write, block) && write.issuedAt <= now && write.completedAt.get() < now) {
                newestCompleted = Math.max(newestCompleted, write.version);
            }
        }
        if (version == newestCompleted) {
            return true;
        }
        for (WriteEvent write : writes) {
            if (covers(write, block) && write.issuedAt <= now && write.completedAt.get() >= now
                    && write.version == version && version > newestCompleted) {
                return true;
            }
        }
        return false;
    }

    private static boolean covers(WriteEvent write, long block) {
        return block >= write.firstBlock && block < write.firstBlock + write.blockCount;
    }

    private static void violation(List<String> violations, String detail) {
        if (violations.size() < MAX_VIOLATIONS) {
            violations.add(detail);
        }
    }
}
