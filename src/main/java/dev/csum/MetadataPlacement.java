package dev.csum;

/** Where a volume keeps its checksum metadata, chosen at format time (docs/FORMAT.md). */
public enum MetadataPlacement {
    /** On the data device: each group's pair of metadata blocks precedes its data blocks. */
    INTERLEAVED,
    /** On a separate metadata device: the data device holds the superblock and the data blocks only. */
    SEPARATE
}
