package dev.csum;

import dev.csum.engine.Engine;
import dev.csum.engine.EngineSettings;
import dev.csum.engine.EventLoop;
import dev.csum.engine.Request;
import dev.csum.format.PortSuperblock;
import dev.csum.format.Superblock;
import dev.csum.format.VolumeFormatter;
import dev.csum.format.VolumeLabel;
import dev.csum.internal.VolumeInternals;
import dev.csum.io.DeviceLock;
import dev.csum.io.IoPort;
import dev.csum.io.UringIoPort;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * {@link #maxRequestBytes()}.
 *
 * <h2>Forms</h2>
 * Each operation comes in three forms: returning a {@link CompletableFuture}; low-garbage, with an
 * {@link IoCallback} and a {@code long} token (the callback runs on the volume's event-loop thread);
 * and blocking ({@code …Blocking}), which parks the calling thread — cheap on virtual threads.
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
 * data of each block, never a mix within a block.
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
    private volatile boolean closed;

    private Volume(Superblock superblock, String name, IoPort port, EngineSettings settings, boolean manual,
                   List<DeviceLock> locks, List<String> openWarnings) {
        this.info = ApiMapping.info(superblock);
        this.name = name;
        this.port = port;
        this.engine = new Engine(port, superblock, settings, ApiMapping::deliver);
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
     * Formats a new volume: writes the superblock(s) and empty metadata, never the data area. Takes
     * the same exclusive lock as {@link #open}, so it refuses a volume that any process has open.
     *
     * @return the new volume's identity and geometry
     * @throws IllegalArgumentException when the options do not fit the devices (too small, a size
     *     larger than a block device, the metadata device being the data device, ...)
     * @throws InvalidVolumeException when a device holds something and {@linkplain FormatOptions#overwrite()
     *     overwrite} is not set (the message names what it holds; nothing was written)
     * @throws IOException when a device cannot be read or written
     */
    public static VolumeInfo format(FormatOptions options) throws IOException {
        long sizeBytes = options.sizeBytes().orElse(VolumeFormatter.EXISTING_SIZE);
        try {
            return ApiMapping.info(VolumeFormatter.format(new VolumeFormatter.Request(options.dataPath(),
                options.metadataPath(), sizeBytes, options.blockSizeBytes(), ApiMapping.algorithm(options.checksum()),
                options.overwrite())));
        } catch (dev.csum.format.InvalidVolumeException refused) {
            throw ApiMapping.invalidVolume(refused);
        }
    }

    /**
     * Reads and validates a volume's superblock(s) without opening it: takes no lock and writes
     * nothing, so it also works on a volume another process has open (what {@code csum status} shows).
     *
     * @param metadataPathOrNull the metadata device of a volume formatted with one; null for interleaved
     * @throws InvalidVolumeException when the devices are not a usable volume (the message says why)
     * @throws IOException when a device cannot be read
     */
    public static VolumeInspection inspect(Path dataPath, Path metadataPathOrNull) throws IOException {
        try {
            VolumeLabel.Opened label = VolumeLabel.read(existing(dataPath, "data device"),
                metadataPathOrNull == null ? null : existing(metadataPathOrNull, "metadata device"));
            return new VolumeInspection(ApiMapping.info(label.superblock()), label.usedBackup(), label.warnings());
        } catch (dev.csum.format.InvalidVolumeException refused) {
            throw ApiMapping.invalidVolume(refused);
        }
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
     * @throws InvalidVolumeException when the devices are not an intact volume (the message says why)
     * @throws IllegalArgumentException when the metadata device is the data device
     */
    public static Volume open(VolumeOptions options) throws IOException {
        try {
            return openDevices(options);
        } catch (dev.csum.format.InvalidVolumeException refused) {
            throw ApiMapping.invalidVolume(refused);
        }
    }

    private static Volume openDevices(VolumeOptions options) throws IOException {
        Path data = existing(options.dataPath(), "data device");
        Path metadata = options.metadataPath() == null ? null : existing(options.metadataPath(), "metadata device");
        if (metadata != null && Files.isSameFile(data, metadata)) {
            throw new IllegalArgumentException("the metadata device must differ from the data device: " + metadata
                + " is " + data);
        }
        // Validate first (clear messages for what is not a volume), then lock, then read the label
        // again under the lock: a format that ran in between would have changed it.
        VolumeLabel.read(data, metadata);
        DeviceLock.Mode mode = options.readOnly() ? DeviceLock.Mode.SHARED : DeviceLock.Mode.EXCLUSIVE;
        List<DeviceLock> locks = new ArrayList<>(2);
        IoPort port = null;
        try {
            locks.add(DeviceLock.acquire(data, "data device", mode, false));
            if (metadata != null) {
                locks.add(DeviceLock.acquire(metadata, "metadata device", mode, false));
            }
            VolumeLabel.Opened label = VolumeLabel.read(data, metadata);
            List<String> warnings = new ArrayList<>(label.warnings());
            if (label.usedBackup() && !options.readOnly()) {
                // Under the exclusive lock: put the primary back, so that the volume no longer hangs
                // on its one remaining copy of the superblock. A read-only open only warns.
                warnings.addAll(VolumeLabel.restorePrimaries(label, data, metadata));
            }
            port = UringIoPort.open(data, metadata, options.queueDepth(), options.readOnly());
            return new Volume(label.superblock(), data.toString(), port, settings(options, false), false, locks,
                warnings);
        } catch (IOException | RuntimeException | Error failure) {
            closeQuietly(port, failure);
            for (DeviceLock lock : locks) {
                closeQuietly(lock, failure);
            }
            throw failure;
        }
    }

    /**
     * Opens a volume on an already-open port (a simulated disk, or a port wrapping a real one): the
     * superblock is read through the port from block 0 of the data file; no device is locked. With
     * {@code manualDrive} no thread is started: the caller drives the engine with
     * {@link #runUntilIdle(int)}, and the blocking forms are refused. Reached only through
     * {@link dev.csum.internal.VolumeInternals} (the test kit, the torture harness, tests).
     */
    static Volume openOnPort(IoPort port, VolumeOptions options, boolean manualDrive, boolean seedStaleBrother)
            throws IOException {
        Superblock superblock = PortSuperblock.read(port);
        return new Volume(superblock, options.dataPath().toString(), port, settings(options, seedStaleBrother),
            manualDrive, List.of(), List.of());
    }

    private static EngineSettings settings(VolumeOptions options, boolean seedStaleBrother) {
        return new EngineSettings(options.imdCacheBytes(), options.bufferArenaBytes(),
            options.durability() == Durability.STRICT, options.verifyReads(), options.readOnly(), seedStaleBrother);
    }

    private static Path existing(Path path, String role) throws NoSuchFileException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, role + " does not exist");
        }
        return path;
    }

    private static void closeQuietly(AutoCloseable resource, Throwable failure) {
        if (resource != null) {
            try {
                resource.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }

    // ------------------------------------------------------------------ geometry and state

    /** Usable size in bytes (data blocks × block size). */
    public long sizeBytes() {
        return sizeBytes;
    }

    /** Block size in bytes: the unit of checksums and of offset/length alignment. */
    public int blockSizeBytes() {
        return blockSizeBytes;
    }

    /** The largest request in bytes. */
    public long maxRequestBytes() {
        return engine.maxRequestBytes();
    }

    /** The volume's identity and geometry, as its superblock records them. */
    public VolumeInfo info() {
        return info;
    }

    /** True when opened {@linkplain VolumeOptions#readOnly() read-only}: writes are refused, nothing is written. */
    public boolean isReadOnly() {
        return readOnly;
    }

    /** Warnings found while opening (for example: primary superblock damaged, backup used). */
    public List<String> openWarnings() {
        return openWarnings;
    }

    /** The volume's counters since it was opened (each read without locking). Any thread. */
    public VolumeStats stats() {
        return ApiMapping.stats(engine.counters());
    }

    /**
     * Attaches {@code observer}: from now on it is told about every request this volume completes,
     * on the event loop. Any thread.
     *
     * @return false (and nothing changes) when it is attached already
     */
    public boolean addObserver(RequestObserver observer) {
        return observers.add(observer);
    }

    /**
     * Detaches {@code observer}; requests completing afterwards are not told to it. Any thread.
     *
     * @return false when it was not attached
     */
    public boolean removeObserver(RequestObserver observer) {
        return observers.remove(observer);
    }

    // ------------------------------------------------------------------ reads

    /** Reads {@code dst.byteSize()} bytes at {@code offsetBytes} into {@code dst} (native or heap). */
    public CompletableFuture<Void> read(long offsetBytes, MemorySegment dst) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        read(offsetBytes, dst == null ? 0 : dst.byteSize(), dst, null, FutureCallbacks.completing(future), 0);
        return future;
    }

    /** Reads {@code lengthBytes} at {@code offsetBytes} into {@code dst[dstOffset ..]}. */
    public CompletableFuture<Void> read(long offsetBytes, byte[] dst, int dstOffset, int lengthBytes) {
        return read(offsetBytes, RequestChecks.arraySlice("read", dst, dstOffset, lengthBytes));
    }

    /**
     * Reads {@code dst.remaining()} bytes at {@code offsetBytes} into {@code dst} (heap or direct),
     * whose position advances by that much when the read succeeds, before the future completes.
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
     * @param appTagsOut null, or one slot per block to receive each block's application tag
     * @param callback runs on the event loop when the read completes
     */
    public void read(long offsetBytes, long lengthBytes, MemorySegment dst, short[] appTagsOut, IoCallback callback,
                     long token) {
        checks.checkOpen(closed);
        checks.checkRequest(offsetBytes, lengthBytes, dst, appTagsOut, callback, true, false);
        submit(Request.READ, offsetBytes, lengthBytes, dst, appTagsOut, callback, token, null);
    }

    /** Reads and waits. */
    public void readBlocking(long offsetBytes, MemorySegment dst) throws IOException {
        readBlocking(offsetBytes, dst, null);
    }

    /** Reads and waits, returning each block's application tag in {@code appTagsOut} (may be null). */
    public void readBlocking(long offsetBytes, MemorySegment dst, short[] appTagsOut) throws IOException {
        BlockingWait wait = new BlockingWait(loop, offsetBytes, dst);
        checks.checkOpen(closed);
        checks.checkRequest(offsetBytes, dst == null ? 0 : dst.byteSize(), dst, appTagsOut, wait, true, true);
        submit(Request.READ, offsetBytes, dst.byteSize(), dst, appTagsOut, wait, 0, wait);
        wait.await();
    }

    /** Reads {@code lengthBytes} at {@code offsetBytes} into {@code dst[dstOffset ..]} and waits. */
    public void readBlocking(long offsetBytes, byte[] dst, int dstOffset, int lengthBytes) throws IOException {
        readBlocking(offsetBytes, RequestChecks.arraySlice("read", dst, dstOffset, lengthBytes), null);
    }

    /**
     * Reads {@code dst.remaining()} bytes at {@code offsetBytes} into {@code dst} (heap or direct)
     * and waits; on success the position advances by that much (as {@code FileChannel.read} does).
     */
    public void readBlocking(long offsetBytes, ByteBuffer dst) throws IOException {
        MemorySegment target = RequestChecks.remaining("read", dst);
        readBlocking(offsetBytes, target, null);
        dst.position(dst.position() + (int) target.byteSize());
    }

    // ------------------------------------------------------------------ writes

    /** Writes all of {@code src} (native or heap) at {@code offsetBytes}. */
    public CompletableFuture<Void> write(long offsetBytes, MemorySegment src) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        write(offsetBytes, src == null ? 0 : src.byteSize(), src, null, FutureCallbacks.completing(future), 0);
        return future;
    }

    /** Writes {@code src[srcOffset .. srcOffset + lengthBytes)} at {@code offsetBytes}. */
    public CompletableFuture<Void> write(long offsetBytes, byte[] src, int srcOffset, int lengthBytes) {
        return write(offsetBytes, RequestChecks.arraySlice("write", src, srcOffset, lengthBytes));
    }

    /**
     * Writes the {@code src.remaining()} bytes of {@code src} (heap or direct) at {@code offsetBytes};
     * its position advances by that much when the write succeeds, before the future completes.
     */
    public CompletableFuture<Void> write(long offsetBytes, ByteBuffer src) {
        MemorySegment source = RequestChecks.remaining("write", src);
        CompletableFuture<Void> future = new CompletableFuture<>();
        write(offsetBytes, source.byteSize(), source, null, FutureCallbacks.completing(future, src), 0);
        return future;
    }

    /**
     * Low-garbage write of {@code lengthBytes} of {@code src} (native or heap) at {@code offsetBytes}.
     *
     * @param appTags null, or one application tag per block (stored in its tuple, returned by reads)
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

    /** Writes and waits. */
    public void writeBlocking(long offsetBytes, MemorySegment src) throws IOException {
        writeBlocking(offsetBytes, src, null);
    }

    /** Writes with one application tag per block (may be null) and waits. */
    public void writeBlocking(long offsetBytes, MemorySegment src, short[] appTags) throws IOException {
        BlockingWait wait = new BlockingWait(loop, 0, null);
        write(offsetBytes, src == null ? 0 : src.byteSize(), src, appTags, wait, 0);
        wait.await();
    }

    /** Writes {@code src[srcOffset .. srcOffset + lengthBytes)} at {@code offsetBytes} and waits. */
    public void writeBlocking(long offsetBytes, byte[] src, int srcOffset, int lengthBytes) throws IOException {
        writeBlocking(offsetBytes, RequestChecks.arraySlice("write", src, srcOffset, lengthBytes), null);
    }

    /**
     * Writes the {@code src.remaining()} bytes of {@code src} (heap or direct) at {@code offsetBytes}
     * and waits; on success the position advances by that much (as {@code FileChannel.write} does).
     */
    public void writeBlocking(long offsetBytes, ByteBuffer src) throws IOException {
        MemorySegment source = RequestChecks.remaining("write", src);
        writeBlocking(offsetBytes, source, null);
        src.position(src.position() + (int) source.byteSize());
    }

    // ------------------------------------------------------------------ flush and close

    /** Makes every write completed before this call durable (fdatasync of the device(s)). */
    public CompletableFuture<Void> flush() {
        CompletableFuture<Void> future = new CompletableFuture<>();
        flush(FutureCallbacks.completing(future), 0);
        return future;
    }

    /** Low-garbage flush: {@code callback} runs on the event loop when every earlier write is durable. */
    public void flush(IoCallback callback, long token) {
        checks.checkOpen(closed);
        if (callback == null) {
            throw new IllegalArgumentException("callback must not be null");
        }
        submit(Request.FLUSH, 0, 0, null, null, callback, token, null);
    }

    /** Flushes and waits. */
    public void flushBlocking() throws IOException {
        BlockingWait wait = new BlockingWait(loop, 0, null);
        flush(wait, 0);
        wait.await();
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
