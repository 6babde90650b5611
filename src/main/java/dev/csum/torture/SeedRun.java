package dev.csum.torture;

import dev.csum.format.PortFormatter;
import dev.csum.IoCallback;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.format.Geometry;
import dev.csum.format.ImdBlock;
import dev.csum.format.ImdValidity;
import dev.csum.io.IoPort;
import dev.csum.format.MetadataPlacement;
import dev.csum.io.FaultKind;
import dev.csum.io.SimMediaEvent;
import dev.csum.io.SimulatedDisk;
import dev.csum.internal.VolumeInternals;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * One seeded torture run: a volume on a {@link SimulatedDisk} with the configuration's faults, a
 * random workload of reads, writes (one block to several groups), flushes, power losses with work in
 * flight, and clean reopens, all driven on the calling thread and checked against a
 * {@link ReferenceModel}. Ends with a clean close, a reopen and a read of every block.
 *
 * <p>Deterministic: the disk's PRNG and the workload's PRNG both derive from the seed, the engine
 * runs on the calling thread, and nothing depends on time. The same configuration gives the same run.
 */
final class SeedRun {
    private static final int MAX_OUTSTANDING_REQUESTS = 48;
    private static final long MAX_REQUEST_BYTES = 256 << 10;
    private static final int OPEN_ATTEMPTS = 3;
    /** A liveness bound: far more steps than any workload here needs to drain (a stuck engine is a violation). */
    private static final int MAX_STEPS_WITHOUT_IDLE = 2_000_000;

    private final TortureConfig config;
    private final SplittableRandom random;
    private final SeedResult result = new SeedResult();
    private final SeedChecker checker;
    private final Arena arena = Arena.ofConfined();
    private Geometry geometry;
    private int volumeTag;
    private ReferenceModel model;
    private SimulatedDisk disk;
    private TorturePort port;
    private Volume volume;
    /** Incremented at each crash: callbacks of an abandoned engine carry an older generation and are ignored. */
    private int generation;
    private int outstanding;
    private long nextVersion = 1;
    private int maxRequestBlocks;

