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
import dev.csum.format.Geometry;
import dev.csum.format.InvalidVolumeException;
import dev.csum.format.Superblock;
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
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
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
 * <p>The recorded writes are every kind the volume issues (format version 2): tuple log records,
 * data, and imd checkpoint writes (both copies of a group, then a sync, before the log's tail moves);
 * with a small log ({@code logSizeBytes}) the workload runs many checkpoint rounds and wraps the log
 * many times. Each crash point is counted by the kind of its last write ({@link DeviceWriteKind}).
 *
 * <p>Images are built incrementally: one write is applied per point. Opening a crash image writes
 * (recovery rewrites the replayed groups' imd copies and writes an empty record) and so may closing
 * it; every write the check volume issued, completed or not, is restored afterwards from the
 * in-memory image, and before each point the whole check file is compared with that image, so a
 * point never starts from anything but the crash image it claims. The check volume's syncs are
 * answered without reaching the device ({@link SyncSkippingPort}): its writes are undone anyway.
 */
public final class CrashReplay {

    /**
     * What a replay checked.
     *
     * @param crashPoints images opened and checked: the formatted image, then one per recorded write or sync
     * @param flushPoints those whose last record was a sync (a flush's or a checkpoint round's)
     * @param writes the workload's write requests
     * @param blockReads blocks read back over all points
     * @param violations the first few violations; empty when the engine kept its guarantee
     * @param pointsByKind the points whose last record was a device write, by that write's kind
     * @param logWraps how often a record was written below the one before: the log wrapped around
     */
    public record Result(int crashPoints, int flushPoints, int writes, long blockReads, List<String> violations,
                         Map<DeviceWriteKind, Integer> pointsByKind, int logWraps, int logBlockBytes) {

        /** Points whose last write was of {@code kind}. */
        public int points(DeviceWriteKind kind) {
            return pointsByKind.getOrDefault(kind, 0);
        }
    }

    /** One write of the workload: its blocks, version, and when it was issued and completed (clock). */
    private record WriteEvent(long firstBlock, int blockCount, long version, long issuedAt, AtomicLong completedAt) {
    }

    private static final long VOLUME_BYTES = 4L << 20;
    private static final int MAX_VIOLATIONS = 10;

    private CrashReplay() {
    }

    /**
     * A replay's workload and volume.
     *
     * @param seed the workload's seed
     * @param writeCount write requests of the workload
     * @param blockSizeBytes the volume's block size, 512 or 4096
     * @param ioEngine the port every volume runs on: {@link IoEngine#IO_URING} or {@link IoEngine#PORTABLE}
     * @param logSizeBytes the tuple log's size ({@link FormatOptions#withLogSizeBytes}); 0 for the default
     * @param dataBeforeRecord test only: the workload's engine issues data writes before their log
     *     record completed (an ordering bug the replay must catch); false for a real check
     */
    public record Setup(long seed, int writeCount, int blockSizeBytes, IoEngine ioEngine, long logSizeBytes,
                        boolean dataBeforeRecord) {
        public Setup {
            if (ioEngine == IoEngine.AUTO) {
                throw new IllegalArgumentException("crash replay runs on an explicit port: IO_URING or PORTABLE");
            }
        }
    }

    /** Runs the workload of {@code setup} on a 4 MiB interleaved volume in {@code directory}, then replays it. */
    public static Result run(Path directory, Setup setup) throws IOException {
        Path data = directory.resolve("replay.img");
        Path check = directory.resolve("check.img");
        try (FileChannel channel = FileChannel.open(data, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(new byte[1]), VOLUME_BYTES - 1);
        }
        // The portable port does direct I/O in units of the block (the JDK's): log blocks of the block size.
        VolumeInfo geometry = Volume.format(FormatOptions.of(data).withBlockSizeBytes(setup.blockSizeBytes())
            .withLogSizeBytes(setup.logSizeBytes()).withOverwrite(true)
            .withLogBlockBytes(setup.ioEngine() == IoEngine.PORTABLE ? setup.blockSizeBytes() : 0));
        byte[] image = Files.readAllBytes(data);

        AtomicLong clock = new AtomicLong();
        List<WriteEvent> writes = new ArrayList<>();
        RecordingIoPort recorder = new RecordingIoPort(openPort(setup.ioEngine(), data, 32, setup.blockSizeBytes()),
            clock);
        try (Arena arena = Arena.ofShared()) {
            Volume volume = VolumeInternals.openOnPort(recorder, VolumeOptions.of(data), false,
                setup.dataBeforeRecord() ? dev.csum.engine.EngineTestFault.DATA_BEFORE_RECORD
                    : dev.csum.engine.EngineTestFault.NONE);
            runWorkload(volume, geometry, setup.seed(), setup.writeCount(), arena, clock, writes);
            volume.close();
        }
        Files.write(check, image);
        try {
            return replay(check, image, recorder.records(), geometry, writes, setup.ioEngine());
        } finally {
            Files.deleteIfExists(check);
            Files.deleteIfExists(data);
        }
    }

    /** Builds the crash image of every prefix of {@code records} in {@code check} and checks each. */
    private static Result replay(Path check, byte[] image, List<RecordingIoPort.Record> records, VolumeInfo geometry,
                                 List<WriteEvent> writes, IoEngine ioEngine) throws IOException {
        DeviceWriteKind.Classifier classifier = new DeviceWriteKind.Classifier(layout(image));
        List<String> violations = new ArrayList<>();
        int flushPoints = 0;
        int logWraps = 0;
        long lastRecordOffset = -1;
        Map<DeviceWriteKind, Integer> pointsByKind = new EnumMap<>(DeviceWriteKind.class);
        long blockReads = 0;
        try (FileChannel checkChannel = FileChannel.open(check, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (int k = 0; k <= records.size(); k++) {
                long now = 0;
                if (k > 0) {
                    RecordingIoPort.Record record = records.get(k - 1);
                    now = record.sequence();
                    if (record.isFlush()) {
                        flushPoints++;
                    } else {
                        DeviceWriteKind kind = classifier.of(record.offsetBytes());
                        pointsByKind.merge(kind, 1, Integer::sum);
                        if (kind == DeviceWriteKind.LOG_RECORD) {
                            logWraps += record.offsetBytes() < lastRecordOffset ? 1 : 0;
                            lastRecordOffset = record.offsetBytes();
                        }
                        System.arraycopy(record.data(), 0, image, (int) record.offsetBytes(), record.data().length);
                        checkChannel.write(ByteBuffer.wrap(record.data()), record.offsetBytes());
                    }
                }
                requireImage(checkChannel, image, k);
                blockReads += checkPoint(check, checkChannel, image, geometry, writes, now, k, violations, ioEngine);
            }
        }
        return new Result(records.size() + 1, flushPoints, writes.size(), blockReads, List.copyOf(violations),
            Map.copyOf(pointsByKind), logWraps, geometry.logBlockBytes());
    }

    private static Geometry layout(byte[] image) throws IOException {
        try {
            return Superblock.decode(MemorySegment.ofArray(image)).geometry();
        } catch (InvalidVolumeException e) {
            throw new IOException("the formatted image has no valid superblock", e);
        }
    }

    /**
     * Fails (a harness bug, not an engine violation) unless the check file holds exactly the crash
     * image of point {@code point}: every write of the check volumes before it was undone.
     */
    private static void requireImage(FileChannel checkChannel, byte[] image, int point) throws IOException {
        ByteBuffer onDisk = ByteBuffer.allocate(image.length);
        while (onDisk.hasRemaining() && checkChannel.read(onDisk, onDisk.position()) >= 0) {
            // read the whole file
        }
        int differs = Arrays.mismatch(onDisk.array(), image);
        if (differs >= 0) {
            throw new IllegalStateException("crash point " + point + ": the check file differs from the crash image"
                + " at byte " + differs + " (a write of the check volume was not undone)");
        }
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
        RecordingIoPort checker = new RecordingIoPort(new SyncSkippingPort(openPort(ioEngine, check, 16, blockSize)),
            new AtomicLong());
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
        // Undo what the check volume wrote (recovery's imd copies and empty record, anything close
        // wrote), completed or not: the next point starts from the image.
        for (RecordingIoPort.Extent extent : checker.writesIssued()) {
            checkChannel.write(ByteBuffer.wrap(image, (int) extent.offsetBytes(), (int) extent.lengthBytes()),
                extent.offsetBytes());
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
