package dev.csum;

import dev.csum.format.Geometry;
import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What {@link Volume#format(FormatOptions)} creates. Immutable; start from {@link #of(Path)} (the
 * existing file's or device's size) and change a field with the {@code with…} methods.
 *
 * @param dataPath the data device: a regular file (created when a size is given and it does not
 *     exist) or a block device; for interleaved metadata, the only device
 * @param metadataPath the separate metadata device (a file, created as needed, or a block device), or
 *     null to interleave the metadata with the data
 * @param sizeBytes the data device's size in bytes; empty to use the existing file's or device's size
 * @param blockSizeBytes the checksum block size: 512 or 4096 (default 4096); offsets and lengths of
 *     every read and write are multiples of it
 * @param checksum the per-block checksum (default {@link Checksum#CRC32C})
 * @param overwrite overwrite whatever the devices hold (default false); without it, format refuses,
 *     before writing anything, a device holding a volume, a file system, a partition table or other data
 */
public record FormatOptions(Path dataPath, Path metadataPath, OptionalLong sizeBytes, int blockSizeBytes,
                            Checksum checksum, boolean overwrite) {
    /** The block size of {@link #of(Path)}: 4096 bytes. */
    public static final int DEFAULT_BLOCK_SIZE_BYTES = 4096;

    /**
     * Checks the components, each described above. Whether they fit the devices is checked by
     * {@link Volume#format(FormatOptions)}.
     *
     * @throws NullPointerException when {@code dataPath}, {@code sizeBytes} or {@code checksum} is null
     * @throws IllegalArgumentException when {@code sizeBytes} holds a value that is not positive, or
     *     {@code blockSizeBytes} is neither 512 nor 4096
     */
    public FormatOptions {
        Objects.requireNonNull(dataPath, "dataPath");
        Objects.requireNonNull(sizeBytes, "sizeBytes (OptionalLong.empty() for the existing size)");
        Objects.requireNonNull(checksum, "checksum");
        if (sizeBytes.isPresent() && sizeBytes.getAsLong() <= 0) {
            throw new IllegalArgumentException("size must be positive, was " + sizeBytes.getAsLong());
        }
        if (!Geometry.isSupportedBlockSize(blockSizeBytes)) {
            throw new IllegalArgumentException("block size must be 512 or 4096 bytes, was " + blockSizeBytes);
        }
    }

    /**
     * An interleaved volume over the whole existing file or device at {@code dataPath}, with the
     * defaults: 4096-byte blocks, {@link Checksum#CRC32C}, no overwrite.
     *
     * @param dataPath the data device: an existing regular file or block device (give a size with
     *     {@link #withSizeBytes(long)} to create a file)
     * @return the options
     * @throws NullPointerException when {@code dataPath} is null
     */
    public static FormatOptions of(Path dataPath) {
        return new FormatOptions(dataPath, null, OptionalLong.empty(), DEFAULT_BLOCK_SIZE_BYTES, Checksum.CRC32C,
            false);
    }

    /**
     * This format with a separate metadata device, or interleaved metadata.
     *
     * @param path the metadata device (a file, created as needed, or a block device); null to
     *     interleave the metadata with the data
     * @return a copy with that metadata device
     */
    public FormatOptions withMetadataPath(Path path) {
        return new FormatOptions(dataPath, path, sizeBytes, blockSizeBytes, checksum, overwrite);
    }

    /**
     * This format on a data device of {@code bytes} bytes (a file is created or resized to it).
     *
     * @param bytes the data device's size in bytes: positive, at most a block device's size, and
     *     enough for one group of blocks with its metadata (checked by
     *     {@link Volume#format(FormatOptions)})
     * @return a copy with that size
     * @throws IllegalArgumentException when {@code bytes} is not positive
     */
    public FormatOptions withSizeBytes(long bytes) {
        return new FormatOptions(dataPath, metadataPath, OptionalLong.of(bytes), blockSizeBytes, checksum, overwrite);
    }

    /**
     * This format over the existing file's or device's size (the default).
     *
     * @return a copy with no size
     */
    public FormatOptions withExistingSize() {
        return new FormatOptions(dataPath, metadataPath, OptionalLong.empty(), blockSizeBytes, checksum, overwrite);
    }

    /**
     * This format with {@code bytes}-byte blocks.
     *
     * @param bytes the checksum block size in bytes: 512 or 4096
     * @return a copy with that block size
     * @throws IllegalArgumentException when {@code bytes} is neither 512 nor 4096
     */
    public FormatOptions withBlockSizeBytes(int bytes) {
        return new FormatOptions(dataPath, metadataPath, sizeBytes, bytes, checksum, overwrite);
    }

    /**
     * This format with another per-block checksum.
     *
     * @param algorithm the checksum
     * @return a copy with that checksum
     * @throws NullPointerException when {@code algorithm} is null
     */
    public FormatOptions withChecksum(Checksum algorithm) {
        return new FormatOptions(dataPath, metadataPath, sizeBytes, blockSizeBytes, algorithm, overwrite);
    }

    /**
     * This format with or without leave to overwrite what the devices hold: see {@link #overwrite()}.
     *
     * @param overwriteExisting true to overwrite whatever the devices hold
     * @return a copy with that setting
     */
    public FormatOptions withOverwrite(boolean overwriteExisting) {
        return new FormatOptions(dataPath, metadataPath, sizeBytes, blockSizeBytes, checksum, overwriteExisting);
    }
}
