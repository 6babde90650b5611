package dev.csum.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A deterministic, in-memory {@link IoPort} with fault injection, for tests and {@code csum torture}
 * (after TigerBeetle's simulated storage). Every random choice (completion order, latency, faults,
 * what survives a crash) comes from one {@link java.util.SplittableRandom} seeded at creation, so the
 * same seed and the same sequence of calls give the same completions, results and faults.
 *
 * <h2>Files</h2>
 * A data file and, optionally, a separate metadata file, their sizes fixed at creation (multiples of
 * {@value #SECTOR_SIZE_BYTES} bytes). Without a metadata file, {@link #METADATA_FILE} names the data
 * file. Never-written bytes read as zeros.
 *
 * <h2>Time and completion order</h2>
 * A logical clock counts ticks. {@link #submitAndReap} submits the prepared operations, lets one tick
 * pass, and, while fewer than {@code minCompletions} completions are ready and something is running,
 * jumps the clock to the next completion. An operation starts when its link and drain constraints
 * allow and completes after a random latency of {@code [latencyTicksMin, latencyTicksMax]} ticks,
 * ties broken at random, so independent operations complete in a seeded random order. Its effect
 * (data copied, bytes stored) happens at its completion. Nothing blocks: with nothing running,
 * {@code submitAndReap} returns what is ready, possibly nothing.
 *
 * <h2>Validation: errors as completions</h2>
 * As with io_uring, a bad request is accepted by {@code prepare*} and completes with a negative errno:
 * {@code -EBADF} for a file index other than 0 and 1; {@code -EFAULT} for a heap (non-native) buffer,
 * or a read-only buffer for a read; {@code -EINVAL} for unknown flag bits, a negative or misaligned
 * offset, a length or buffer address not a multiple of {@link #alignmentBytes()}, or a range that
 * extends past the end of the file (this is a fixed-size block device: no short reads, no growth).
 * A zero-length read or write completes with 0.
 *
 * <h2>Links and drains (io_uring semantics)</h2>
 * {@link #FLAG_LINK} links an operation to the next one prepared in the same submission; a chain ends
 * at the first operation without the flag or at the end of the submission. A linked operation starts
 * only after its predecessor completed successfully (a full transfer); if the predecessor failed or was
 * cancelled, it completes with {@code -ECANCELED}, and so does the rest of the chain.
 * {@link #FLAG_DRAIN} starts an operation only after every earlier submitted operation completed, and
 * starts no later one before it completed.
 *
 * <h2>Durability: a volatile write cache</h2>
 * A completed write is visible to later reads but held in a volatile cache until an fsync of its file
 * (any fsync flags) completes after it; a {@link #FLAG_DSYNC} write is durable when it completes.
 * {@link #crash()} is power loss: operations in flight never complete, and of the cached writes and the
 * writes the device had started, each reaches the media with a {@link FaultPlan} probability, some torn
 * at one sector boundary; the rest is gone. {@link #reopen()} then gives a new port over the media.
 * {@link #close()} is not a power loss: the cache survives into the next {@code reopen()}.
 *
 * <p>To simulate power loss under an engine: {@code disk.crash()}, abandon the engine (its pending
 * callbacks never fire; its port now throws), then open a new engine on {@code disk.reopen()}.
 *
 * <h2>Faults</h2>
 * Injected at random with the probabilities of a {@link FaultPlan} while {@link #faultsEnabled(boolean)
 * faults are enabled}, or deterministically by a test: {@code inject*} marks a sector now, {@code arm*}
 * applies a fault to the next read or write that touches a sector (armed faults fire even while random
 * faults are disabled). See {@link FaultKind} for what each does. Misdirected reads and writes go to
 * another offset aligned to {@link #alignmentBytes()} that does not overlap the intended range; torn
 * writes tear at 512-byte sector boundaries. Sticky sector faults (read bit rot,
 * latent sector errors) stay until the sector is rewritten or {@link #clearFaults()}; they are media
 * state, so a crash does not undo them.
 *
 * <h2>Media access by tests</h2>
 * The methods below the {@link IoPort} ones act on the media, not the port: they work in any state,
 * including after {@link #close()} and {@link #crash()}. The {@code prepare*} methods,
 * {@code submitAndReap} and {@code fileSizeBytes} throw {@link IllegalStateException} once the port is
 * closed or crashed ({@code close()} itself is idempotent).
 *
 * <h2>Threading</h2>
 * Single-threaded: one thread calls everything; {@link #wakeup()} is a no-op because nothing ever waits.
 */
public final class SimulatedDisk implements IoPort {

    public static final int SECTOR_SIZE_BYTES = 512;

    /** Linux errno values this port completes with (negated). */
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EFAULT = 14;
    public static final int EINVAL = 22;
    public static final int ECANCELED = 125;

    static {
        assert SECTOR_SIZE_BYTES == SimFile.SECTOR_BYTES;
        assert SimMedia.EIO == EIO;
    }

    private enum State { OPEN, CLOSED, CRASHED }

    private final SimMedia media;
    private final SimScheduler scheduler;
    private final int queueDepth;
    private final int alignmentBytes;
    private final int latencyTicksMin;
    private final int latencyTicksMax;
    private State state = State.OPEN;

    private SimulatedDisk(SimMedia media, int queueDepth, int alignmentBytes, int latencyTicksMin, int latencyTicksMax) {
        if (media.activePort != null) {
            throw new IllegalStateException("another port is open on this media: close or crash it first");
        }
        this.media = media;
        this.queueDepth = queueDepth;
        this.alignmentBytes = alignmentBytes;
        this.latencyTicksMin = latencyTicksMin;
        this.latencyTicksMax = latencyTicksMax;
        this.scheduler = new SimScheduler(media, queueDepth, alignmentBytes, latencyTicksMin, latencyTicksMax);
        media.activePort = this;
    }

    /** A builder for a disk whose every random choice derives from {@code seed}. */
    public static Builder builder(long seed) {
        return new Builder(seed);
    }

    /**
     * Configures a new {@link SimulatedDisk}. Defaults: 1 MiB data file, metadata interleaved (no
     * metadata file), queue depth 64, alignment 512, latency 1..16 ticks, {@link FaultPlan#none()}.
     */
    public static final class Builder {
        private final long seed;
        private long dataFileBytes = 1 << 20;
        private long metadataFileBytes;
        private int queueDepth = 64;
        private int alignmentBytes = SECTOR_SIZE_BYTES;
        private int latencyTicksMin = 1;
        private int latencyTicksMax = 16;
        private FaultPlan faultPlan = FaultPlan.none();

        private Builder(long seed) {
            this.seed = seed;
        }

        /** Size of the data file in bytes, a positive multiple of 512. */
        public Builder dataFileBytes(long bytes) {
            this.dataFileBytes = bytes;
            return this;
        }

        /** Size of a separate metadata file in bytes (a positive multiple of 512); 0, the default, for none. */
        public Builder metadataFileBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("metadataFileBytes < 0: " + bytes);
            }
            this.metadataFileBytes = bytes;
            return this;
        }

        /** The most operations prepared or in flight at once. */
        public Builder queueDepth(int depth) {
            if (depth < 1) {
                throw new IllegalArgumentException("queueDepth < 1: " + depth);
            }
            this.queueDepth = depth;
            return this;
        }

        /** Required alignment of offsets, lengths and buffer addresses: a power of two, at least 512. */
        public Builder alignmentBytes(int bytes) {
            if (bytes < SECTOR_SIZE_BYTES || Integer.bitCount(bytes) != 1) {
                throw new IllegalArgumentException("alignmentBytes must be a power of two >= 512: " + bytes);
            }
            this.alignmentBytes = bytes;
            return this;
        }

        /** Latency of every operation, uniform in {@code [min, max]} ticks, {@code 1 <= min <= max}. */
        public Builder latencyTicks(int min, int max) {
            if (min < 1 || max < min) {
                throw new IllegalArgumentException("latency ticks need 1 <= min <= max: " + min + ", " + max);
            }
            this.latencyTicksMin = min;
            this.latencyTicksMax = max;
            return this;
        }

        public Builder faultPlan(FaultPlan plan) {
            this.faultPlan = Objects.requireNonNull(plan, "plan");
            return this;
        }

        public SimulatedDisk build() {
            SimMedia media = new SimMedia(seed, dataFileBytes, metadataFileBytes, alignmentBytes, faultPlan);
            return new SimulatedDisk(media, queueDepth, alignmentBytes, latencyTicksMin, latencyTicksMax);
        }
    }

    // ============================================================================================
    // IoPort
    // ============================================================================================

    @Override
    public boolean prepareRead(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        checkOpen();
        Objects.requireNonNull(buffer, "buffer");
        return scheduler.prepare(SimScheduler.Opcode.READ, fileIndex, offsetBytes, buffer, flags, userData);
    }

    @Override
    public boolean prepareWrite(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        checkOpen();
        Objects.requireNonNull(buffer, "buffer");
        return scheduler.prepare(SimScheduler.Opcode.WRITE, fileIndex, offsetBytes, buffer, flags, userData);
    }

    /** A punch is a write of zeros here (and completes with 0): the media has no allocation to give back. */
    @Override
    public boolean preparePunch(int fileIndex, long offsetBytes, long lengthBytes, int flags, long userData) {
        checkOpen();
        if (lengthBytes <= 0 || lengthBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("punch length " + lengthBytes);
        }
        MemorySegment zeros = java.lang.foreign.Arena.ofAuto().allocate(lengthBytes, alignmentBytes);
        return scheduler.prepare(SimScheduler.Opcode.PUNCH, fileIndex, offsetBytes, zeros, flags, userData);
    }

    @Override
    public boolean prepareFsync(int fileIndex, int flags, long userData) {
        checkOpen();
        return scheduler.prepare(SimScheduler.Opcode.FSYNC, fileIndex, 0, null, flags, userData);
    }

    /** Never throws {@link java.io.IOException}: failures are negative results. */
    @Override
    public int submitAndReap(int minCompletions, CompletionSink sink) {
        checkOpen();
        Objects.requireNonNull(sink, "sink");
        if (minCompletions < 0) {
            throw new IllegalArgumentException("minCompletions < 0: " + minCompletions);
        }
        return scheduler.submitAndReap(minCompletions, sink);
    }

    @Override
    public void wakeup() {
        // Nothing ever waits on a real clock.
    }

    @Override
    public int queueDepth() {
        return queueDepth;
    }

    @Override
    public int alignmentBytes() {
        return alignmentBytes;
    }

    @Override
    public long fileSizeBytes(int fileIndex) {
        checkOpen();
        return media.file(fileIndex).sizeBytes;
    }

    /**
     * Closes this port. Operations in flight are abandoned: they never complete and never touch the
     * media. Completed writes stay in the volatile cache (closing a file is not a power loss), visible
     * to the next {@link #reopen()}. Idempotent.
     */
    @Override
    public void close() {
        checkNotReaping("close");
        if (state == State.OPEN) {
            state = State.CLOSED;
            scheduler.dropAll(false);
            media.activePort = null;
        }
    }

    // ============================================================================================
    // Port state, crash and reopen
    // ============================================================================================

    /** True until {@link #close()} or {@link #crash()}. */
    public boolean isOpen() {
        return state == State.OPEN;
    }

    /** Operations prepared, submitted or running: what occupies the queue. */
    public int inFlight() {
        return state == State.OPEN ? scheduler.inFlight() : 0;
    }

    /** This port's logical clock, in ticks (a reopened port starts again at 0). */
    public long clockTicks() {
        return scheduler.clockTicks();
    }

    /**
     * Power loss. If this port is open, every operation prepared, submitted or running is dropped
     * (never completes) and the port becomes unusable, as after {@link #close()}. Then, for each file,
     * the cached (completed, unflushed) writes in completion order and the writes the device had
     * started in start order each reach the media with {@link FaultPlan#crashWritePersistProbability()},
     * a multi-sector one torn at one sector boundary with {@link FaultPlan#crashTornWriteProbability()};
     * the rest of the cache is lost. Durable data (fsynced, {@link #FLAG_DSYNC}) always survives.
     * Also valid on a closed port: a power loss after the volume was closed without a flush.
     */
    public void crash() {
        checkNotReaping("crash");
        java.util.List<SimMedia.InFlightWrite> inFlightWrites = java.util.List.of();
        if (state == State.OPEN) {
            inFlightWrites = scheduler.dropAll(true);
            media.activePort = null;
        }
        state = State.CRASHED;
        media.crash(inFlightWrites);
    }

    /**
     * Makes every completed write durable, as if the device had written back its volatile cache
     * (a {@link SimMediaEvent.Kind#FLUSH} event per physical file). Writes still in flight are not
     * affected. With {@link #crash()} right after, this models a crash in which every completed write
     * persists and only the writes in flight may be lost or torn (a process crash, or a device
     * without a volatile cache). Works in any port state.
     */
    public void makeCacheDurable() {
        media.makeCacheDurable();
    }

    /**
     * A new, open port over the same media (files, cache, sticky faults, fault plan, stats, PRNG), with
     * this port's queue depth, alignment and latency: the device as the engine sees it when it opens
     * the volume again. This port must be closed or crashed first.
     */
    public SimulatedDisk reopen() {
        if (state == State.OPEN) {
            throw new IllegalStateException("close or crash this port before reopening its media");
        }
        return new SimulatedDisk(media, queueDepth, alignmentBytes, latencyTicksMin, latencyTicksMax);
    }

    // ============================================================================================
    // Media: fault plan, triggers, stats, events (any port state)
    // ============================================================================================

    /** Turns the random faults of the {@link FaultPlan} on or off (armed faults and crashes are unaffected). */
    public void faultsEnabled(boolean enabled) {
        media.faultsEnabled(enabled);
    }

    public boolean faultsEnabled() {
        return media.faultsEnabled();
    }

    /** Replaces the fault plan. */
    public void faultPlan(FaultPlan plan) {
        media.plan(plan);
    }

    public FaultPlan faultPlan() {
        return media.plan();
    }

    /**
     * Whether a read of {@code [offsetBytes, offsetBytes + lengthBytes)} of file {@code fileIndex}
     * fails or returns a flipped bit now: a sticky sector fault (latent sector error or read rot)
     * lies in the range, so the device cannot return what the range holds until it is rewritten.
     */
    public boolean hasStickyReadFault(int fileIndex, long offsetBytes, long lengthBytes) {
        SimFile file = media.file(fileIndex);
        for (long sector = offsetBytes / SECTOR_SIZE_BYTES; sector * SECTOR_SIZE_BYTES < offsetBytes + lengthBytes; sector++) {
            if (file.hasLatentError(sector) || file.readRotBit(sector) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Makes {@code sectorIndex} of file {@code fileIndex} return a random flipped bit on every read, until rewritten. */
    public void injectReadBitRot(int fileIndex, long sectorIndex) {
        media.injectReadRot(media.file(fileIndex), sectorIndex, -1);
    }

    /** As {@link #injectReadBitRot(int, long)} with the bit chosen: {@code bitIndex} in {@code [0, 4096)}, byte {@code bitIndex / 8}. */
    public void injectReadBitRot(int fileIndex, long sectorIndex, int bitIndex) {
        if (bitIndex < 0 || bitIndex >= SECTOR_SIZE_BYTES * 8) {
            throw new IllegalArgumentException("bitIndex outside a sector: " + bitIndex);
        }
        media.injectReadRot(media.file(fileIndex), sectorIndex, bitIndex);
    }

    /** Makes every read touching {@code sectorIndex} complete with {@code -EIO}, until the sector is rewritten. */
    public void injectLatentSectorError(int fileIndex, long sectorIndex) {
        media.injectLatentError(media.file(fileIndex), sectorIndex);
    }

    /**
     * Arms {@code kind} ({@link FaultKind#isWriteFault() a write fault}) for the next write to file
     * {@code fileIndex} that touches {@code sectorIndex}; random parameters (tear point, misdirection
     * target, flipped bit) come from the PRNG. {@link FaultKind#WRITE_BIT_ROT} corrupts that sector.
     * Armed faults fire in the order armed, one per operation.
     */
    public void armNextWrite(FaultKind kind, int fileIndex, long sectorIndex) {
        if (!kind.isWriteFault()) {
            throw new IllegalArgumentException("not a write fault: " + kind);
        }
        media.arm(kind, media.file(fileIndex), sectorIndex, -1);
    }

    /** Arms a tear of the next write touching {@code sectorIndex}: only its first {@code sectorsApplied} sectors are stored. */
    public void armTornWrite(int fileIndex, long sectorIndex, int sectorsApplied) {
        if (sectorsApplied < 0) {
            throw new IllegalArgumentException("sectorsApplied < 0: " + sectorsApplied);
        }
        media.arm(FaultKind.TORN_WRITE, media.file(fileIndex), sectorIndex, sectorsApplied);
    }

    /**
     * Arms a misdirection of the next write touching {@code sectorIndex}: its data is stored at
     * {@code targetOffsetBytes} (a multiple of 512; a random other offset if the write does not fit there).
     */
    public void armMisdirectedWrite(int fileIndex, long sectorIndex, long targetOffsetBytes) {
        requireSectorMultiple(targetOffsetBytes);
        media.arm(FaultKind.MISDIRECTED_WRITE, media.file(fileIndex), sectorIndex, targetOffsetBytes);
    }

    /**
     * Arms {@code kind} ({@link FaultKind#isReadFault() a read fault}) for the next read of file
     * {@code fileIndex} touching {@code sectorIndex}: a misdirection to a random offset, or bit rot or a
     * latent error on that sector from then on.
     */
    public void armNextRead(FaultKind kind, int fileIndex, long sectorIndex) {
        if (!kind.isReadFault()) {
            throw new IllegalArgumentException("not a read fault: " + kind);
        }
        media.arm(kind, media.file(fileIndex), sectorIndex, -1);
    }

    /** Arms a misdirection of the next read touching {@code sectorIndex}: it returns the data at {@code sourceOffsetBytes}. */
    public void armMisdirectedRead(int fileIndex, long sectorIndex, long sourceOffsetBytes) {
        requireSectorMultiple(sourceOffsetBytes);
        media.arm(FaultKind.MISDIRECTED_READ, media.file(fileIndex), sectorIndex, sourceOffsetBytes);
    }

    /** Heals the media: removes every sticky sector fault and every armed fault (stored corruption stays). */
    public void clearFaults() {
        media.clearFaults();
    }

    /** A snapshot of the media's counters. */
    public SimulatedDiskStats stats() {
        return media.stats.copy();
    }

    /** Sets (or, with null, removes) the listener that receives every change to the media, in order, on the calling thread. */
    public void mediaListener(Consumer<SimMediaEvent> listener) {
        media.listener(listener);
    }

    // ============================================================================================
    // Media: raw access (any port state, byte granularity, no faults, no clock)
    // ============================================================================================

    /** Number of physical files: 1 when metadata is interleaved, else 2. */
    public int physicalFileCount() {
        return media.physicalFileCount();
    }

    /** Copies the bytes reads would see (cache over durable image, without read faults) into {@code target}. */
    public void readRaw(int fileIndex, long offsetBytes, byte[] target) {
        media.file(fileIndex).readVisible(offsetBytes, target, 0, target.length);
    }

    /** As {@link #readRaw(int, long, byte[])} into a segment of at most 2 GiB. */
    public void readRaw(int fileIndex, long offsetBytes, MemorySegment target) {
        byte[] bytes = new byte[Math.toIntExact(target.byteSize())];
        readRaw(fileIndex, offsetBytes, bytes);
        MemorySegment.copy(bytes, 0, target, ValueLayout.JAVA_BYTE, 0, bytes.length);
    }

    /**
     * Writes bytes straight into the media, like editing the file underneath the device: they replace
     * the bytes in the durable image and in the volatile cache, so they are visible now and survive a
     * crash. Sticky sector faults are left as they are.
     */
    public void writeRaw(int fileIndex, long offsetBytes, byte[] source) {
        media.writeRaw(media.file(fileIndex), offsetBytes, source.clone());
    }

    /** As {@link #writeRaw(int, long, byte[])} from a segment of at most 2 GiB. */
    public void writeRaw(int fileIndex, long offsetBytes, MemorySegment source) {
        writeRaw(fileIndex, offsetBytes, source.toArray(ValueLayout.JAVA_BYTE));
    }

    /** Copies bytes of the durable image (what a crash that persisted nothing more would leave). */
    public void readDurable(int fileIndex, long offsetBytes, byte[] target) {
        media.file(fileIndex).readDurable(offsetBytes, target, 0, target.length);
    }

    /** A copy of the whole durable image of file {@code fileIndex} (at most 2 GiB). */
    public byte[] durableImage(int fileIndex) {
        SimFile file = media.file(fileIndex);
        byte[] image = new byte[Math.toIntExact(file.sizeBytes)];
        file.readDurable(0, image, 0, image.length);
        return image;
    }

    /** True when file {@code fileIndex} holds completed writes not yet made durable. */
    public boolean hasUnflushedWrites(int fileIndex) {
        return media.file(fileIndex).hasCachedWrites();
    }

    private static void requireSectorMultiple(long offsetBytes) {
        if (offsetBytes < 0 || offsetBytes % SECTOR_SIZE_BYTES != 0) {
            throw new IllegalArgumentException("offset must be a non-negative multiple of 512: " + offsetBytes);
        }
    }

    private void checkOpen() {
        if (state != State.OPEN) {
            throw new IllegalStateException("simulated disk port is " + state.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    private void checkNotReaping(String operation) {
        if (state == State.OPEN && scheduler.reaping()) {
            throw new IllegalStateException(operation + " called from a completion sink");
        }
    }
}
