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
 * @param logSizeBytes the tuple log's size in bytes, or 0 (the default) for the default size: 1/64
 *     of the data area but at least 64 MiB or a sixteenth of it, whichever is smaller; at least 256 KiB
 *     and at most 1 GiB; in whole blocks (docs/FORMAT.md §2.3). A size given must be a
 *     multiple of the block size and at least 16 blocks (checked by {@link Volume#format(FormatOptions)}).
 *     The log sits after the last group (interleaved: on the data device, so it takes room from the
 *     data) or after the last metadata pair (separate: on the metadata device)
 * @param allocation how a regular file is laid out (default {@link FileAllocation#AUTO}): holes,
 *     reserved extents or written zeros; block devices take only {@link FileAllocation#AUTO}
 * @param logBlockBytes the tuple log's block, the unit its records are written in (docs/FORMAT.md
 *     §3 {@code LOG_SECTORS}, §8): 512, the block size, or 0 (the default) for 512 when the blocks are
 *     larger and the metadata device takes 512-byte direct I/O, else the block size. 512-byte log
 *     blocks fit a loop step's entries in one sector instead of a 4 KiB block, so the log fills, and
 *     checkpoints, up to eight times less often; a device whose physical sectors are larger then
 *     sees log writes smaller than them (docs/RELIABILITY.md §4 says what that assumes). 512 on a
 *     metadata device whose direct I/O needs more is refused by {@link Volume#format(FormatOptions)},
 *     before anything is written
 */
public record FormatOptions(Path dataPath, Path metadataPath, OptionalLong sizeBytes, int blockSizeBytes,
                            Checksum checksum, boolean overwrite, long logSizeBytes, FileAllocation allocation,
                            int logBlockBytes) {
    /** The block size of {@link #of(Path)}: 4096 bytes. */
    public static final int DEFAULT_BLOCK_SIZE_BYTES = 4096;

    /**
     * Checks the components, each described above. Whether they fit the devices is checked by
     * {@link Volume#format(FormatOptions)}.
     *
     * @throws NullPointerException when {@code dataPath}, {@code sizeBytes}, {@code checksum} or
     *     {@code allocation} is null
     * @throws IllegalArgumentException when {@code sizeBytes} holds a value that is not positive,
     *     {@code blockSizeBytes} is neither 512 nor 4096, {@code logSizeBytes} is negative, or
     *     {@code logBlockBytes} is none of 0, 512 and 4096 (that it is 512 or the block size is checked
     *     by {@link Volume#format(FormatOptions)})
     */
    public FormatOptions {
        Objects.requireNonNull(dataPath, "dataPath");
        Objects.requireNonNull(sizeBytes, "sizeBytes (OptionalLong.empty() for the existing size)");
        Objects.requireNonNull(checksum, "checksum");
        Objects.requireNonNull(allocation, "allocation");
        if (sizeBytes.isPresent() && sizeBytes.getAsLong() <= 0) {
            throw new IllegalArgumentException("size must be positive, was " + sizeBytes.getAsLong());
        }
        if (!Geometry.isSupportedBlockSize(blockSizeBytes)) {
            throw new IllegalArgumentException("block size must be 512 or 4096 bytes, was " + blockSizeBytes);
        }
        if (logSizeBytes < 0) {
            throw new IllegalArgumentException("log size must be positive, or 0 for the default; was " + logSizeBytes);
        }
        if (logBlockBytes != 0 && !Geometry.isSupportedBlockSize(logBlockBytes)) {
            throw new IllegalArgumentException("log block size must be 512 or the block size, or 0 for the default; was "
                + logBlockBytes);
        }
    }

    /**
     * An interleaved volume over the whole existing file or device at {@code dataPath}, with the
     * defaults: 4096-byte blocks, {@link Checksum#CRC32C}, the default log size, no overwrite,
     * {@link FileAllocation#AUTO}.
     *
     * @param dataPath the data device: an existing regular file or block device (give a size with
     *     {@link #withSizeBytes(long)} to create a file)
     * @return the options
     * @throws NullPointerException when {@code dataPath} is null
     */
    public static FormatOptions of(Path dataPath) {
        return new FormatOptions(dataPath, null, OptionalLong.empty(), DEFAULT_BLOCK_SIZE_BYTES, Checksum.CRC32C,
            false, 0, FileAllocation.AUTO, 0);
    }

    /**
     * This format with a separate metadata device, or interleaved metadata.
     *
     * @param path the metadata device (a file, created as needed, or a block device); null to
     *     interleave the metadata with the data
     * @return a copy with that metadata device
     */
    public FormatOptions withMetadataPath(Path path) {
        return new FormatOptions(dataPath, path, sizeBytes, blockSizeBytes, checksum, overwrite, logSizeBytes,
            allocation, logBlockBytes);
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
        return new FormatOptions(dataPath, metadataPath, OptionalLong.of(bytes), blockSizeBytes, checksum, overwrite, logSizeBytes,
            allocation, logBlockBytes);
    }

    /**
     * This format over the existing file's or device's size (the default).
     *
     * @return a copy with no size
     */
    public FormatOptions withExistingSize() {
        return new FormatOptions(dataPath, metadataPath, OptionalLong.empty(), blockSizeBytes, checksum, overwrite, logSizeBytes,
            allocation, logBlockBytes);
    }

    /**
     * This format with {@code bytes}-byte blocks.
     *
     * @param bytes the checksum block size in bytes: 512 or 4096
     * @return a copy with that block size
     * @throws IllegalArgumentException when {@code bytes} is neither 512 nor 4096
     */
    public FormatOptions withBlockSizeBytes(int bytes) {
        return new FormatOptions(dataPath, metadataPath, sizeBytes, bytes, checksum, overwrite, logSizeBytes,
            allocation, logBlockBytes);
    }

    /**
     * This format with another per-block checksum.
     *
     * @param algorithm the checksum
     * @return a copy with that checksum
     * @throws NullPointerException when {@code algorithm} is null
     */
    public FormatOptions withChecksum(Checksum algorithm) {
        return new FormatOptions(dataPath, metadataPath, sizeBytes, blockSizeBytes, algorithm, overwrite, logSizeBytes,
            allocation, logBlockBytes);
    }

    /**
     * This format with or without leave to overwrite what the devices hold: see {@link #overwrite()}.
     *
     * @param overwriteExisting true to overwrite whatever the devices hold
     * @return a copy with that setting
     */
    public FormatOptions withOverwrite(boolean overwriteExisting) {
        return new FormatOptions(dataPath, metadataPath, sizeBytes, blockSizeBytes, checksum, overwriteExisting, logSizeBytes,
            allocation, logBlockBytes);
    }

    /**
     * This format with a tuple log of {@code bytes} bytes, or the default size.
     *
     * @param bytes the log's size in bytes: a multiple of the block size and at least 16 blocks, the
     *     layout with it fitting the devices (checked by {@link Volume#format(FormatOptions)}); 0 for
     *     the default (1/64 of the data area but at least 64 MiB or a sixteenth of it, at least 256 KiB
     *     and at most 1 GiB)
     * @return a copy with that log size
     * @throws IllegalArgumentException when {@code bytes} is negative
     */
    public FormatOptions withLogSizeBytes(long bytes) {
        return new FormatOptions(dataPath, metadataPath, sizeBytes, blockSizeBytes, checksum, overwrite, bytes,
            allocation, logBlockBytes);
    }

    /**
     * This format with another file allocation: see {@link FileAllocation}.
     *
     * @param fileAllocation how regular files are laid out; block devices take only {@link FileAllocation#AUTO}
     *     (checked by {@link Volume#format(FormatOptions)}, before anything is written, as is the free
     *     space a reserved or zeroed file needs)
     * @return a copy with that allocation
     * @throws NullPointerException when {@code fileAllocation} is null
     */
    public FormatOptions withAllocation(FileAllocation fileAllocation) {
        return new FormatOptions(dataPath, metadataPath, sizeBytes, blockSizeBytes, checksum, overwrite, logSizeBytes,
            fileAllocation, logBlockBytes);
    }

    /**
     * This format with another log block size.
     *
     * @param bytes 512, the block size, or 0 for the default (see {@link #logBlockBytes()})
     * @return a copy with that log block size
     * @throws IllegalArgumentException when {@code bytes} is none of 0, 512 and 4096
     */
    public FormatOptions withLogBlockBytes(int bytes) {
        return new FormatOptions(dataPath, metadataPath, sizeBytes, blockSizeBytes, checksum, overwrite, logSizeBytes,
            allocation, bytes);
    }
}
