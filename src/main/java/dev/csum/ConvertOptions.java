package dev.csum;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@link Volume#convert(ConvertOptions)} converts: a volume of format version 1 (made before
 * the tuple log) that is to become version 2 in place. Immutable; start from {@link #of(Path)} and
 * change a field with the {@code with…} methods.
 *
 * @param dataPath the volume's data device: a regular file or a block device; for interleaved
 *     metadata, the only device
 * @param metadataPath the volume's separate metadata device, or null for a volume with interleaved
 *     metadata
 * @param logSizeBytes the size of the tuple log to add, in bytes, or 0 (the default) for the default
 *     size: 1/64 of the data area, at least 256 KiB and at most 1 GiB, in whole blocks. A size given
 *     must be a multiple of the volume's block size and at least 16 blocks (checked by
 *     {@link Volume#convert(ConvertOptions)}). The log goes after the last group (interleaved: on the
 *     data device) or after the last metadata pair (separate: on the metadata device); the data keeps
 *     its place, so the device grows by the log's size
 */
public record ConvertOptions(Path dataPath, Path metadataPath, long logSizeBytes) {
    /**
     * Checks the components, each described above. Whether they fit the volume and its devices is
     * checked by {@link Volume#convert(ConvertOptions)}.
     *
     * @throws NullPointerException when {@code dataPath} is null
     * @throws IllegalArgumentException when {@code logSizeBytes} is negative
     */
    public ConvertOptions {
        Objects.requireNonNull(dataPath, "dataPath");
        if (logSizeBytes < 0) {
            throw new IllegalArgumentException("log size must be positive, or 0 for the default; was " + logSizeBytes);
        }
    }

    /**
     * The interleaved volume on {@code dataPath}, given the default log size.
     *
     * @param dataPath the volume's device
     * @return the options
     * @throws NullPointerException when {@code dataPath} is null
     */
    public static ConvertOptions of(Path dataPath) {
        return new ConvertOptions(dataPath, null, 0);
    }

    /**
     * This conversion of a volume with a separate metadata device, or with interleaved metadata.
     *
     * @param path the volume's metadata device; null for interleaved metadata
     * @return a copy with that metadata device
     */
    public ConvertOptions withMetadataPath(Path path) {
        return new ConvertOptions(dataPath, path, logSizeBytes);
    }

    /**
     * This conversion with a tuple log of {@code bytes} bytes, or the default size.
     *
     * @param bytes the log's size in bytes: a multiple of the block size and at least 16 blocks (checked
     *     by {@link Volume#convert(ConvertOptions)}); 0 for the default, 1/64 of the data area, at least
     *     256 KiB and at most 1 GiB
     * @return a copy with that log size
     * @throws IllegalArgumentException when {@code bytes} is negative
     */
    public ConvertOptions withLogSizeBytes(long bytes) {
        return new ConvertOptions(dataPath, metadataPath, bytes);
    }
}
