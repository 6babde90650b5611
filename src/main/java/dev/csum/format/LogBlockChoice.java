package dev.csum.format;

/**
 * Which log block format gives a new volume (docs/FORMAT.md §3, {@code LOG_SECTORS}): 512 bytes, or
 * the volume's block. Format policy, apart from the superblock that records the outcome as
 * {@link Superblock#FLAG_LOG_SECTORS}.
 */
public final class LogBlockChoice {
    /** A requested log block size meaning "512 where the metadata device takes it, else the block size". */
    public static final int AUTO = 0;

    private LogBlockChoice() {
    }

    /**
     * The {@link Superblock#FLAG_LOG_SECTORS} bit for a new volume of {@code blockSizeBytes}, or 0.
     * Asked for {@link #AUTO}: set when the blocks are larger than a log sector and the metadata
     * device's direct I/O takes 512-byte offsets ({@code metadataAlignmentBytes}; 0 when not known:
     * then not). Asked for the block size: clear. Asked for 512: set when the blocks are larger, and
     * refused when the device is known to need more alignment.
     *
     * @throws IllegalArgumentException for a size that is none of those, or 512 the device cannot take
     */
    public static int logSectorsFlag(int blockSizeBytes, int requestedLogBlockBytes, int metadataAlignmentBytes) {
        requireValid(blockSizeBytes, requestedLogBlockBytes);
        int sector = Superblock.LOG_SECTOR_BYTES;
        boolean sectorIo = metadataAlignmentBytes > 0 && metadataAlignmentBytes <= sector;
        if (requestedLogBlockBytes == AUTO) {
            return blockSizeBytes > sector && sectorIo ? Superblock.FLAG_LOG_SECTORS : 0;
        }
        if (requestedLogBlockBytes == blockSizeBytes) {
            return 0;
        }
        String unaligned = metadataAlignmentBytes == 0 ? null : LogRegion.unalignedReason(sector, metadataAlignmentBytes);
        if (unaligned != null) {
            throw new IllegalArgumentException(unaligned + " (nothing written)");
        }
        return Superblock.FLAG_LOG_SECTORS;
    }

    /**
     * Checks a requested log block size before any I/O: {@link #AUTO}, 512 or {@code blockSizeBytes}.
     *
     * @throws IllegalArgumentException for any other
     */
    public static void requireValid(int blockSizeBytes, int requestedLogBlockBytes) {
        int sector = Superblock.LOG_SECTOR_BYTES;
        if (requestedLogBlockBytes != AUTO && requestedLogBlockBytes != sector && requestedLogBlockBytes != blockSizeBytes) {
            throw new IllegalArgumentException("log block size must be " + sector + " or the block size ("
                + blockSizeBytes + "), was " + requestedLogBlockBytes);
        }
    }
}