    SeedRun(TortureConfig config) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
        this.checker = new SeedChecker(config, result, () -> disk);
    }

    static SeedResult run(TortureConfig config) {
        SeedRun run = new SeedRun(config);
        try {
            run.execute();
        } catch (IOException | RuntimeException failure) {
            run.result.unexpectedErrors++;
            StackTraceElement[] stack = failure.getStackTrace();
            StringBuilder where = new StringBuilder();
            for (int i = 0; i < Math.min(6, stack.length); i++) {
                where.append(i == 0 ? " at " : " < ").append(stack[i]);
            }
            run.result.violation(config.seed(), "run aborted: " + failure + where);
        } finally {
            run.collectFaults();
            run.result.finishSeed();
            run.arena.close();
        }
        return run.result;
    }

    private void execute() throws IOException {
        result.seeds = 1;
        disk = SimulatedDisk.builder(random.nextLong()).dataFileBytes(config.dataFileBytes())
            .metadataFileBytes(config.metadataFileBytes()).queueDepth(config.queueDepth())
            .faultPlan(config.faultPlan()).build();
        disk.faultsEnabled(false);
        var superblock = PortFormatter.format(disk, config.blockSizeBytes(), ChecksumAlgorithm.CRC32C,
            config.placement(), new UUID(config.seed(), ~config.seed()), config.logBlocks(), config.requestedLogBlockBytes());
        disk.faultsEnabled(true);
        geometry = superblock.geometry();
        volumeTag = superblock.volumeTag();
        model = new ReferenceModel((int) geometry.dataBlockCount(), config.completedWritesMayBeLost(),
            config.crashModel() == CrashModel.COMPLETED_WRITES_PERSIST);
        checker.start(geometry, superblock.logRegion(), volumeTag, model);
        disk.mediaListener(this::onMediaEvent);
        maxRequestBlocks = (int) Math.min(geometry.dataBlockCount(), MAX_REQUEST_BYTES / config.blockSizeBytes());
        if (!open()) {
            return;
        }
        for (int op = 0; op < config.operations(); op++) {
            if (!step()) {
                return;
            }
        }
        drain();
        closeCleanly();
        if (open()) {
            scrubAll();
            closeCleanly();
        }
    }

    /** One workload step; false when the run cannot go on (the volume could not be reopened). */
    private boolean step() throws IOException {
        for (int steps = 0; outstanding >= MAX_OUTSTANDING_REQUESTS; steps++) {
            if (steps > MAX_STEPS_WITHOUT_IDLE) {
                throw new IllegalStateException("engine made no progress in " + steps + " steps with "
                    + outstanding + " requests outstanding");
            }
            VolumeInternals.runUntilIdle(volume, 1);
        }
        double roll = random.nextDouble();
        if (roll < config.crashProbability()) {
            crash();
            return open();
        }
        roll -= config.crashProbability();
        if (roll < config.reopenProbability()) {
            drain();
            closeCleanly();
            result.reopens++;
            return open();
        }
        double kind = random.nextDouble();
        if (kind < 0.04) {
            issueFlush();
        } else if (kind < 0.49) {
            issueWrite();
        } else if (kind < 0.52) {
            issueZeroing();
        } else {
            issueRead();
        }
        result.operations++;
        if (random.nextInt(4) != 0) {
            VolumeInternals.runUntilIdle(volume, 1 + random.nextInt(random.nextInt(8) == 0 ? 200 : 6));
        }
        return true;
    }

    // ---------------------------------------------------------------- requests

    /** A random block range: mostly short, some up to a group, some crossing group boundaries. */
    private long[] randomRange() {
        long blocks = geometry.dataBlockCount();
        int tuples = geometry.tuplesPerGroup();
        long hotBlocks = Math.min(blocks, 3L * tuples);
        long span = random.nextBoolean() ? hotBlocks : blocks;
        int length;
        long first;
        int shape = random.nextInt(20);
        if (shape < 12) {
            length = 1 + random.nextInt(4);
            first = random.nextLong(span);
        } else if (shape < 17) {
            length = 1 + random.nextInt(Math.min(tuples, maxRequestBlocks));
            first = random.nextLong(span);
        } else {
            long group = random.nextLong(Math.max(1, geometry.groupCount() - 1)) + 1;
            first = Math.max(0, geometry.firstBlockOfGroup(Math.min(group, geometry.groupCount() - 1))
                - 1 - random.nextInt(8));
            length = 2 + random.nextInt(Math.max(1, Math.min(3 * tuples, maxRequestBlocks) - 1));
        }
        length = (int) Math.min(length, maxRequestBlocks);
        first = Math.min(first, blocks - length);
        return new long[] {first, length};
    }

    private void issueWrite() {
        long[] range = randomRange();
        long first = range[0];
        int count = (int) range[1];
        int blockSize = config.blockSizeBytes();
        long version = nextVersion++;
        MemorySegment data = arena.allocate((long) count * blockSize, 8);
        for (int i = 0; i < count; i++) {
            BlockPattern.fill(data, (long) i * blockSize, blockSize, version, first + i);
        }
        model.writeIssued(first, count, version);
        result.writes++;
        outstanding++;
        volume.write(first * blockSize, data.byteSize(), data, null, writeCompletion(first, count, version), 0);
    }

    /** The completion of a write, discard or write-zeroes issued now: ignored once a crash ended its session. */
    private IoCallback writeCompletion(long first, int count, long version) {
        int issuedIn = generation;
        return (token, failure) -> {
            if (issuedIn != generation) {
                return;
            }
            outstanding--;
            model.writeCompleted(first, count, version, failure == null);
            if (failure != null) {
                checker.writeFailed(first, count, failure);
            }
        };
    }

    /** A discard or (every other one) a write-zeroes: to the model, a write whose blocks hold zeros. */
    private void issueZeroing() {
        long[] range = randomRange();
        long first = range[0];
        int count = (int) range[1];
        int blockSize = config.blockSizeBytes();
        long version = nextVersion++;
        model.zeroingIssued(first, count, version);
        result.writes++;
        result.zeroings++;
        outstanding++;
        IoCallback completion = writeCompletion(first, count, version);
        if (version % 2 == 0) {
            volume.discard(first * blockSize, (long) count * blockSize, completion, 0);
        } else {
            volume.writeZeroes(first * blockSize, (long) count * blockSize, completion, 0);
        }
    }

    private void issueRead() {
        long[] range = randomRange();
        issueRead(range[0], (int) range[1]);
    }

    private void issueRead(long first, int count) {
        int blockSize = config.blockSizeBytes();
        // Every other read goes in place (the device reads into this memory, verified there); the
        // choice uses no random number, so a seed's workload is the same either way. The arena lives
        // for the whole seed: a read dropped by a power loss may still be written into.
        boolean inPlace = result.reads % 2 == 1;
        MemorySegment into = arena.allocate((long) count * blockSize, inPlace ? volume.directAlignmentBytes() : 8);
        ReadTicket ticket = model.readIssued(first, count);
        checker.readIssued(ticket);
        result.reads++;
        outstanding++;
        int issuedIn = generation;
        IoCallback done = (token, failure) -> {
            if (issuedIn != generation) {
                return;
            }
            outstanding--;
            model.readDone(ticket);
            checker.readCompleted(ticket, into, failure);
        };
        if (inPlace) {
            volume.readInPlace(first * blockSize, into.byteSize(), into, null, done, 0);
        } else {
            volume.read(first * blockSize, into.byteSize(), into, null, done, 0);
        }
    }

    private void issueFlush() {
        long token = model.flushIssued();
        result.flushes++;
        outstanding++;
        int issuedIn = generation;
        volume.flush((ignored, failure) -> {
            if (issuedIn != generation) {
                return;
            }
            outstanding--;
            model.flushCompleted(token, failure == null);
            if (failure != null) {
                checker.flushFailed(failure);
            }
        }, 0);
    }

    /** Reads every block of the volume (after the final reopen). */
    private void scrubAll() throws IOException {
        long blocks = geometry.dataBlockCount();
        for (long first = 0; first < blocks; first += maxRequestBlocks) {
            issueRead(first, (int) Math.min(maxRequestBlocks, blocks - first));
            drain();
        }
    }

    // ---------------------------------------------------------------- crash, close, open

    private void drain() throws IOException {
        if (!VolumeInternals.runUntilIdle(volume, MAX_STEPS_WITHOUT_IDLE)) {
            throw new IllegalStateException("engine did not become idle in " + MAX_STEPS_WITHOUT_IDLE + " steps");
        }
    }

    /** Power loss now, with whatever is in flight; the engine is abandoned. */
    private void crash() {
        result.crashes++;
        if (config.crashModel() == CrashModel.COMPLETED_WRITES_PERSIST) {
            disk.makeCacheDurable();
        }
        disk.crash();
        port.cut();
        checker.crash();
        generation++;
        outstanding = 0;
        try {
            volume.close(); // on the cut port everything fails fast: this only frees the engine's memory
        } catch (IOException | RuntimeException expected) {
            // The abandoned engine's errors are the crash's, not the volume's.
        }
        disk = disk.reopen();
    }

    private void closeCleanly() {
        try {
            volume.close();
        } catch (IOException failure) {
            checker.closeFailed(failure);
        }
        disk = disk.reopen();
    }

    /** Opens the volume on the current disk; false (and counted) when it cannot be opened. */
    private boolean open() {
        VolumeOptions options = VolumeOptions.of(Path.of("torture-" + config.seed()))
            .withImdCacheBytes(Math.max(4096, config.imdCacheBytes())).withBufferArenaBytes(4L << 20)
            .withDurability(config.durability());
        port = new TorturePort(disk, checker);
        checker.opening();
        IOException last = null;
        for (int attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
            try {
                volume = VolumeInternals.openOnPort(port, options, true, config.testFault());
                checker.sessionStarted();
                return true;
            } catch (IOException failure) {
                last = failure;
            }
        }
        checker.openFailed(last);
        return false;
    }

    // ---------------------------------------------------------------- media events and stats

    /**
     * Watches the media for imd slots changed by anything but the engine's own valid imd write:
     * another write landing on a slot (a misdirected write, which the engine cannot see). (An imd
     * write a crash tears is no fault of the media: the checkpoint's order covers it.)
     */
    private void onMediaEvent(SimMediaEvent event) {
        SimMediaEvent.Kind kind = event.kind();
        int metadataPhysical = config.placement() == MetadataPlacement.SEPARATE ? 1 : 0;
        if (kind == SimMediaEvent.Kind.FLUSH && event.fileIndex() == metadataPhysical) {
            checker.metadataFlushed();
        }
        if (kind != SimMediaEvent.Kind.WRITE && kind != SimMediaEvent.Kind.WRITE_DURABLE) {
            return;
        }
        if (event.fileIndex() == 0) {
            zerosLanded(event);
        }
        if (event.fileIndex() != metadataPhysical) {
            return;
        }
        checker.mediaWrite(event.offsetBytes(), event.data());
        long start = event.offsetBytes();
        long end = start + event.data().length;
        int blockSize = config.blockSizeBytes();
        byte[] slotBytes = new byte[blockSize];
        for (long group = 0; group < geometry.groupCount(); group++) {
            for (int copy = 0; copy < 2; copy++) {
                long slot = geometry.imdPairOffsetBytes(group) + (long) copy * blockSize;
                if (start >= slot + blockSize || end <= slot) {
                    continue;
                }
                disk.readRaw(IoPort.METADATA_FILE, slot, slotBytes);
                if (ImdBlock.validate(MemorySegment.ofArray(slotBytes), group, volumeTag, copy) != ImdValidity.VALID) {
                    checker.metadataFault(group);
                }
            }
        }
    }

    /**
     * Zeros stored over a data block that has no discard in flight: a discard's punch that a fault
     * misdirected there (a write's pattern is never all zero). The block's data is corrupted like
     * that of a dropped write: a read of those zeros is the documented double-fault limit only if its
     * tuple was lost too ({@link SeedChecker}).
     */
    private void zerosLanded(SimMediaEvent event) {
        int blockSize = config.blockSizeBytes();
        byte[] data = event.data();
        // Whole blocks only, wherever the event starts: a misdirected punch lands at any sector, and the
        // blocks it covers whole are zeroed (torture seed 6308: one landing mid-block was judged block
        // by block from its own start, so the block it really zeroed was never marked clobbered).
        long start = event.offsetBytes();
        int skip = (int) ((blockSize - start % blockSize) % blockSize);
        for (int at = skip; at + blockSize <= data.length; at += blockSize) {
            long block = dataBlockAt(start + at);
            if (block < 0 || model.zeroingInFlight(block) != BlockPattern.ZEROS) {
                continue;
            }
            boolean zeros = true;
            for (int i = at; i < at + blockSize && zeros; i++) {
                zeros = data[i] == 0;
            }
            if (zeros) {
                checker.dataClobbered(block);
            }
        }
    }

    /** The logical block whose data lives at {@code offsetBytes} of physical file 0, or -1 (metadata, log, superblock). */
    private long dataBlockAt(long offsetBytes) {
        int blockSize = config.blockSizeBytes();
        if (offsetBytes % blockSize != 0 || offsetBytes < blockSize) {
            return -1;
        }
        long index = offsetBytes / blockSize - 1;
        long block;
        if (config.placement() == MetadataPlacement.SEPARATE) {
            block = index;
        } else {
            int tuples = geometry.tuplesPerGroup();
            long inGroup = index % (tuples + 2);
            if (inGroup < 2) {
                return -1;
            }
            block = index / (tuples + 2) * tuples + inGroup - 2;
        }
        return block < geometry.dataBlockCount() ? block : -1;
    }

    private void collectFaults() {
        if (disk == null) {
            return;
        }
        var stats = disk.stats();
        for (FaultKind kind : FaultKind.values()) {
            result.faultsInjected[kind.ordinal()] = stats.faults(kind);
        }
    }
}
