package dev.csum;

import dev.csum.format.Geometry;
import java.util.Objects;
import java.util.UUID;

/**
 * A volume's identity and geometry, as its superblock records them: what {@code csum format} and
 * {@code csum status} print. Sizes are in bytes, counts in blocks or groups as named.
 *
 * @param uuid the volume's identity, random at format time
 * @param formatVersion the on-disk format version (docs/FORMAT.md): 2, or 1 for a volume made by an
 *     older build (it opens read-only)
 * @param blockSizeBytes the checksum block size, 512 or 4096: the unit of every offset and length
 * @param checksum the per-block checksum
 * @param metadataPlacement interleaved with the data, or on a separate metadata device
 * @param dataBlockCount blocks the volume offers its users
 * @param usableBytes bytes the volume offers its users ({@code dataBlockCount × blockSizeBytes}): its
 *     logical address space is {@code 0 .. usableBytes}
 * @param groupCount groups of blocks, each described by one pair of metadata blocks
 * @param blocksPerGroup data blocks per group (the last group may hold fewer)
 * @param backupSuperblockOffsetBytes byte offset of the backup superblock on the metadata device (for
 *     interleaved metadata, the data device)
 * @param dataDeviceMinBytes the smallest data device that holds this volume
 * @param metadataDeviceMinBytes the smallest metadata device that holds this volume (interleaved: equal
 *     to {@code dataDeviceMinBytes}, the data device holding both)
 * @param logSizeBytes the size of the tuple log region in bytes, a multiple of {@code blockSizeBytes}
 *     (on the metadata device after the last metadata pair; interleaved: on the data device after the
 *     last group); 0 for format version 1, which has no log
 * @param dataZeroed whether the data area read as zeros when the volume was formatted (a regular
 *     file, all holes then, or a block device that zeroes without writing; false for a block device
 *     that cannot, and for format version 1)
 * @param logBlockBytes the tuple log's block, the unit its records are written in (docs/FORMAT.md §8):
 *     512, or {@code blockSizeBytes} (a volume formatted with log blocks of its block size, or before
 *     512-byte log blocks existed)
 */
public record VolumeInfo(UUID uuid, int formatVersion, int blockSizeBytes, Checksum checksum,
                         MetadataPlacement metadataPlacement, long dataBlockCount, long usableBytes, long groupCount,
                         int blocksPerGroup, long backupSuperblockOffsetBytes, long dataDeviceMinBytes,
                         long metadataDeviceMinBytes, long logSizeBytes, boolean dataZeroed, int logBlockBytes) {
    /**
     * Checks the components, each described above. Volumes make these from their superblock; the
     * constructor is public for tests and for code that wraps a volume.
     *
     * @throws NullPointerException when {@code uuid}, {@code checksum} or {@code metadataPlacement} is
     *     null
     * @throws IllegalArgumentException when {@code usableBytes} is not
     *     {@code dataBlockCount × blockSizeBytes}, or {@code logSizeBytes} is negative or not a multiple
     *     of {@code blockSizeBytes}
     */
    public VolumeInfo {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(checksum, "checksum");
        Objects.requireNonNull(metadataPlacement, "metadataPlacement");
        if (usableBytes != dataBlockCount * blockSizeBytes) {
            throw new IllegalArgumentException("usable bytes " + usableBytes + " is not " + dataBlockCount
                + " blocks of " + blockSizeBytes + " bytes");
        }
        if (logSizeBytes < 0 || blockSizeBytes > 0 && logSizeBytes % blockSizeBytes != 0) {
            throw new IllegalArgumentException("log size " + logSizeBytes + " is not a whole number of " + blockSizeBytes
                + "-byte blocks");
        }
    }

    /**
     * The metadata blocks that describe the data blocks.
     *
     * @return the number of metadata blocks: two per group (the imd pair), {@code 2 × groupCount}
     */
    public long metadataBlockCount() {
        return 2 * groupCount;
    }

    /**
     * The byte offset on the data device where logical block {@code block} is stored (for tools that
     * inspect or, in tests, damage the device behind the volume's back).
     *
     * @param block a logical block number, {@code 0 .. dataBlockCount - 1}
     * @return the byte offset of that block's data on the data device (past the superblock and, for
     *     interleaved metadata, the metadata pairs before it)
     * @throws IndexOutOfBoundsException when {@code block} is not in {@code 0 .. dataBlockCount - 1}
     */
    public long dataDeviceOffsetBytes(long block) {
        return Geometry.of(blockSizeBytes, dataBlockCount, ApiMapping.placement(metadataPlacement),
            logSizeBytes / blockSizeBytes).dataOffsetBytes(block);
    }
}
