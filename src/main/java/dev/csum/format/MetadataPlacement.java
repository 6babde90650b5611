package dev.csum.format;

/** Where a volume keeps its integrity metadata; stored in the superblock by {@link #code()}. */
public enum MetadataPlacement {
    /** On the data device, the seed's layout: each group's imd pair precedes its data blocks. */
    INTERLEAVED(0),
    /** On a separate metadata device: data blocks contiguous on the data device, imd pairs contiguous on the metadata device. */
    SEPARATE(1);

    private final int code;

    MetadataPlacement(int code) {
        this.code = code;
    }

    /** The on-disk code (superblock field {@code metadata_placement}). */
    public int code() {
        return code;
    }

    /** The placement stored as {@code code}; an {@link IllegalArgumentException} naming it otherwise. */
    public static MetadataPlacement fromCode(int code) {
        for (MetadataPlacement placement : values()) {
            if (placement.code == code) {
                return placement;
            }
        }
        throw new IllegalArgumentException("unknown metadata placement code " + code + " (0 = interleaved, 1 = separate)");
    }
}
