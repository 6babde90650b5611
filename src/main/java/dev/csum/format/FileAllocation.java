package dev.csum.format;

import dev.csum.uring.NativeFile;
import dev.csum.uring.NativeIoException;
import dev.csum.uring.NativeSupport;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How format lays out a regular file it creates: holes, reserved (unwritten) extents, or zeros
 * written. Every choice reads as zeros, so each keeps {@link Superblock#FLAG_DATA_ZEROED}; they
 * differ in what the file system does at the first write of each of its blocks, through
 * {@code O_DIRECT}:
 *
 * <ul>
 *   <li>into a hole, it allocates the block under the inode's exclusive lock (ext4, Linux 6.x);
 *   <li>into a reserved (unwritten) extent, a write of whole file-system blocks converts the extent
 *       without that lock, but a write of part of one (a 512-byte block on a file system of 4096-byte
 *       blocks) must be the only direct I/O in flight on the file, because the rest of the block is
 *       zeroed with it: such writes run one at a time;
 *   <li>into written zeros, it overwrites, as on a volume written before.
 * </ul>
 *
 * <p>Whatever the choice, the tuple log's region of a volume with 512-byte log blocks
 * ({@link Superblock#FLAG_LOG_SECTORS}) is written with zeros at format: its records are writes of
 * part of a file-system block, which a hole or an unwritten extent would run one at a time, and the
 * log writes its whole region within its first lap anyway.
 *
 * Measured on this project's ext4 (docs/PERFORMANCE.md, "First writes"): 4 KiB random writes at
 * depth 32 on a fresh 1 GiB volume of 4096-byte blocks ran 0.55× as fast on holes as on a reserved
 * file, and a fresh volume of 512-byte blocks 0.09× as fast on holes or reserved extents as on
 * written zeros. {@link #AUTO} therefore reserves when the volume's block size is at least the file
 * system's, and writes zeros when it is smaller.
 */
public enum FileAllocation {
    /** {@link #RESERVED} or {@link #ZEROED}, as the class comment says; {@link #SPARSE} on tmpfs and without native access. */
    AUTO,
    /** All holes: no space used until written (thin), first writes slower. */
    SPARSE,
    /** {@code fallocate(2)}, mode 0: the space reserved as unwritten extents, metadata-fast. */
    RESERVED,
    /** Zeros written over the whole file (about a second per GiB). */
    ZEROED;

    /**
     * What this allocation means for a file at {@code path} (existing or about to be created in an
     * existing directory) holding blocks of {@code blockSizeBytes}: itself, or for {@link #AUTO} the
     * choice the class comment describes. Does no I/O beyond asking the file system its block size.
     */
    public FileAllocation resolve(Path path, int blockSizeBytes) throws IOException {
        if (this != AUTO) {
            return this;
        }
        FileStore store = fileStore(path);
        // Without native access the portable I/O port is used, which writes through the page cache
        // and never meets the direct-I/O cost of a hole; tmpfs has no direct I/O either, and
        // reserving or zeroing there would pin memory.
        if (!NativeSupport.isAvailable() || "tmpfs".equals(store.type())) {
            return SPARSE;
        }
        return blockSizeBytes < store.getBlockSize() ? ZEROED : RESERVED;
    }

    /** The file system holding {@code path}, or, while it does not exist yet, its directory. */
    private static FileStore fileStore(Path path) throws IOException {
        return Files.getFileStore(Files.exists(path) ? path : path.toAbsolutePath().getParent());
    }

    /**
     * Refuses, before anything is written, a file of {@code lengthBytes} that this (resolved)
     * allocation could not make: not enough free space on {@code path}'s file system ({@code
     * replacedBytes}: the size of an existing file format replaces, whose space comes back first), or
     * a reservation without native access.
     *
     * @throws IllegalArgumentException naming the sizes and the way out
     */
    void check(Path path, long lengthBytes, long replacedBytes) throws IOException {
        if (this == AUTO) {
            throw new IllegalStateException("allocation not resolved");
        }
        if (this == SPARSE) {
            return;
        }
        if (this == RESERVED && !NativeSupport.isAvailable()) {
            try {
                NativeSupport.requireAvailable();
            } catch (IllegalStateException unavailable) {
                throw new IllegalArgumentException("allocation reserved calls fallocate(2) through the native binding: "
                    + unavailable.getMessage(), unavailable);
            }
        }
        long freeBytes = fileStore(path).getUsableSpace() + replacedBytes;
        if (freeBytes < lengthBytes) {
            throw new IllegalArgumentException(path + ": a " + name().toLowerCase() + " file of " + lengthBytes
                + " bytes needs that much free space; its file system has " + freeBytes
                + " (allocation sparse makes a thin file, allocated as it is written)");
        }
    }

    /**
     * Lays out {@code [0, lengthBytes)} of the regular file behind {@code channel} (all holes when
     * called) as this resolved allocation says.
     *
     * @throws IOException when the file system refuses to reserve (the message names the way out), or
     *     a write fails
     */
    void apply(Path path, FileChannel channel, long lengthBytes) throws IOException {
        switch (this) {
            case SPARSE -> { }
            case ZEROED -> VolumeFormatter.zeroRange(channel, 0, lengthBytes);
            case RESERVED -> {
                try (NativeFile file = NativeFile.open(path, false, false)) {
                    file.allocate(0, lengthBytes);
                } catch (NativeIoException refused) {
                    throw new IOException(path + ": the file system did not reserve " + lengthBytes + " bytes ("
                        + refused.getMessage() + "); allocation zeroed or sparse does without", refused);
                }
            }
            case AUTO -> throw new IllegalStateException("allocation not resolved");
        }
    }
}
