package dev.csum;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How {@link Volume#format(FormatOptions)} lays out a regular file (block devices take only
 * {@link #AUTO}). Every choice reads as zeros; they differ in disk space taken at format and in the
 * cost of each file-system block's first write through direct I/O. On ext4 (docs/PERFORMANCE.md,
 * "First writes"), 4 KiB random writes to a fresh volume of 4096-byte blocks ran about half as fast
 * on holes as on a reserved file, and to a fresh volume of 512-byte blocks about a tenth as fast on
 * holes or reserved extents as on written zeros: a direct write of part of a file-system block that
 * was never written must be the only direct I/O in flight on the file.
 */
public enum FileAllocation {
    /**
     * The default: {@link #ZEROED} when the volume's blocks are smaller than the file system's,
     * otherwise {@link #RESERVED}; {@link #SPARSE} on tmpfs and without native access (no direct I/O
     * there).
     */
    AUTO,
    /** All holes: no disk space taken until written (thin), each block's first write slower. */
    SPARSE,
    /** The whole file reserved as unwritten extents ({@code fallocate(2)}): takes its space, metadata-fast. */
    RESERVED,
    /** Zeros written over the whole file at format: takes its space and about a second per GiB. */
    ZEROED;

    /**
     * The name operators type and {@code csum format} prints.
     *
     * @return {@code auto}, {@code sparse}, {@code reserved} or {@code zeroed}
     */
    public String displayName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The allocation called {@code name}: the inverse of {@link #displayName()}.
     *
     * @param name a display name, in any case
     * @return the allocation of that name
     * @throws IllegalArgumentException when no allocation has that name (the message lists them)
     */
    public static FileAllocation fromName(String name) {
        for (FileAllocation allocation : values()) {
            if (allocation.displayName().equalsIgnoreCase(name)) {
                return allocation;
            }
        }
        throw new IllegalArgumentException("unknown allocation '" + name + "': expected one of "
            + Arrays.stream(values()).map(FileAllocation::displayName).collect(Collectors.joining(", ")));
    }

    /**
     * What format does for a regular file at {@code path} of {@code blockSizeBytes} blocks: this
     * allocation, or for {@link #AUTO} its choice there. Asks the file system its block size and type;
     * writes nothing.
     *
     * @param path the file (existing, or to be created in an existing directory)
     * @param blockSizeBytes the volume's block size, 512 or 4096
     * @return {@link #SPARSE}, {@link #RESERVED} or {@link #ZEROED}
     * @throws IOException when the file system cannot be asked
     */
    public FileAllocation resolvedFor(Path path, int blockSizeBytes) throws IOException {
        return ApiMapping.allocation(ApiMapping.allocation(this).resolve(path, blockSizeBytes));
    }

    @Override
    public String toString() {
        return displayName();
    }
}
