package dev.csum.torture;

import dev.csum.format.Geometry;
import java.util.HashSet;
import java.util.Set;

/**
 * What a device write of a volume with interleaved metadata wrote, told by where it landed: a data
 * block, a tuple log record, an imd copy (a checkpoint, or recovery's rewrite of a replayed group),
 * or a superblock. Crash replay counts its crash points by the kind of the write just before each.
 */
public enum DeviceWriteKind {
    /** A data block. */
    DATA,
    /** Blocks of the tuple log region (a record, or an empty record). */
    LOG_RECORD,
    /** One copy of a group's imd pair. */
    IMD_CHECKPOINT,
    /** The primary or the backup superblock. */
    SUPERBLOCK;

    /** Classifies writes by byte offset on an interleaved volume's one file. */
    static final class Classifier {
        private final int blockSizeBytes;
        private final long logFirstBlock;
        private final long logEndBlock;
        private final Set<Long> imdBlocks = new HashSet<>();

        Classifier(Geometry geometry) {
            if (geometry.placement() != dev.csum.format.MetadataPlacement.INTERLEAVED) {
                throw new IllegalArgumentException("classifies the one file of an interleaved volume");
            }
            this.blockSizeBytes = geometry.blockSizeBytes();
            this.logFirstBlock = geometry.logOffsetBlocks();
            this.logEndBlock = logFirstBlock + geometry.logBlockCount();
            for (long group = 0; group < geometry.groupCount(); group++) {
                long pairBlock = geometry.imdPairOffsetBytes(group) / blockSizeBytes;
                imdBlocks.add(pairBlock);
                imdBlocks.add(pairBlock + 1);
            }
        }

        /** The kind of a write starting at {@code offsetBytes}. */
        DeviceWriteKind of(long offsetBytes) {
            long block = offsetBytes / blockSizeBytes;
            if (block >= logFirstBlock && block < logEndBlock) {
                return LOG_RECORD;
            }
            if (imdBlocks.contains(block)) {
                return IMD_CHECKPOINT;
            }
            return block == 0 || block >= logEndBlock ? SUPERBLOCK : DATA;
        }
    }
}
