package dev.csum;

import dev.csum.engine.Engine;
import dev.csum.engine.EngineTestFault;
import dev.csum.engine.LogRecovery;
import dev.csum.engine.EngineSettings;
import dev.csum.engine.EventLoop;
import dev.csum.engine.Request;
import dev.csum.format.PortSuperblock;
import dev.csum.format.Superblock;
import dev.csum.internal.VolumeInternals;
import dev.csum.io.DeviceLock;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A checksumming block volume: every write stores a checksum tuple per block, every read verifies
 * it, and data that fails verification is an {@link IntegrityException} naming the block — never
 * returned silently.
 *
 * <h2>Units and alignment</h2>
 * Offsets and lengths are in <b>bytes</b> of the volume's logical address space
 * ({@code 0 .. sizeBytes()}), and must be multiples of {@link #blockSizeBytes()} (512 or 4096).
 * Buffers need no particular alignment: the engine copies through its own aligned buffers, so native
 * segments ({@code Arena.allocate}), heap segments ({@code MemorySegment.ofArray}), {@code byte[]}
 * slices and heap or direct {@code ByteBuffer}s all work. A request may be at most
 * {@link #maxRequestBytes()}. The one exception is {@link #readInPlace}, the zero-copy read: native
 * memory aligned to {@link #directAlignmentBytes()}, which must stay allocated until the read's
 * callback ran.
 *
 * <h2>Forms</h2>
 * Each operation comes in three forms: returning a {@link CompletableFuture}; low-garbage, with an
 * {@link IoCallback} and a {@code long} token (the callback runs on the volume's event-loop thread);
 * and blocking ({@code …Blocking}), which parks the calling thread — cheap on virtual threads.
 * A future completes on the event-loop thread too, so its dependent stages that are not
 * {@code …Async} run there, under the callback's rules: quick, and never blocking. A blocking call
 * is not interruptible: it waits for its operation, and leaves an interrupt pending on the thread.
 *
 * <p>The future and callback forms return once the request is accepted, and accepting may make the
 * calling thread wait (not interruptibly): while 1024 requests are in flight, for one of them to
 * complete; and for a write, while the engine buffers ({@link VolumeOptions#bufferArenaBytes()})
 * are all in use, for room to copy its data into. An {@link IoCallback} cannot wait for the loop it
 * runs on: a request it starts while 1024 are in flight is refused with an
 * {@link IllegalStateException}.
 *
 * <h2>Buffers</h2>
 * A write's source is copied into an engine buffer on the calling thread before {@code write}
 * returns, and the engine checksums and writes that copy: the bytes checksummed are exactly the
 * bytes written ("stable writes"), and the caller may reuse its buffer as soon as {@code write}
 * returns. (A write started from an I/O callback, on the event loop, is copied when the loop takes
 * it.) A read's destination is written only on success: by the calling thread for
 * {@code readBlocking}, by the event loop for the other forms — so the asynchronous read forms need
 * a destination the event loop can access (heap memory, or a shared, global or automatic arena; a
 * segment confined to another thread is refused before any I/O). The {@code ByteBuffer} forms
 * transfer the buffer's remaining bytes and, on success, advance its position past them, as
 * {@code FileChannel} does. Closing a buffer's arena while the event loop may still copy into or
 * out of it is a caller's bug: that request alone fails with an {@link IOException} saying its
 * buffer is no longer accessible, and the volume goes on. Every bad input (a null or too small
 * buffer, an unaligned offset, a range outside the volume or the array) is an exception thrown
 * before any I/O.
 *
 * <h2>Threading</h2>
 * All methods are thread-safe; many threads may read and write concurrently. Operations on
 * different groups run concurrently; writes to the same group are coalesced into group commits.
 * Writes are applied in the order the volume accepts them (for one thread, the order of its calls):
 * when writes to the same block are in flight together, the block ends up holding the last one
 * accepted, whichever completes first. A read concurrent with a write returns the old or the new
 * data of each block, never a mix within a block, and never an {@link IntegrityException} for
 * data that is intact: a read whose data mismatched is read again with the group's writes held
 * back until that re-read completes (so a write may wait for one re-read; only reads that raced a
 * write or met damage have one).
 */
public final class Volume implements AutoCloseable {
    static {
        VolumeInternals.install(new InternalAccess());
    }

    private final VolumeInfo info;
    private final String name;
    private final IoPort port;
    private final Engine engine;
    private final EventLoop loop;
    /** The device locks held while open (none for a volume opened on a port). */
    private final List<DeviceLock> locks;
    private final List<String> openWarnings;
    private final boolean readOnly;
    private final long sizeBytes;
    private final int blockSizeBytes;
    private final boolean manualDrive;
    private final RequestChecks checks;
    private final RequestObservers observers;
    private final ScrubTracker scrubs = new ScrubTracker();
    private volatile boolean closed;

    private Volume(Superblock superblock, String name, IoPort port, EngineSettings settings,
                   LogRecovery.Result recovered, boolean manual, List<DeviceLock> locks, List<String> openWarnings) {
        this.info = ApiMapping.info(superblock);
        this.name = name;
        this.port = port;
        this.engine = new Engine(port, superblock, settings, recovered, ApiMapping::deliver);
        this.loop = new EventLoop(engine, port, "csum-loop " + name, manual, 1024);
        this.locks = List.copyOf(locks);
        this.readOnly = settings.readOnly();
        this.openWarnings = List.copyOf(openWarnings);
        this.blockSizeBytes = superblock.blockSizeBytes();
        this.manualDrive = manual;
        this.sizeBytes = superblock.dataBlockCount() * blockSizeBytes;
        this.observers = new RequestObservers(engine);
        this.checks = new RequestChecks(name, blockSizeBytes, sizeBytes, engine.maxRequestBytes(), loop);
    }

    // ------------------------------------------------------------------ format and open

    /**
     * Formats a new volume of the current format version: writes the superblock(s), empty metadata and
     * an empty tuple log, never the data area (on a regular file the whole volume becomes holes, which
     * read as zeros). Takes
     * the same exclusive lock as {@link #open}, so it refuses a volume that any process has open.
     * Every option is checked against the devices before the first byte is written.
     *
     * @param options the devices, size, block size and checksum of the new volume
     * @return the new volume's identity and geometry
     * @throws IllegalArgumentException when the options do not fit the devices (too small, a size
     *     larger than a block device, the metadata device being the data device, a log size that is not
     *     a multiple of the block size or below 16 blocks, an allocation other than
     *     {@link FileAllocation#AUTO} for a block device, too little free space for a reserved or zeroed
     *     file, ...), before anything is written
     * @throws InvalidVolumeException when a device holds something and {@linkplain FormatOptions#overwrite()
     *     overwrite} is not set (the message names what it holds; nothing was written)
     * @throws IllegalStateException when this process has the volume open
     * @throws IOException when a device cannot be read or written, or another process has it open
     */
    public static VolumeInfo format(FormatOptions options) throws IOException {
        return VolumeTools.format(options);
    }

    /**
     * Converts a volume of format version 1 (made before the tuple log; it opens read-only) to the
     * current format version, in place, so that it opens writable. The groups, their metadata and
     * the data stay where they are; a tuple log region of {@link ConvertOptions#logSizeBytes()} is
     * added after the last group (interleaved: on the data device) or after the last metadata pair
     * (separate: on the metadata device), and the backup superblock moves after it. A regular file
     * grows by the log's size (the new part is a sparse hole); a block device must already have the
     * room after the volume, else the conversion is refused before anything is written.
     *
     * <p>What it writes, in order, each step synced before the next: the log region made to read as
     * zeros; the new backup superblock; the new primary superblock of the device holding the log (the
     * commit point), then the data device's. A crash before the commit leaves the volume of format
     * version 1 as it was, one after it a volume of the current version (docs/FORMAT.md §7). Blocks
     * the volume never wrote keep reading as zeros without being read ({@link VolumeInfo#dataZeroed()}
     * stays false). Takes the same exclusive lock as {@link #open}; everything is checked before the
     * first write. A volume already of the current version is left as it is: nothing is written and
     * its info is returned (call {@link #inspect} first to tell the two cases apart).
     *
     * @param options the volume's devices and the log size
     * @return the converted volume's identity and geometry ({@link VolumeInfo#formatVersion()} 2)
     * @throws IllegalArgumentException when the log size is not a multiple of the block size or below
     *     16 blocks, a block device has no room for the log (the message names the bytes needed), a
     *     log size is given for a volume of the current version that differs from its log, or the
     *     metadata device is the data device
     * @throws InvalidVolumeException when the devices are not a volume this build reads (the message
     *     says why, as {@link #open} would)
     * @throws IllegalStateException when this process has the volume open
     * @throws IOException when a device does not exist or cannot be read or written, or another process
     *     has the volume open
     */
    public static VolumeInfo convert(ConvertOptions options) throws IOException {
        return VolumeTools.convert(options);
    }

    /**
     * Reads and validates a volume's superblock(s) without opening it: takes no lock and writes
     * nothing, so it also works on a volume another process has open (what {@code csum status} shows).
     *
     * @param dataPath the volume's data device (for interleaved metadata, its only device)
     * @param metadataPathOrNull the metadata device of a volume formatted with one; null for interleaved
     * @return the volume's identity and geometry, and whether a backup superblock had to stand in
     * @throws InvalidVolumeException when the devices are not a usable volume (the message says why)
     * @throws IOException when a device does not exist or cannot be read
     */
    public static VolumeInspection inspect(Path dataPath, Path metadataPathOrNull) throws IOException {
        return VolumeTools.inspect(dataPath, metadataPathOrNull);
    }

    /**
     * Opens a formatted volume. Validates the superblock(s) and refuses, writing nothing, anything
     * that is not an intact volume (or the wrong metadata device).
     *
     * <p>Locking: the data device and the metadata device are locked for as long as the volume is
     * open, with open-file-description locks that nothing else this process does can release
     * (closing another descriptor of the same file included). A writable open is the only user of
     * the volume; {@linkplain VolumeOptions#readOnly() read-only} opens of several processes may
     * share it, never with a writer. Opening a volume that another process uses is an
     * {@link IOException}; one this process has open already (under any path: hard links and
     * symlinks are recognised by device and inode) is an {@link IllegalStateException}.
     *
     * <p>A writable open whose primary superblock was damaged restores it from the backup (and says
     * so in {@link #openWarnings()}). A read-only open never writes anything.
     *
     * <p>A volume of format version 1 (made by a build before the tuple log, {@link VolumeInfo#formatVersion()})
     * opens read-only only: a writable open is refused, before anything is written, with an
     * {@link InvalidVolumeException} saying so.
     *
     * <p>Device I/O goes through io_uring or the portable {@code FileChannel} port
     * ({@link VolumeOptions#ioEngine()}). By default a process that may not use io_uring (a
     * container's default seccomp profile refuses it) gets the portable port, and one line in
     * {@link #openWarnings()} says why and how to allow io_uring.
     *
     * @param options the devices and how to open them
     * @return the open volume; {@linkplain #close() close} it to release the devices
     * @throws InvalidVolumeException when the devices are not an intact volume (the message says why),
     *     or a writable open is asked of a format version 1 volume
     * @throws IllegalArgumentException when the metadata device is the data device
     * @throws IllegalStateException when this process has the volume open already
     * @throws IOException when a device does not exist or cannot be opened, or another process uses
     *     the volume
     */
    public static Volume open(VolumeOptions options) throws IOException {
        try {
            OpenedDevices devices = OpenedDevices.open(options);
            try {
                LogRecovery.Result recovered = LogRecovery.recover(devices.port(), devices.superblock(),
                    options.readOnly());
                return new Volume(devices.superblock(), options.dataPath().toString(), devices.port(),
                    settings(options, EngineTestFault.NONE), recovered, false, devices.locks(), devices.warnings());
            } catch (IOException | RuntimeException | Error failure) {
                devices.release(failure);
                throw failure;
            }
        } catch (dev.csum.format.InvalidVolumeException refused) {
            throw ApiMapping.invalidVolume(refused);
        }
    }

    /**
     * Opens a volume on an already-open port (a simulated disk, or a port wrapping a real one): the
     * superblock is read through the port from block 0 of the data file; no device is locked. With
     * {@code manualDrive} no thread is started: the caller drives the engine with
     * {@link #runUntilIdle(int)}, and the blocking forms are refused. Reached only through
     * {@link dev.csum.internal.VolumeInternals} (the test kit, the torture harness, tests).
     */
    static Volume openOnPort(IoPort port, VolumeOptions options, boolean manualDrive, EngineTestFault testFault)
            throws IOException {
        Superblock superblock = PortSuperblock.read(port);
        if (!options.readOnly()) {
            try {
                superblock.refuseWritableOpen();
            } catch (dev.csum.format.InvalidVolumeException refused) {
                throw ApiMapping.invalidVolume(refused);
            }
        }
        LogRecovery.Result recovered = LogRecovery.recover(port, superblock, options.readOnly());
        return new Volume(superblock, options.dataPath().toString(), port, settings(options, testFault),
            recovered, manualDrive, List.of(), List.of());
    }

    /** The engine's settings for {@code options}; {@code testFault} is {@link EngineTestFault#NONE} but in tests. */
    private static EngineSettings settings(VolumeOptions options, EngineTestFault testFault) {
        return new EngineSettings(options.imdCacheBytes(), options.bufferArenaBytes(),
            options.durability() == Durability.STRICT, options.verifyReads(), options.readOnly(), testFault);
    }

    /**
     * Resizes a closed volume of the current format version in place, to a larger device or a smaller
     * size: the volume gains or loses data blocks (and groups) at its end; every block kept keeps its
     * data and checksum; the tuple log keeps its length and moves after the new last group
     * (interleaved) or metadata pair (separate) with the backup superblock after it; blocks never
     * written, new ones included, read as zeros. A regular file becomes
     * {@link ResizeOptions#sizeBytes()} long (extended by a sparse hole, or cut past the volume's new
     * end); a block device must hold that size already. A shrink is refused unless every block it cuts
     * off was never written. Offline only: the volume must not be open (an open volume is not resized).
     *
     * <p>Takes the same exclusive lock as {@link #open} and checks the options before the first write.
     * It first recovers the tuple log in place as a writable open would, so that nothing remains to
     * replay (only then can a shrink tell whether the blocks it would cut were written; a refusal then
     * has changed nothing but that), then makes the blocks that change role read as zeros and moves the
     * superblocks, the new primary superblock of the device holding the log being the commit point,
     * each step synced before the next: a crash leaves the volume of the old size or of the new one, its
     * data intact (docs/FORMAT.md §7.2, §7.3). A size that gives as many data blocks as the volume has
     * writes nothing (a regular file longer than it is cut, past the volume) and returns the volume's
     * info as it is.
     *
     * @param options the volume's devices and the new size
     * @return the volume's identity and geometry after resizing
     * @throws IllegalArgumentException when a shrink would cut off a block that was written, the size
     *     holds no data block, a block device is shorter than the size, a metadata block device has no
     *     room for the new metadata, a device is not writable, or the metadata device is the data device
     * @throws InvalidVolumeException when the devices are not a volume this build writes (the message
     *     says why, as {@link #open} would; a volume of format version 1 must be converted first)
     * @throws IllegalStateException when this process has the volume open
     * @throws IOException when a device does not exist or cannot be read or written, or another process
     *     has the volume open
     */
    public static VolumeInfo resize(ResizeOptions options) throws IOException {
        return VolumeTools.resize(options);
    }

    // ------------------------------------------------------------------ geometry and state

    /**
     * The volume's logical address space: offsets run from 0 to this, exclusive.
     *
     * @return the usable size in bytes (data blocks × block size)
     */
    public long sizeBytes() {
        return sizeBytes;
    }

    /**
     * The unit of checksums and of offset and length alignment.
     *
     * @return the block size in bytes: 512 or 4096
     */
    public int blockSizeBytes() {
        return blockSizeBytes;
    }

    /**
     * The largest read or write: half the engine's buffers ({@link VolumeOptions#bufferArenaBytes()}
     * rounded down to a power of two), 16 MiB by default. Split larger transfers.
     *
     * @return the largest request in bytes, a multiple of {@link #blockSizeBytes()}
     */
    public long maxRequestBytes() {
        return engine.maxRequestBytes();
    }

    /**
     * The volume's identity and geometry, as its superblock records them.
     *
     * @return the identity and geometry (the same object at every call)
     */
    public VolumeInfo info() {
        return info;
    }

    /**
     * Whether the volume was opened {@linkplain VolumeOptions#readOnly() read-only}.
     *
     * @return true when writes are refused and nothing is written to the devices
     */
    public boolean isReadOnly() {
        return readOnly;
    }

    /**
     * Warnings found while opening (for example: primary superblock damaged, backup used; io_uring
     * refused, the portable I/O port used).
     *
     * @return one line per warning, an immutable list; empty for a healthy volume
     */
    public List<String> openWarnings() {
        return openWarnings;
    }

    /**
     * The volume's counters since it was opened (each read without locking). Any thread; works on a
     * closed volume too: once the {@link #close()} that closed it has returned, the counters are
     * final and include the close's own work (the settle of each group's metadata, the final sync).
     *
     * @return a new snapshot of the counters
     */
    public VolumeStats stats() {
        return ApiMapping.stats(engine.counters());
    }

    /**
     * Attaches {@code observer}: from now on it is told about every request this volume completes,
     * on the event loop. Any thread.
     *
     * @param observer the observer to attach; not null
     * @return false (and nothing changes) when it is attached already
     * @throws NullPointerException when {@code observer} is null
     */
    public boolean addObserver(RequestObserver observer) {
        return observers.add(observer);
    }

    /**
     * Detaches {@code observer}; requests completing afterwards are not told to it. Any thread.
     *
     * @param observer the observer to detach
     * @return false when it was not attached
     */
    public boolean removeObserver(RequestObserver observer) {
        return observers.remove(observer);
    }

    // ------------------------------------------------------------------ reads

    /**
     * Reads {@code dst.byteSize()} bytes at {@code offsetBytes} into {@code dst} (native or heap).
     * The event loop copies the verified data into {@code dst}.
     *
     * @param offsetBytes where the read starts in the volume, in bytes: a multiple of
     *     {@link #blockSizeBytes()}
     * @param dst the destination, read into whole: a multiple of {@link #blockSizeBytes()} bytes, at
     *     most {@link #maxRequestBytes()}; writable, and accessible from the event loop (heap memory,
     *     or a shared, global or automatic arena)
     * @return a future completed on the event loop: normally once {@code dst} holds the verified
     *     data; exceptionally with an {@link IntegrityException} when a block fails verification, or
     *     another {@link IOException} on a device error or when {@code dst} is no longer accessible
     *     (then {@code dst} is left as it was)
     * @throws IllegalArgumentException before any I/O, when {@code dst} is null, empty, read-only or
     *     confined to another thread, or the range is not block-aligned, larger than
     *     {@link #maxRequestBytes()} or not inside the volume
     * @throws IllegalStateException when the volume is closed, or stopped after an internal error
     */
    public CompletableFuture<Void> read(long offsetBytes, MemorySegment dst) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        read(offsetBytes, dst == null ? 0 : dst.byteSize(), dst, null, FutureCallbacks.completing(future), 0);
        return future;
    }

    /**
     * Reads {@code lengthBytes} at {@code offsetBytes} into {@code dst[dstOffset ..]}.
     *
     * @param offsetBytes where the read starts in the volume, in bytes: a multiple of
     *     {@link #blockSizeBytes()}
     * @param dst the destination array
     * @param dstOffset where in {@code dst} the data goes (any index: arrays need no alignment)
     * @param lengthBytes bytes to read: a positive multiple of {@link #blockSizeBytes()}, at most
     *     {@link #maxRequestBytes()}
     * @return a future completed on the event loop: normally once {@code dst} holds the verified
     *     data; exceptionally with an {@link IntegrityException} when a block fails verification, or
     *     another {@link IOException} on a device error (then {@code dst} is left as it was)
     * @throws IllegalArgumentException before any I/O, when {@code dst} is null, or the range is not
     *     block-aligned, empty, larger than {@link #maxRequestBytes()} or not inside the volume
     * @throws IndexOutOfBoundsException before any I/O, when {@code dst[dstOffset .. dstOffset +
     *     lengthBytes)} is not inside {@code dst}
     * @throws IllegalStateException when the volume is closed, or stopped after an internal error
     */
    public CompletableFuture<Void> read(long offsetBytes, byte[] dst, int dstOffset, int lengthBytes) {
        return read(offsetBytes, RequestChecks.arraySlice("read", dst, dstOffset, lengthBytes));
    }

    /**
     * Reads {@code dst.remaining()} bytes at {@code offsetBytes} into {@code dst} (heap or direct),
     * whose position advances by that much when the read succeeds, before the future completes.
     *
     * @param offsetBytes where the read starts in the volume, in bytes: a multiple of
     *     {@link #blockSizeBytes()}
     * @param dst the destination: its remaining bytes (position to limit), a multiple of
     *     {@link #blockSizeBytes()}, at most {@link #maxRequestBytes()}, are read into; not read-only.
     *     Leave its position and limit alone until the future completes
     * @return a future completed on the event loop: normally once {@code dst} holds the verified
     *     data and its position is at its limit; exceptionally with an {@link IntegrityException} when
     *     a block fails verification, or another {@link IOException} on a device error or when a
     *     direct {@code dst}'s memory is no longer accessible (then {@code dst} is left as it was)
     * @throws IllegalArgumentException before any I/O, when {@code dst} is null, read-only, has no
     *     remaining bytes or is confined to another thread, or the range is not block-aligned, larger
     *     than {@link #maxRequestBytes()} or not inside the volume
     * @throws IllegalStateException when the volume is closed, or stopped after an internal error
     */
    public CompletableFuture<Void> read(long offsetBytes, ByteBuffer dst) {
        MemorySegment target = RequestChecks.remaining("read", dst);
        CompletableFuture<Void> future = new CompletableFuture<>();
        read(offsetBytes, target.byteSize(), target, null, FutureCallbacks.completing(future, dst), 0);
        return future;
    }

    /**
     * Low-garbage read of {@code lengthBytes} at {@code offsetBytes} into {@code dst} (native or
     * heap; the event loop copies into it).
     *
     * @param offsetBytes where the read starts in the volume, in bytes: a multiple of
     *     {@link #blockSizeBytes()}
     * @param lengthBytes bytes to read: a positive multiple of {@link #blockSizeBytes()}, at most
     *     {@link #maxRequestBytes()}
     * @param dst the destination, at least {@code lengthBytes} long (its first {@code lengthBytes}
     *     are read into); writable, and accessible from the event loop (heap memory, or a shared,
     *     global or automatic arena)
     * @param appTagsOut null, or one slot per block ({@code lengthBytes / blockSizeBytes()} at least)
     *     to receive each block's application tag (0 for a block written without one, or never
     *     written); its contents are defined only when the read succeeds
     * @param callback runs on the event loop when the read completes: with a null failure once
     *     {@code dst} holds the verified data; with an {@link IntegrityException} when a block fails
     *     verification; with another {@link IOException} on a device error or when {@code dst} is no
     *     longer accessible (then {@code dst} is left as it was)
     * @param token any value: passed to {@code callback} as it is, to tell requests apart
     * @throws IllegalArgumentException before any I/O, when {@code callback} or {@code dst} is null,
     *     {@code dst} is too small, read-only or confined to another thread, {@code appTagsOut} is too
     *     small, or the range is not block-aligned, empty, larger than {@link #maxRequestBytes()} or
     *     not inside the volume
     * @throws IllegalStateException when the volume is closed, or stopped after an internal error; or,
     *     from an I/O callback, when 1024 requests are in flight
     */
    public void read(long offsetBytes, long lengthBytes, MemorySegment dst, short[] appTagsOut, IoCallback callback,
                     long token) {
        checks.checkOpen(closed);
        checks.checkRequest(offsetBytes, lengthBytes, dst, appTagsOut, callback, true, false);
        submit(Request.READ, offsetBytes, lengthBytes, dst, appTagsOut, callback, token, null);
    }

    /**
     * Zero-copy read of {@code lengthBytes} at {@code offsetBytes}: the device reads straight into
     * {@code dst}, and the data is verified there. Costs no copy and no engine buffer, at the price of
     * two promises the copying {@link #read(long, long, MemorySegment, short[], IoCallback, long) read}
     * does not ask for:
     * <ul>
     *   <li>{@code dst}'s memory must stay allocated until {@code callback} has run: closing its arena
     *       earlier is undefined behaviour (the kernel may write into memory that was freed), where the
     *       copying read fails that request alone;</li>
     *   <li>when the read fails, {@code dst} may hold any bytes, unverified data included: use it only
     *       after a null failure.</li>
     * </ul>
     * Like {@code O_DIRECT}, it needs native memory aligned to {@link #directAlignmentBytes()}.
     * Threading and the callback's rules are those of the copying form.
     *
     * @param offsetBytes where the read starts in the volume, in bytes: a multiple of
     *     {@link #blockSizeBytes()}
     * @param lengthBytes bytes to read: a positive multiple of {@link #blockSizeBytes()}, at most
     *     {@link #maxRequestBytes()}
     * @param dst the destination: native, its address a multiple of {@link #directAlignmentBytes()},
     *     at least {@code lengthBytes} long (its first {@code lengthBytes} are read into), writable,
     *     and accessible from the event loop (a shared, global or automatic arena)
     * @param appTagsOut null, or one slot per block to receive each block's application tag; defined
     *     only when the read succeeds
     * @param callback runs on the event loop when the read completes: with a null failure once
     *     {@code dst} holds the verified data; with an {@link IntegrityException} when a block fails
     *     verification; with another {@link IOException} on a device error
     * @param token any value: passed to {@code callback} as it is
     * @throws IllegalArgumentException before any I/O, for everything the copying form refuses, and
     *     when {@code dst} is a heap segment or not aligned to {@link #directAlignmentBytes()}
     * @throws IllegalStateException when the volume is closed, or stopped after an internal error; or,
     *     from an I/O callback, when 1024 requests are in flight
     */
    public void readInPlace(long offsetBytes, long lengthBytes, MemorySegment dst, short[] appTagsOut,
                            IoCallback callback, long token) {
        checks.checkOpen(closed);
        checks.checkRequest(offsetBytes, lengthBytes, dst, appTagsOut, callback, true, false);
        int alignment = directAlignmentBytes();
        if (!dst.isNative() || dst.address() % alignment != 0) {
            throw new IllegalArgumentException("an in-place read needs native memory aligned to " + alignment
                + " bytes; " + (dst.isNative() ? "this destination starts at address 0x" + Long.toHexString(dst.address())
                : "this destination is a heap segment") + " (use read(...), which copies)");
        }
        Request request = loop.acquire();
        request.fill(Request.READ, offsetBytes, lengthBytes, blockSizeBytes, dst, appTagsOut, callback, token);
        request.attachInPlaceBuffer(dst.byteSize() == lengthBytes ? dst : dst.asSlice(0, lengthBytes));
        loop.submit(request);
    }

    /**
     * The alignment {@link #readInPlace} needs of its destination's address: the device's direct-I/O
     * alignment, and at least 4096 bytes. {@code Arena.allocate(size, directAlignmentBytes())} gives it.
     *
     * @return the alignment in bytes, a power of two
     */
    public int directAlignmentBytes() {
        return Math.max(4096, port.alignmentBytes());
    }

    /**
     * Reads {@code dst.byteSize()} bytes at {@code offsetBytes} into {@code dst} and waits. The
     * calling thread copies the verified data into {@code dst}, so {@code dst} may be confined to it.
     *
     * @param offsetBytes where the read starts in the volume, in bytes: a multiple of
     *     {@link #blockSizeBytes()}
     * @param dst the destination (native or heap), read into whole: a multiple of
     *     {@link #blockSizeBytes()} bytes, at most {@link #maxRequestBytes()}; writable
     * @throws IntegrityException when a block fails verification ({@code dst} is left as it was)
     * @throws IOException on a device error, when {@code dst} is no longer accessible, or when the
     *     event loop failed while the caller waited ({@code dst} is left as it was)
     * @throws IllegalArgumentException before any I/O, when {@code dst} is null, empty or read-only,
     *     or the range is not block-aligned, larger than {@link #maxRequestBytes()} or not inside the
     *     volume
     * @throws IllegalStateException when the volume is closed, or stopped after an internal error; or
     *     when called on the event loop (from an I/O callback), where waiting would never end
     */
    public void readBlocking(long offsetBytes, MemorySegment dst) throws IOException {
        readBlocking(offsetBytes, dst, null);
    }

    /**
     * Reads {@code dst.byteSize()} bytes at {@code offsetBytes} into {@code dst} and waits, returning
     * each block's application tag in {@code appTagsOut}. The calling thread copies the verified data
     * into {@code dst}, so {@code dst} may be confined to it.
     *
     * @param offsetBytes where the read starts in the volume, in bytes: a multiple of
     *     {@link #blockSizeBytes()}
     * @param dst the destination (native or heap), read into whole: a multiple of
     *     {@link #blockSizeBytes()} bytes, at most {@link #maxRequestBytes()}; writable
     * @param appTagsOut null, or one slot per block ({@code dst.byteSize() / blockSizeBytes()} at
     *     least) to receive each block's application tag (0 for a block written without one, or never
     *     written); its contents are defined only when the read succeeds
     * @throws IntegrityException when a block fails verification ({@code dst} is left as it was)
     * @throws IOException on a device error, when {@code dst} is no longer accessible, or when the
     *     event loop failed while the caller waited ({@code dst} is left as it was)
     * @throws IllegalArgumentException before any I/O, when {@code dst} is null, empty or read-only,
     *     {@code appTagsOut} is too small, or the range is not block-aligned, larger than
     *     {@link #maxRequestBytes()} or not inside the volume
     * @throws IllegalStateException when the volume is closed, or stopped after an internal error; or
     *     when called on the event loop (from an I/O callback), where waiting would never end
     */
    public void readBlocking(long offsetBytes, MemorySegment dst, short[] appTagsOut) throws IOException {
        BlockingWait wait = new BlockingWait(loop, offsetBytes, dst);
        checks.checkOpen(closed);
        checks.checkRequest(offsetBytes, dst == null ? 0 : dst.byteSize(), dst, appTagsOut, wait, true, true);
        submit(Request.READ, offsetBytes, dst.byteSize(), dst, appTagsOut, wait, 0, wait);
        wait.await();
    }

    /**
     * Reads {@code lengthBytes} at {@code offsetBytes} into {@code dst[dstOffset ..]} and waits.
     *
     * @param offsetBytes where the read starts in the volume, in bytes: a multiple of
     *     {@link #blockSizeBytes()}
     * @param dst the destination array
     * @param dstOffset where in {@code dst} the data goes (any index: arrays need no alignment)
     * @param lengthBytes bytes to read: a positive multiple of {@link #blockSizeBytes()}, at most
     *     {@link #maxRequestBytes()}
     * @throws IntegrityException when a block fails verification ({@code dst} is left as it was)
     * @throws IOException on a device error, or when the event loop failed while the caller waited
     *     ({@code dst} is left as it was)
     * @throws IllegalArgumentException before any I/O, when {@code dst} is null, or the range is not
     *     block-aligned, empty, larger than {@link #maxRequestBytes()} or not inside the volume
     * @throws IndexOutOfBoundsException before any I/O, when {@code dst[dstOffset .. dstOffset +
     *     lengthBytes)} is not inside {@code dst}
     * @throws IllegalStateException when the volume is closed, or stopped after an internal error; or
     *     when called on the event loop (from an I/O callback), where waiting would never end
     */
    public void readBlocking(long offsetBytes, byte[] dst, int dstOffset, int lengthBytes) throws IOException {
        readBlocking(offsetBytes, RequestChecks.arraySlice("read", dst, dstOffset, lengthBytes), null);
    }

    /**
     * Reads {@code dst.remaining()} bytes at {@code offsetBytes} into {@code dst} (heap or direct)
     * and waits; on success the position advances by that much (as {@code FileChannel.read} does).
     *
     * @param offsetBytes where the read starts in the volume, in bytes: a multiple of
     *     {@link #blockSizeBytes()}
     * @param dst the destination: its remaining bytes (position to limit), a multiple of
     *     {@link #blockSizeBytes()}, at most {@link #maxRequestBytes()}, are read into; not read-only
     * @throws IntegrityException when a block fails verification ({@code dst} is left as it was)
     * @throws IOException on a device error, when a direct {@code dst}'s memory is no longer
     *     accessible, or when the event loop failed while the caller waited ({@code dst} is left as
     *     it was)
     * @throws IllegalArgumentException before any I/O, when {@code dst} is null, read-only or has no
     *     remaining bytes, or the range is not block-aligned, larger than {@link #maxRequestBytes()}
     *     or not inside the volume
     * @throws IllegalStateException when the volume is closed, or stopped after an internal error; or
     *     when called on the event loop (from an I/O callback), where waiting would never end
     */
    public void readBlocking(long offsetBytes, ByteBuffer dst) throws IOException {
        MemorySegment target = RequestChecks.remaining("read", dst);
        readBlocking(offsetBytes, target, null);
        dst.position(dst.position() + (int) target.byteSize());
    }

    // ------------------------------------------------------------------ writes

    /**
     * Writes all of {@code src} (native or heap) at {@code offsetBytes}. The calling thread copies
     * {@code src} before this returns: it may be reused, changed or freed at once.
     *
     * @param offsetBytes where the write starts in the volume, in bytes: a multiple of
     *     {@link #blockSizeBytes()}
     * @param src the data, written whole: a multiple of {@link #blockSizeBytes()} bytes, at most
     *     {@link #maxRequestBytes()}
     * @return a future completed on the event loop: normally once the data and its checksums are
     *     written (durable after a {@link #flush()}, or at once with {@link Durability#STRICT});
     *     exceptionally with an {@link IOException} on a device error, or an
     *     {@link IntegrityException} when both metadata copies of a block's group are damaged (then
     *     nothing of that group is written)
     * @throws IllegalArgumentException before any I/O, when {@code src} is null or empty, or the
     *     range is not block-aligned, larger than {@link #maxRequestBytes()} or not inside the volume
     * @throws IllegalStateException when the volume is closed, stopped after an internal error, or
     *     open {@linkplain #isReadOnly() read-only}
     */
    public CompletableFuture<Void> write(long offsetBytes, MemorySegment src) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        write(offsetBytes, src == null ? 0 : src.byteSize(), src, null, FutureCallbacks.completing(future), 0);
        return future;
    }

    /**
     * Writes {@code src[srcOffset .. srcOffset + lengthBytes)} at {@code offsetBytes}. The calling
     * thread copies those bytes before this returns: {@code src} may be reused or changed at once.
     *
     * @param offsetBytes where the write starts in the volume, in bytes: a multiple of
     *     {@link #blockSizeBytes()}
     * @param src the array holding the data
     * @param srcOffset where in {@code src} the data starts (any index: arrays need no alignment)
     * @param lengthBytes bytes to write: a positive multiple of {@link #blockSizeBytes()}, at most
     *     {@link #maxRequestBytes()}
     * @return a future completed on the event loop: normally once the data and its checksums are
     *     written (durable after a {@link #flush()}, or at once with {@link Durability#STRICT});
     *     exceptionally with an {@link IOException} on a device error, or an
     *     {@link IntegrityException} when both metadata copies of a block's group are damaged (then
     *     nothing of that group is written)
     * @throws IllegalArgumentException before any I/O, when {@code src} is null, or the range is not
     *     block-aligned, empty, larger than {@link #maxRequestBytes()} or not inside the volume
     * @throws IndexOutOfBoundsException before any I/O, when {@code src[srcOffset .. srcOffset +
     *     lengthBytes)} is not inside {@code src}
     * @throws IllegalStateException when the volume is closed, stopped after an internal error, or
     *     open {@linkplain #isReadOnly() read-only}
     */
    public CompletableFuture<Void> write(long offsetBytes, byte[] src, int srcOffset, int lengthBytes) {
        return write(offsetBytes, RequestChecks.arraySlice("write", src, srcOffset, lengthBytes));
    }

    /**
     * Writes the {@code src.remaining()} bytes of {@code src} (heap or direct) at {@code offsetBytes};
     * its position advances by that much when the write succeeds, before the future completes. The
     * calling thread copies the bytes before this returns: their contents may change at once.
     *
     * @param offsetBytes where the write starts in the volume, in bytes: a multiple of
     *     {@link #blockSizeBytes()}
     * @param src the data: its remaining bytes (position to limit), a multiple of
     *     {@link #blockSizeBytes()}, at most {@link #maxRequestBytes()}. Leave its position and limit
     *     alone until the future completes
     * @return a future completed on the event loop: normally once the data and its checksums are
     *     written (durable after a {@link #flush()}, or at once with {@link Durability#STRICT}) and
     *     {@code src}'s position is at its limit; exceptionally with an {@link IOException} on a
     *     device error, or an {@link IntegrityException} when both metadata copies of a block's group
     *     are damaged (then nothing of that group is written)
     * @throws IllegalArgumentException before any I/O, when {@code src} is null or has no remaining
     *     bytes, or the range is not block-aligned, larger than {@link #maxRequestBytes()} or not
     *     inside the volume
     * @throws IllegalStateException when the volume is closed, stopped after an internal error, or
     *     open {@linkplain #isReadOnly() read-only}
     */
    public CompletableFuture<Void> write(long offsetBytes, ByteBuffer src) {
        MemorySegment source = RequestChecks.remaining("write", src);
        CompletableFuture<Void> future = new CompletableFuture<>();
        write(offsetBytes, source.byteSize(), source, null, FutureCallbacks.completing(future, src), 0);
        return future;
    }

    /**
     * Low-garbage write of {@code lengthBytes} of {@code src} (native or heap) at {@code offsetBytes}.
     * The calling thread copies the data before this returns (from an I/O callback: the event loop,
     * when it takes the request), so {@code src} may be reused, changed or freed once it has.
     *
     * @param offsetBytes where the write starts in the volume, in bytes: a multiple of
     *     {@link #blockSizeBytes()}
     * @param lengthBytes bytes to write: a positive multiple of {@link #blockSizeBytes()}, at most
     *     {@link #maxRequestBytes()}
     * @param src the data, at least {@code lengthBytes} long (its first {@code lengthBytes} are
     *     written); accessible from the calling thread (from an I/O callback: the event loop)
     * @param appTags null, or one application tag per block ({@code lengthBytes / blockSizeBytes()} at
     *     least; null stores 0), stored in its tuple and returned by reads. Copied before this
     *     method returns, like the data: the caller may reuse the array at once
     * @param callback runs on the event loop when the write completes: with a null failure once the
     *     data and its checksums are written (durable after a {@link #flush()}, or at once with
     *     {@link Durability#STRICT}); with an {@link IOException} on a device error, or an
     *     {@link IntegrityException} when both metadata copies of a block's group are damaged (then
     *     nothing of that group is written)
     * @param token any value: passed to {@code callback} as it is, to tell requests apart
     * @throws IllegalArgumentException before any I/O, when {@code callback} or {@code src} is null,
     *     {@code src} or {@code appTags} is too small, or the range is not block-aligned, empty, larger
     *     than {@link #maxRequestBytes()} or not inside the volume
     * @throws IllegalStateException when the volume is closed, stopped after an internal error, or
     *     open {@linkplain #isReadOnly() read-only}; or, from an I/O callback, when 1024 requests are
     *     in flight
     */
    public void write(long offsetBytes, long lengthBytes, MemorySegment src, short[] appTags, IoCallback callback,
                      long token) {
        checks.checkOpen(closed);
        if (readOnly) {
            throw new IllegalStateException("csum volume " + name + " is open read-only: writes are refused");
        }
        checks.checkRequest(offsetBytes, lengthBytes, src, appTags, callback, false, !loop.inLoop());
        submit(Request.WRITE, offsetBytes, lengthBytes, src, appTags, callback, token, null);
    }

    /**
     * Writes all of {@code src} (native or heap) at {@code offsetBytes} and waits.
     *
     * @param offsetBytes where the write starts in the volume, in bytes: a multiple of
     *     {@link #blockSizeBytes()}
     * @param src the data, written whole: a multiple of {@link #blockSizeBytes()} bytes, at most
     *     {@link #maxRequestBytes()}
     * @throws IntegrityException when both metadata copies of a block's group are damaged (nothing
     *     of that group was written)
     * @throws IOException on a device error, or when the event loop failed while the caller waited
     * @throws IllegalArgumentException before any I/O, when {@code src} is null or empty, or the
     *     range is not block-aligned, larger than {@link #maxRequestBytes()} or not inside the volume
     * @throws IllegalStateException when the volume is closed, stopped after an internal error, or
     *     open {@linkplain #isReadOnly() read-only}; or when called on the event loop (from an I/O
     *     callback), where waiting would never end
     */
    public void writeBlocking(long offsetBytes, MemorySegment src) throws IOException {
        writeBlocking(offsetBytes, src, null);
    }

    /**
     * Writes all of {@code src} (native or heap) at {@code offsetBytes}, with one application tag
     * per block, and waits.
     *
     * @param offsetBytes where the write starts in the volume, in bytes: a multiple of
     *     {@link #blockSizeBytes()}
     * @param src the data, written whole: a multiple of {@link #blockSizeBytes()} bytes, at most
     *     {@link #maxRequestBytes()}
     * @param appTags null, or one application tag per block ({@code src.byteSize() / blockSizeBytes()}
     *     at least; null stores 0), stored in its tuple and returned by reads
     * @throws IntegrityException when both metadata copies of a block's group are damaged (nothing
     *     of that group was written)
     * @throws IOException on a device error, or when the event loop failed while the caller waited
     * @throws IllegalArgumentException before any I/O, when {@code src} is null or empty,
     *     {@code appTags} is too small, or the range is not block-aligned, larger than
     *     {@link #maxRequestBytes()} or not inside the volume
     * @throws IllegalStateException when the volume is closed, stopped after an internal error, or
     *     open {@linkplain #isReadOnly() read-only}; or when called on the event loop (from an I/O
     *     callback), where waiting would never end
     */
    public void writeBlocking(long offsetBytes, MemorySegment src, short[] appTags) throws IOException {
        BlockingWait wait = new BlockingWait(loop, 0, null);
        write(offsetBytes, src == null ? 0 : src.byteSize(), src, appTags, wait, 0);
        wait.await();
    }

    /**
     * Writes {@code src[srcOffset .. srcOffset + lengthBytes)} at {@code offsetBytes} and waits.
     *
     * @param offsetBytes where the write starts in the volume, in bytes: a multiple of
     *     {@link #blockSizeBytes()}
     * @param src the array holding the data
     * @param srcOffset where in {@code src} the data starts (any index: arrays need no alignment)
     * @param lengthBytes bytes to write: a positive multiple of {@link #blockSizeBytes()}, at most
     *     {@link #maxRequestBytes()}
     * @throws IntegrityException when both metadata copies of a block's group are damaged (nothing
     *     of that group was written)
     * @throws IOException on a device error, or when the event loop failed while the caller waited
     * @throws IllegalArgumentException before any I/O, when {@code src} is null, or the range is not
     *     block-aligned, empty, larger than {@link #maxRequestBytes()} or not inside the volume
     * @throws IndexOutOfBoundsException before any I/O, when {@code src[srcOffset .. srcOffset +
     *     lengthBytes)} is not inside {@code src}
     * @throws IllegalStateException when the volume is closed, stopped after an internal error, or
     *     open {@linkplain #isReadOnly() read-only}; or when called on the event loop (from an I/O
     *     callback), where waiting would never end
     */
    public void writeBlocking(long offsetBytes, byte[] src, int srcOffset, int lengthBytes) throws IOException {
        writeBlocking(offsetBytes, RequestChecks.arraySlice("write", src, srcOffset, lengthBytes), null);
    }

    /**
     * Writes the {@code src.remaining()} bytes of {@code src} (heap or direct) at {@code offsetBytes}
     * and waits; on success the position advances by that much (as {@code FileChannel.write} does).
     *
     * @param offsetBytes where the write starts in the volume, in bytes: a multiple of
     *     {@link #blockSizeBytes()}
     * @param src the data: its remaining bytes (position to limit), a multiple of
     *     {@link #blockSizeBytes()}, at most {@link #maxRequestBytes()}
     * @throws IntegrityException when both metadata copies of a block's group are damaged (nothing
     *     of that group was written)
     * @throws IOException on a device error, or when the event loop failed while the caller waited
     * @throws IllegalArgumentException before any I/O, when {@code src} is null or has no remaining
     *     bytes, or the range is not block-aligned, larger than {@link #maxRequestBytes()} or not
     *     inside the volume
     * @throws IllegalStateException when the volume is closed, stopped after an internal error, or
     *     open {@linkplain #isReadOnly() read-only}; or when called on the event loop (from an I/O
     *     callback), where waiting would never end
     */
    public void writeBlocking(long offsetBytes, ByteBuffer src) throws IOException {
        MemorySegment source = RequestChecks.remaining("write", src);
        writeBlocking(offsetBytes, source, null);
        src.position(src.position() + (int) source.byteSize());
    }

    // ------------------------------------------------------------------ flush and close

    /**
     * Makes every write completed before this call durable (fdatasync of the device(s)).
     *
     * @return a future completed on the event loop: normally once those writes are durable;
     *     exceptionally with an {@link IOException} when a device's sync failed
     * @throws IllegalStateException when the volume is closed, or stopped after an internal error
     */
    public CompletableFuture<Void> flush() {
        CompletableFuture<Void> future = new CompletableFuture<>();
        flush(FutureCallbacks.completing(future), 0);
        return future;
    }

    /**
     * Low-garbage flush: makes every write completed before this call durable (fdatasync of the
     * device(s)).
     *
     * @param callback runs on the event loop: with a null failure once every earlier write is
     *     durable; with an {@link IOException} when a device's sync failed
     * @param token any value: passed to {@code callback} as it is, to tell requests apart
     * @throws IllegalArgumentException when {@code callback} is null
     * @throws IllegalStateException when the volume is closed, or stopped after an internal error; or,
     *     from an I/O callback, when 1024 requests are in flight
     */
    public void flush(IoCallback callback, long token) {
        checks.checkOpen(closed);
        if (callback == null) {
            throw new IllegalArgumentException("callback must not be null");
        }
        submit(Request.FLUSH, 0, 0, null, null, callback, token, null);
    }

    /**
     * Makes every write completed before this call durable (fdatasync of the device(s)), and waits.
     *
     * @throws IOException when a device's sync failed, or the event loop failed while the caller
     *     waited
     * @throws IllegalStateException when the volume is closed, or stopped after an internal error; or
     *     when called on the event loop (from an I/O callback), where waiting would never end
     */
    public void flushBlocking() throws IOException {
        BlockingWait wait = new BlockingWait(loop, 0, null);
        flush(wait, 0);
        wait.await();
    }

    // ------------------------------------------------------------------ discard and write-zeroes

    /**
     * Discards {@code lengthBytes} at {@code offsetBytes}: afterwards the blocks read as zeros,
     * verified, and their old data is no longer reachable — their tuples say "discarded" (counted
     * apart from never-written blocks) and the data range is punched ({@code fallocate(PUNCH_HOLE)}:
     * a regular file gives the space back). No data is written. Ordered with writes to the same blocks
     * as writes are, crash-consistent through the tuple log like a write: after a crash before it
     * completed (or, in the default durability, before a flush that followed it), each block reads as
     * its old data or as zeros. Durable like a write ({@link VolumeOptions#durability()}).
     *
     * @param offsetBytes where the range starts, in bytes: a multiple of {@link #blockSizeBytes()}
     * @param lengthBytes bytes to discard: a positive multiple of {@link #blockSizeBytes()}, up to the
     *     volume's size (not limited by {@link #maxRequestBytes()}: no data moves)
     * @return a future completed on the event loop once every block reads as zeros; exceptionally with
     *     an {@link IOException} when the device failed the punch on a volume whose never-written blocks
     *     are checked to be zeros ({@link VolumeInfo#dataZeroed()}; those blocks then read as
     *     integrity errors until written again), or with an {@link IntegrityException} when a group's
     *     metadata copies are both damaged (nothing of that group was discarded)
     * @throws IllegalArgumentException before any I/O, when the range is not block-aligned, empty or
     *     not inside the volume
     * @throws IllegalStateException when the volume is closed, stopped after an internal error, or open
     *     {@linkplain #isReadOnly() read-only}
     */
    public CompletableFuture<Void> discard(long offsetBytes, long lengthBytes) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        discard(offsetBytes, lengthBytes, FutureCallbacks.completing(future), 0);
        return future;
    }

    /**
     * Low-garbage {@link #discard(long, long)}: {@code callback} runs on the event loop when every
     * block reads as zeros, or with the failure.
     *
     * @param offsetBytes where the range starts, in bytes: a multiple of {@link #blockSizeBytes()}
     * @param lengthBytes bytes to discard: a positive multiple of {@link #blockSizeBytes()}
     * @param callback told the outcome, on the event loop
     * @param token any value: passed to {@code callback} as it is
     * @throws IllegalArgumentException before any I/O, when {@code callback} is null, or the range is
     *     not block-aligned, empty or not inside the volume
     * @throws IllegalStateException when the volume is closed, stopped after an internal error, or open
     *     {@linkplain #isReadOnly() read-only}; or, from an I/O callback, when 1024 requests are in flight
     */
    public void discard(long offsetBytes, long lengthBytes, IoCallback callback, long token) {
        submitZeroing(Request.DISCARD, "discard", offsetBytes, lengthBytes, callback, token);
    }

    /**
     * {@link #discard(long, long)}, waiting for it.
     *
     * @param offsetBytes where the range starts, in bytes: a multiple of {@link #blockSizeBytes()}
     * @param lengthBytes bytes to discard: a positive multiple of {@link #blockSizeBytes()}
     * @throws IOException as the future of {@link #discard(long, long)} completes
     * @throws IllegalArgumentException before any I/O, when the range is not block-aligned, empty or
     *     not inside the volume
     * @throws IllegalStateException when the volume is closed, stopped after an internal error, or
     *     open read-only; or when called on the event loop
     */
    public void discardBlocking(long offsetBytes, long lengthBytes) throws IOException {
        BlockingWait wait = new BlockingWait(loop, 0, null);
        discard(offsetBytes, lengthBytes, wait, 0);
        wait.await();
    }

    /**
     * Makes {@code lengthBytes} at {@code offsetBytes} read as zeros without writing data: exactly a
     * {@link #discard(long, long)} (the tuples say "discarded", the range is punched), told apart only
     * in {@link VolumeStats} and to observers ({@link RequestKind#WRITE_ZEROES}). What NBD's
     * {@code WRITE_ZEROES} and {@code BLKZEROOUT} ask for.
     *
     * @param offsetBytes where the range starts, in bytes: a multiple of {@link #blockSizeBytes()}
     * @param lengthBytes bytes to zero: a positive multiple of {@link #blockSizeBytes()}
     * @return a future completed on the event loop once every block reads as zeros (failures as for
     *     {@link #discard(long, long)})
     * @throws IllegalArgumentException before any I/O, when the range is not block-aligned, empty or
     *     not inside the volume
     * @throws IllegalStateException when the volume is closed, stopped after an internal error, or open
     *     {@linkplain #isReadOnly() read-only}
     */
    public CompletableFuture<Void> writeZeroes(long offsetBytes, long lengthBytes) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        writeZeroes(offsetBytes, lengthBytes, FutureCallbacks.completing(future), 0);
        return future;
    }

    /**
     * Low-garbage {@link #writeZeroes(long, long)}.
     *
     * @param offsetBytes where the range starts, in bytes: a multiple of {@link #blockSizeBytes()}
     * @param lengthBytes bytes to zero: a positive multiple of {@link #blockSizeBytes()}
     * @param callback told the outcome, on the event loop
     * @param token any value: passed to {@code callback} as it is
     * @throws IllegalArgumentException before any I/O, when {@code callback} is null, or the range is
     *     not block-aligned, empty or not inside the volume
     * @throws IllegalStateException when the volume is closed, stopped after an internal error, or open
     *     {@linkplain #isReadOnly() read-only}; or, from an I/O callback, when 1024 requests are in flight
     */
    public void writeZeroes(long offsetBytes, long lengthBytes, IoCallback callback, long token) {
        submitZeroing(Request.WRITE_ZEROES, "write-zeroes", offsetBytes, lengthBytes, callback, token);
    }

    /**
     * {@link #writeZeroes(long, long)}, waiting for it.
     *
     * @param offsetBytes where the range starts, in bytes: a multiple of {@link #blockSizeBytes()}
     * @param lengthBytes bytes to zero: a positive multiple of {@link #blockSizeBytes()}
     * @throws IOException as the future of {@link #writeZeroes(long, long)} completes
     * @throws IllegalArgumentException before any I/O, when the range is not block-aligned, empty or
     *     not inside the volume
     * @throws IllegalStateException when the volume is closed, stopped after an internal error, or
     *     open read-only; or when called on the event loop
     */
    public void writeZeroesBlocking(long offsetBytes, long lengthBytes) throws IOException {
        BlockingWait wait = new BlockingWait(loop, 0, null);
        writeZeroes(offsetBytes, lengthBytes, wait, 0);
        wait.await();
    }

    /**
     * A discard or write-zeroes: checked, then submitted as engine requests of at most
     * {@link ZeroingRange#CHUNK_BYTES}, all of them now and in order (so writes accepted after this
     * returns are applied after it), completing {@code callback} once all have.
     */
    private void submitZeroing(byte kind, String what, long offsetBytes, long lengthBytes, IoCallback callback,
                               long token) {
        checks.checkOpen(closed);
        if (readOnly) {
            throw new IllegalStateException("csum volume " + name + " is open read-only: " + what + " is refused");
        }
        checks.checkRange(what, offsetBytes, lengthBytes);
        if (callback == null) {
            throw new IllegalArgumentException("callback must not be null");
        }
        if (lengthBytes <= ZeroingRange.CHUNK_BYTES) {
            submit(kind, offsetBytes, lengthBytes, null, null, callback, token, null);
            return;
        }
        ZeroingRange range = new ZeroingRange(lengthBytes, callback, token);
        for (long at = offsetBytes; at < offsetBytes + lengthBytes; at += ZeroingRange.CHUNK_BYTES) {
            submit(kind, at, Math.min(ZeroingRange.CHUNK_BYTES, offsetBytes + lengthBytes - at), null, null, range, 0,
                null);
        }
    }

    // ------------------------------------------------------------------ counts

    /**
     * Counts every block by the state of its tuple — written, never written, discarded — and the
     * groups whose metadata copies differ or are damaged, while the volume goes on serving (each group
     * is counted as it stands when its metadata is looked at). Reads every group's metadata pair
     * through the metadata cache, at full queue depth: about 8 KiB per 2 MiB of 4096-byte-block data
     * (a 64 GiB volume: 260 MB); no data is read. The calling thread waits. Not from an I/O callback.
     *
     * @return the counts
     * @throws IOException when a metadata read failed
     * @throws IllegalStateException when the volume is closed, or stopped after an internal error; or
     *     when called on the event loop
     */
    public BlockCounts countBlocks() throws IOException {
        checks.checkOpen(closed);
        if (loop.inLoop()) {
            throw new IllegalStateException("countBlocks() waits for the event loop it would run on; call it from "
                + "another thread");
        }
        return BlockCountScan.run(this, (offsetBytes, lengthBytes, scan) ->
            submit(Request.COUNT, offsetBytes, lengthBytes, null, null, scan, 0, null));
    }

    // ------------------------------------------------------------------ scrub

    /**
     * Verifies every block of {@code options}' range while the volume goes on serving other requests,
     * and returns what it found; the calling thread drives it and waits. Each block is read through the
     * normal read path, so it is verified against its tuple and ordered with concurrent writes like any
     * read: a block a concurrent write replaces is checked as old or new data, both good. A block that
     * fails is read again alone before it is reported, and a block the device cannot read is named.
     * The reads are paced to {@link ScrubOptions#rateBytesPerSecond()}, in chunks of up to 1 MiB with
     * a few in flight (at most a quarter of the engine's buffers).
     *
     * <p>With a {@link ScrubOptions#repairSource()}, each bad block is rewritten from the source through
     * the normal write path, read back and compared (see {@link RepairSource} for concurrent writes).
     *
     * <p><b>Cancelling:</b> interrupt the calling thread. The scrub submits nothing more, waits for its
     * reads in flight, and returns a report with {@link ScrubReport#cancelled()} set and the interrupt
     * pending again; {@link ScrubReport#nextOffsetBytes()} is where to resume. One scrub runs at a time
     * per volume. Not from an I/O callback.
     *
     * @param options the range, rate, progress listener and repair source
     * @return the report: bad blocks with their block number and byte offset, errors, time taken
     * @throws IllegalArgumentException before any I/O, when the range is not block-aligned or not
     *     inside the volume, or a repair source is given for a volume open read-only
     * @throws IllegalStateException when the volume is closed or another scrub is running on it
     * @throws NullPointerException when {@code options} is null
     */
    public ScrubReport scrub(ScrubOptions options) {
        checks.checkOpen(closed);
        if (!manualDrive && loop.inLoop()) {
            throw new IllegalStateException("scrub() from an I/O callback would wait for the event loop it runs on");
        }
        return VolumeScrubber.run(this, java.util.Objects.requireNonNull(options, "options"), scrubs);
    }

    /**
     * This open's scrubs: the one running (its progress), totals, and the last report. Any thread,
     * without locking (metrics read it).
     *
     * @return a snapshot
     */
    public ScrubStatus scrubStatus() {
        return scrubs.status();
    }

    /**
     * Manual drive only: runs the engine until all accepted work is done, for at most {@code maxSteps}
     * steps. Returns true when idle. Reached through {@link dev.csum.internal.VolumeInternals}.
     */
    boolean runUntilIdle(int maxSteps) throws IOException {
        return loop.runUntilIdle(maxSteps);
    }

    /**
     * Completes every accepted operation, settles the metadata (both imd copies of each written group
     * agree afterwards), syncs the device(s), and releases everything. Blocks until done; not from
     * an I/O callback (an {@link IllegalStateException}: it would wait for the loop it runs on).
     *
     * <p>Closing a closed volume does nothing and returns at once, also while another thread's
     * close is still in progress (that close reports any failure).
     *
     * @throws IOException when completing the accepted operations, syncing or closing a device
     *     failed; the volume is closed and its devices released all the same
     * @throws IllegalStateException when called on the event loop (from an I/O callback)
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        if (!manualDrive && loop.inLoop()) {
            throw new IllegalStateException("close() from an I/O callback would wait for the event loop it runs on; "
                + "close the volume from another thread");
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        IOException failure = null;
        try {
            loop.close();
        } catch (IOException e) {
            failure = e;
        }
        try {
            port.close();
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            }
        }
        // Released last: until the devices are synced and closed, no other process may open them.
        for (DeviceLock lock : locks) {
            try {
                lock.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Whether {@link #close()} was called. Any thread.
     *
     * @return true once a close has started (it may still be in progress on another thread)
     */
    public boolean isClosed() {
        return closed;
    }

    // ------------------------------------------------------------------ internals

    private void submit(byte kind, long offsetBytes, long lengthBytes, MemorySegment segment, short[] tags,
                        IoCallback callback, long token, BlockingWait reader) {
        Request request = loop.acquire();
        request.fill(kind, offsetBytes, lengthBytes, blockSizeBytes, segment, tags, callback, token);
        if (kind == Request.WRITE && !loop.inLoop()) {
            // Copy on the calling thread: its segment may be confined to it, and once write() returns
            // the caller may reuse it (the engine checksums and writes its own copy).
            MemorySegment copy = engine.allocateWaiting(lengthBytes);
            try {
                MemorySegment.copy(segment, 0, copy, 0, lengthBytes);
            } catch (RuntimeException e) {
                engine.releaseBuffer(copy);
                loop.abandon(request);
                throw e;
            }
            request.attachCopiedBuffer(copy);
        }
        if (reader != null) {
            request.handOffTo(reader);
        }
        loop.submit(request);
    }
}
