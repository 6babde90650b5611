package dev.csum;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to open a volume. Immutable; use the {@code with…} methods to change a field.
 *
 * @param dataPath the data device (a file or block device); for interleaved volumes, the only one
 * @param metadataPath the separate metadata device, or null when metadata is interleaved
 * @param queueDepth device operations in flight at most (1..4096; default 64)
 * @param imdCacheBytes bytes of cached imd pairs (at least 4096; default 64 MiB), two blocks per cached
 *     group: what writes and recently used groups need. When the volume has more groups than that,
 *     the engine also keeps, outside this budget, the checksums and written bits of the others
 *     (about 4 bytes per block, at most 64 MiB: 64 GiB of 4096-byte-block data), so their reads
 *     verify without reading the pair
 * @param bufferArenaBytes bytes of engine buffers for data in flight (at least 1 MiB; default 32 MiB),
 *     rounded down to a power of two; a request may be at most half of that
 *     ({@link Volume#maxRequestBytes()})
 * @param durability write durability (default {@link Durability#DEFAULT})
 * @param verifyReads verify checksums on read (default true)
 * @param readOnly open the devices read-only and never write to them (default false): writes are
 *     refused, damaged or stale metadata copies are reported ({@link VolumeStats#metadataFallbacks()},
 *     {@link VolumeStats#metadataRepairsDeferred()}) instead of repaired, and the volume may be shared
 *     with other read-only sessions; it works on files this process cannot write
 * @param ioEngine the I/O port (default {@link IoEngine#AUTO}: io_uring, or the portable port with a
 *     warning when io_uring is refused, as in a container's default seccomp profile)
 */
public record VolumeOptions(Path dataPath, Path metadataPath, int queueDepth, long imdCacheBytes,
                            long bufferArenaBytes, Durability durability, boolean verifyReads,
                            boolean readOnly, IoEngine ioEngine) {
    public static final int DEFAULT_QUEUE_DEPTH = 64;
    public static final long DEFAULT_IMD_CACHE_BYTES = 64L << 20;
    public static final long DEFAULT_BUFFER_ARENA_BYTES = 32L << 20;

    /**
     * Checks the components, each described above.
     *
     * @throws NullPointerException when {@code dataPath} or {@code durability} is null
     * @throws IllegalArgumentException when {@code queueDepth} is outside 1..4096,
     *     {@code imdCacheBytes} is less than 4096 or {@code bufferArenaBytes} less than 1 MiB
     */
    public VolumeOptions {
        Objects.requireNonNull(dataPath, "dataPath");
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(ioEngine, "ioEngine");
        if (queueDepth < 1 || queueDepth > 4096) {
            throw new IllegalArgumentException("queue depth must be 1..4096, was " + queueDepth);
        }
        if (imdCacheBytes < 4096) {
            throw new IllegalArgumentException("imd cache must be at least 4096 bytes, was " + imdCacheBytes);
        }
        if (bufferArenaBytes < (1 << 20)) {
            throw new IllegalArgumentException("buffer arena must be at least 1 MiB, was " + bufferArenaBytes);
        }
    }

    /**
     * Defaults for an interleaved volume at {@code dataPath}: writable, reads verified,
     * {@link Durability#DEFAULT}, and the {@code DEFAULT_…} sizes.
     *
     * @param dataPath the data device (a file or block device)
     * @return the options
     * @throws NullPointerException when {@code dataPath} is null
     */
    public static VolumeOptions of(Path dataPath) {
        return new VolumeOptions(dataPath, null, DEFAULT_QUEUE_DEPTH, DEFAULT_IMD_CACHE_BYTES,
            DEFAULT_BUFFER_ARENA_BYTES, Durability.DEFAULT, true, false, IoEngine.AUTO);
    }

    /**
     * These options with a separate metadata device, or interleaved metadata.
     *
     * @param path the metadata device the volume was formatted with; null when its metadata is
     *     interleaved
     * @return a copy with that metadata device
     */
    public VolumeOptions withMetadataPath(Path path) {
        return new VolumeOptions(dataPath, path, queueDepth, imdCacheBytes, bufferArenaBytes,
            durability, verifyReads, readOnly, ioEngine);
    }

    /**
     * These options with another queue depth.
     *
     * @param depth device operations in flight at most, 1..4096
     * @return a copy with that queue depth
     * @throws IllegalArgumentException when {@code depth} is outside 1..4096
     */
    public VolumeOptions withQueueDepth(int depth) {
        return new VolumeOptions(dataPath, metadataPath, depth, imdCacheBytes, bufferArenaBytes,
            durability, verifyReads, readOnly, ioEngine);
    }

    /**
     * These options with another imd cache size.
     *
     * @param bytes bytes of cached imd metadata, at least 4096 (each cached group takes two blocks)
     * @return a copy with that cache size
     * @throws IllegalArgumentException when {@code bytes} is less than 4096
     */
    public VolumeOptions withImdCacheBytes(long bytes) {
        return new VolumeOptions(dataPath, metadataPath, queueDepth, bytes, bufferArenaBytes,
            durability, verifyReads, readOnly, ioEngine);
    }

    /**
     * These options with another buffer arena size.
     *
     * @param bytes bytes of engine buffers, at least 1 MiB, rounded down to a power of two; a request
     *     may be at most half of that
     * @return a copy with that arena size
     * @throws IllegalArgumentException when {@code bytes} is less than 1 MiB
     */
    public VolumeOptions withBufferArenaBytes(long bytes) {
        return new VolumeOptions(dataPath, metadataPath, queueDepth, imdCacheBytes, bytes,
            durability, verifyReads, readOnly, ioEngine);
    }

    /**
     * These options with another write durability.
     *
     * @param mode the durability
     * @return a copy with that durability
     * @throws NullPointerException when {@code mode} is null
     */
    public VolumeOptions withDurability(Durability mode) {
        return new VolumeOptions(dataPath, metadataPath, queueDepth, imdCacheBytes, bufferArenaBytes,
            mode, verifyReads, readOnly, ioEngine);
    }

    /**
     * These options with read verification on or off.
     *
     * @param verify true to verify every block read against its checksum; false to skip it (reads
     *     then never fail with an {@link IntegrityException} for data)
     * @return a copy with that setting
     */
    public VolumeOptions withVerifyReads(boolean verify) {
        return new VolumeOptions(dataPath, metadataPath, queueDepth, imdCacheBytes, bufferArenaBytes,
            durability, verify, readOnly, ioEngine);
    }

    /**
     * These options for a read-only or a writable open: see {@link #readOnly()}.
     *
     * @param readOnlyOpen true to open the devices read-only
     * @return a copy with that setting
     */
    public VolumeOptions withReadOnly(boolean readOnlyOpen) {
        return new VolumeOptions(dataPath, metadataPath, queueDepth, imdCacheBytes, bufferArenaBytes, durability,
            verifyReads, readOnlyOpen, ioEngine);
    }

    /**
     * These options with another I/O port: see {@link #ioEngine()}.
     *
     * @param engine io_uring, the portable FileChannel port, or {@link IoEngine#AUTO} (io_uring, and
     *     the portable port when io_uring is refused)
     * @return a copy with that setting
     */
    public VolumeOptions withIoEngine(IoEngine engine) {
        return new VolumeOptions(dataPath, metadataPath, queueDepth, imdCacheBytes, bufferArenaBytes, durability,
            verifyReads, readOnly, engine);
    }
}
