package dev.csum;

import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.engine.Engine;
import dev.csum.engine.EngineSettings;
import dev.csum.engine.EventLoop;
import dev.csum.engine.ReadHandoff;
import dev.csum.engine.Request;
import dev.csum.engine.RequestListener;
import dev.csum.format.Superblock;
import dev.csum.format.VolumeFormatter;
import dev.csum.format.VolumeLabel;
import dev.csum.io.DeviceLock;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * A checksumming block volume: every write stores a checksum tuple per block, every read verifies
 * it, and data that fails verification is an {@link IntegrityException} naming the block — never
 * returned silently.
 *
 * <h2>Units and alignment</h2>
 * Offsets and lengths are in <b>bytes</b> of the volume's logical address space
 * ({@code 0 .. sizeBytes()}), and must be multiples of {@link #blockSizeBytes()} (512 or 4096).
 * Buffers must be native segments ({@code Arena.allocate}); they need no particular alignment (the
 * engine copies through its own aligned buffers). A request may be at most {@link #maxRequestBytes()}.
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
 * a destination the event loop can access (a shared, global or automatic arena; a segment confined
 * to another thread is refused before any I/O). Closing a buffer's arena while the event loop may
 * still copy into or out of it is a caller's bug: that request alone fails with an
 * {@link IOException} saying its buffer is no longer accessible, and the volume goes on.
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
    private final Superblock superblock;
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
    private volatile boolean closed;

    private Volume(Superblock superblock, String name, IoPort port, EngineSettings settings, boolean manual,
                   List<DeviceLock> locks, List<String> openWarnings) {
        this.superblock = superblock;
        this.name = name;
        this.port = port;
        this.engine = new Engine(port, superblock, settings);
        this.loop = new EventLoop(engine, port, "csum-loop " + name, manual, 1024);
        this.locks = List.copyOf(locks);
        this.readOnly = settings.readOnly();
        this.openWarnings = List.copyOf(openWarnings);
        this.blockSizeBytes = superblock.blockSizeBytes();
        this.manualDrive = manual;
        this.sizeBytes = superblock.dataBlockCount() * blockSizeBytes;
    }

    // ------------------------------------------------------------------ format and open

    /**
     * Formats a new volume: writes the superblock(s) and empty metadata, never the data area.
     *
     * @param dataPath data device (created when {@code sizeBytes} is given and it does not exist)
     * @param metadataPath separate metadata device, or null to interleave metadata with data
     * @param sizeBytes device size in bytes, or -1 to use the existing file's or device's size
     * @param blockSizeBytes 512 or 4096
     * @param checksum tuple checksum algorithm
     * @param force overwrite whatever the device holds; without it, format refuses (before writing
     *        anything) a device holding a volume, a file system, a partition table or other data
     * @return the new volume's superblock
     * @throws dev.csum.format.InvalidVolumeException when a device holds something and {@code force} is false;
     *         the message names what it holds
     */
    public static Superblock format(Path dataPath, Path metadataPath, long sizeBytes, int blockSizeBytes,
                                    ChecksumAlgorithm checksum, boolean force) throws IOException {
        return VolumeFormatter.format(
            new VolumeFormatter.Request(dataPath, metadataPath, sizeBytes, blockSizeBytes, checksum, force));
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
     * <p>Device I/O goes through io_uring or the portable {@code FileChannel} port
     * ({@link VolumeOptions#ioEngine()}). By default a process that may not use io_uring (a
     * container's default seccomp profile refuses it) gets the portable port, and one line in
     * {@link #openWarnings()} says why and how to allow io_uring.
     *
     * @throws IllegalArgumentException when the metadata device is the data device
     */
    public static Volume open(VolumeOptions options) throws IOException {
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
            port = IoPortChoice.open(data, metadata, options, label.superblock().blockSizeBytes(), warnings);
            return new Volume(label.superblock(), data.toString(), port, settings(options), false, locks, warnings);
        } catch (IOException | RuntimeException | Error failure) {
            closeQuietly(port, failure);
            for (DeviceLock lock : locks) {
                closeQuietly(lock, failure);
            }
            throw failure;
        }
    }

    /**
     * Opens a volume on an already-open {@link IoPort} (for example a simulated disk). The superblock
     * is read through the port from block 0 of the data file. With {@code manualDrive} no thread is
     * started: the caller drives the engine with {@link #runUntilIdle(int)}, and the blocking forms
     * are unavailable.
     */
    public static Volume openOnPort(IoPort port, VolumeOptions options, boolean manualDrive) throws IOException {
        Superblock superblock = PortSuperblock.read(port);
        return new Volume(superblock, options.dataPath().toString(), port, settings(options), manualDrive, List.of(),
            List.of());
    }

    private static EngineSettings settings(VolumeOptions options) {
        return new EngineSettings(options.imdCacheBytes(), options.bufferArenaBytes(), options.durability(),
            options.verifyReads(), options.readOnly(), RequestListener.NONE);
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

    public Superblock superblock() {
        return superblock;
    }

    /** True when opened {@linkplain VolumeOptions#readOnly() read-only}: writes are refused, nothing is written. */
    public boolean isReadOnly() {
        return readOnly;
    }

    /**
     * Warnings found while opening (for example: primary superblock damaged, backup used; io_uring
     * refused, the portable I/O port used).
     */
    public List<String> openWarnings() {
        return openWarnings;
    }

    public VolumeStats stats() {
        var c = engine.counters();
        return new VolumeStats(c.reads(), c.writes(), c.flushes(), c.bytesRead(), c.bytesWritten(), c.mismatches(),
            c.recheckRecoveries(), c.metadataFallbacks(), c.imdConfirmReads(), c.imdCacheHits(), c.imdCacheMisses(), c.imdCommits(),
            c.requestsInFlight(), c.imdRepairsDeferred(), c.imdRepairFailures());
    }

    /** Installs the listener told about every completed request (metrics); null removes it. */
    public void setRequestListener(RequestListener listener) {
        engine.setListener(listener);
    }

    // ------------------------------------------------------------------ reads

    /** Reads {@code dst.byteSize()} bytes at {@code offsetBytes} into {@code dst}. */
    public CompletableFuture<Void> read(long offsetBytes, MemorySegment dst) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        read(offsetBytes, dst.byteSize(), dst, null, completing(future), 0);
        return future;
    }

    /**
     * Low-garbage read of {@code lengthBytes} at {@code offsetBytes} into {@code dst}.
     *
     * @param appTagsOut null, or one slot per block to receive each block's application tag
     * @param callback runs on the event loop when the read completes
     */
    public void read(long offsetBytes, long lengthBytes, MemorySegment dst, short[] appTagsOut, IoCallback callback,
                     long token) {
        checkRequest(offsetBytes, lengthBytes, dst, appTagsOut, callback, true, false);
        submit(Request.READ, offsetBytes, lengthBytes, dst, appTagsOut, callback, token, null);
    }

    /** Reads and waits. */
    public void readBlocking(long offsetBytes, MemorySegment dst) throws IOException {
        readBlocking(offsetBytes, dst, null);
    }

    /** Reads and waits, returning each block's application tag in {@code appTagsOut} (may be null). */
    public void readBlocking(long offsetBytes, MemorySegment dst, short[] appTagsOut) throws IOException {
        Waiter waiter = new Waiter(this, offsetBytes, dst);
        checkRequest(offsetBytes, dst.byteSize(), dst, appTagsOut, waiter, true, true);
        submit(Request.READ, offsetBytes, dst.byteSize(), dst, appTagsOut, waiter, 0, waiter);
        waiter.await();
    }

    // ------------------------------------------------------------------ writes

    /** Writes all of {@code src} at {@code offsetBytes}. */
    public CompletableFuture<Void> write(long offsetBytes, MemorySegment src) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        write(offsetBytes, src.byteSize(), src, null, completing(future), 0);
        return future;
    }

    /**
     * Low-garbage write of {@code lengthBytes} of {@code src} at {@code offsetBytes}.
     *
     * @param appTags null, or one application tag per block (stored in its tuple, returned by reads)
     */
    public void write(long offsetBytes, long lengthBytes, MemorySegment src, short[] appTags, IoCallback callback,
                      long token) {
        if (readOnly) {
            checkOpen();
            throw new IllegalStateException("csum volume " + name + " is open read-only: writes are refused");
        }
        checkRequest(offsetBytes, lengthBytes, src, appTags, callback, false, !loop.inLoop());
        submit(Request.WRITE, offsetBytes, lengthBytes, src, appTags, callback, token, null);
    }

    /** Writes and waits. */
    public void writeBlocking(long offsetBytes, MemorySegment src) throws IOException {
        writeBlocking(offsetBytes, src, null);
    }

    /** Writes with one application tag per block (may be null) and waits. */
    public void writeBlocking(long offsetBytes, MemorySegment src, short[] appTags) throws IOException {
        Waiter waiter = new Waiter(this, 0, null);
        write(offsetBytes, src.byteSize(), src, appTags, waiter, 0);
        waiter.await();
    }

    // ------------------------------------------------------------------ flush and close

    /** Makes every write completed before this call durable (fdatasync of the device(s)). */
    public CompletableFuture<Void> flush() {
        CompletableFuture<Void> future = new CompletableFuture<>();
        flush(completing(future), 0);
        return future;
    }

    public void flush(IoCallback callback, long token) {
        checkOpen();
        if (callback == null) {
            throw new IllegalArgumentException("callback must not be null");
        }
        submit(Request.FLUSH, 0, 0, null, null, callback, token, null);
    }

    public void flushBlocking() throws IOException {
        Waiter waiter = new Waiter(this, 0, null);
        flush(waiter, 0);
        waiter.await();
    }

    /**
     * Manual drive only: runs the engine until all accepted work is done, for at most {@code maxSteps}
     * steps. Returns true when idle.
     */
    public boolean runUntilIdle(int maxSteps) throws IOException {
        return loop.runUntilIdle(maxSteps);
    }

    /**
     * Completes every accepted operation, settles the metadata (both imd copies of each written group
     * agree afterwards), syncs the device(s), and releases everything. Closing twice is an
     * {@link IllegalStateException}.
     */
    @Override
    public void close() throws IOException {
        if (!manualDrive && loop.inLoop()) {
            throw new IllegalStateException("close() from an I/O callback would wait for the event loop it runs on; "
                + "close the volume from another thread");
        }
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("csum volume " + name + " is already closed");
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

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("csum volume " + name + " is closed");
        }
        Throwable failure = loop.failure();
        if (failure != null) {
            throw new IllegalStateException("csum volume " + name + " stopped after an internal error: " + failure,
                failure);
        }
    }

    /**
     * @param callerCopies the calling thread copies the data (writes from outside the loop, blocking
     *     reads), so the segment need not be accessible from the event loop
     */
    private void checkRequest(long offsetBytes, long lengthBytes, MemorySegment segment, short[] tags,
                              IoCallback callback, boolean isRead, boolean callerCopies) {
        checkOpen();
        String what = isRead ? "read" : "write";
        if (callback == null) {
            throw new IllegalArgumentException("callback must not be null");
        }
        if (segment == null) {
            throw new IllegalArgumentException(what + " buffer must not be null");
        }
        if (offsetBytes < 0) {
            throw new IllegalArgumentException(what + " offset must not be negative, was " + offsetBytes);
        }
        if (lengthBytes <= 0) {
            throw new IllegalArgumentException(what + " length must be positive, was " + lengthBytes);
        }
        if (offsetBytes % blockSizeBytes != 0 || lengthBytes % blockSizeBytes != 0) {
            throw new IllegalArgumentException(what + " of " + lengthBytes + " bytes at offset " + offsetBytes
                + " is not aligned to the " + blockSizeBytes + "-byte block size");
        }
        if (offsetBytes > sizeBytes - lengthBytes) {
            throw new IllegalArgumentException(what + " of " + lengthBytes + " bytes at offset " + offsetBytes
                + " goes beyond the end of the volume (" + sizeBytes + " bytes)");
        }
        if (lengthBytes > engine.maxRequestBytes()) {
            throw new IllegalArgumentException(what + " of " + lengthBytes + " bytes exceeds the largest request, "
                + engine.maxRequestBytes() + " bytes (split it, or open with a larger buffer arena)");
        }
        if (!segment.isNative()) {
            throw new IllegalArgumentException(what + " buffer must be a native segment (Arena.allocate), "
                + "not a heap segment");
        }
        if (segment.byteSize() < lengthBytes) {
            throw new IllegalArgumentException(what + " buffer holds " + segment.byteSize() + " bytes, less than the "
                + lengthBytes + " requested");
        }
        if (!callerCopies && !loop.loopCanAccess(segment)) {
            throw new IllegalArgumentException("the " + what + " buffer is confined to another thread and this form "
                + "accesses it on the event loop: use a shared, global or automatic arena, or the blocking form");
        }
        if (isRead && segment.isReadOnly()) {
            throw new IllegalArgumentException("read buffer is read-only");
        }
        if (tags != null && tags.length < lengthBytes / blockSizeBytes) {
            throw new IllegalArgumentException("application tag array holds " + tags.length + " entries, less than the "
                + lengthBytes / blockSizeBytes + " blocks of the " + what);
        }
    }

    private void submit(byte kind, long offsetBytes, long lengthBytes, MemorySegment segment, short[] tags,
                        IoCallback callback, long token, Waiter reader) {
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

    private static IoCallback completing(CompletableFuture<Void> future) {
        return (token, failure) -> {
            if (failure == null) {
                future.complete(null);
            } else {
                future.completeExceptionally(failure);
            }
        };
    }

    /** Parks the calling thread until its operation completes; copies a read's data on that thread. */
    private static final class Waiter implements IoCallback, ReadHandoff {
        private static final long RECHECK_NANOS = 100_000_000L;
        private final Volume volume;
        private final long readOffsetBytes;
        private final MemorySegment readDestination;
        private final Thread thread = Thread.currentThread();
        private volatile boolean done;
        private IOException failure;
        private MemorySegment verifiedData;

        Waiter(Volume volume, long readOffsetBytes, MemorySegment readDestination) {
            if (volume.loop.inLoop()) {
                throw new IllegalStateException("blocking calls are not allowed on the event loop or on a manually "
                    + "driven volume; use the callback form");
            }
            this.volume = volume;
            this.readOffsetBytes = readOffsetBytes;
            this.readDestination = readDestination;
        }

        @Override
        public void takeBuffer(MemorySegment data) {
            verifiedData = data;
        }

        @Override
        public void onComplete(long token, IOException error) {
            failure = error;
            done = true;
            LockSupport.unpark(thread);
        }

        void await() throws IOException {
            boolean interrupted = false;
            while (!done) {
                // Timed, so that a waiter notices an event loop that died instead of hanging forever.
                LockSupport.parkNanos(this, RECHECK_NANOS);
                if (Thread.interrupted()) {
                    interrupted = true;
                }
                if (!done && volume.loop.failure() != null) {
                    throw new IOException("csum event loop failed", volume.loop.failure());
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (verifiedData != null) {
                try {
                    MemorySegment.copy(verifiedData, 0, readDestination, 0, verifiedData.byteSize());
                } catch (IllegalStateException | WrongThreadException inaccessible) {
                    // Another thread closed the destination's shared arena: the same failure the
                    // asynchronous forms report, not an unchecked exception from a blocking read.
                    throw Engine.callerMemoryInaccessible("read", readOffsetBytes, verifiedData.byteSize(),
                        "destination", inaccessible);
                } finally {
                    volume.engine.releaseBuffer(verifiedData);
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }
}
