package dev.csum;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@link Volume#resize(ResizeOptions)} resizes: a closed volume of the current format version, to
 * a larger device or a smaller size. Immutable; start from {@link #of(Path, long)} and change a field
 * with the {@code with…} methods.
 *
 * @param dataPath the volume's data device: a regular file or a block device; for interleaved
 *     metadata, the only device
 * @param metadataPath the volume's separate metadata device, or null for a volume with interleaved
 *     metadata
 * @param sizeBytes the data device's new size in bytes, or 0 for the device's size now. A regular file
 *     becomes that size (extended by a sparse hole, or cut past the volume's new end); a block device
 *     must hold it already. The volume gets as many data blocks as fit, its tuple log keeping its
 *     length; a separate metadata file is sized to the new metadata, a metadata block device must have
 *     the room
 */
public record ResizeOptions(Path dataPath, Path metadataPath, long sizeBytes) {
    /**
     * Checks the components, each described above. Whether they fit the volume and its devices is
     * checked by {@link Volume#resize(ResizeOptions)}.
     *
     * @throws NullPointerException when {@code dataPath} is null
     * @throws IllegalArgumentException when {@code sizeBytes} is negative
     */
    public ResizeOptions {
        Objects.requireNonNull(dataPath, "dataPath");
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("size must be positive, or 0 for the device's size; was " + sizeBytes);
        }
    }

    /**
     * The interleaved volume on {@code dataPath}, resized to {@code sizeBytes}.
     *
     * @param dataPath the volume's device
     * @param sizeBytes the device's new size in bytes, or 0 for its size now
     * @return the options
     * @throws NullPointerException when {@code dataPath} is null
     * @throws IllegalArgumentException when {@code sizeBytes} is negative
     */
    public static ResizeOptions of(Path dataPath, long sizeBytes) {
        return new ResizeOptions(dataPath, null, sizeBytes);
    }

    /**
     * This resize of a volume with a separate metadata device, or with interleaved metadata.
     *
     * @param path the volume's metadata device; null for interleaved metadata
     * @return a copy with that metadata device
     */
    public ResizeOptions withMetadataPath(Path path) {
        return new ResizeOptions(dataPath, path, sizeBytes);
    }
}
