package dev.csum.format;

/** Which device a superblock describes; stored in the superblock by {@link #code()}. */
public enum DeviceRole {
    /** Interleaved placement: the one device holds data and metadata. */
    COMBINED(0),
    /** Separate placement: the data device. */
    DATA(1),
    /** Separate placement: the metadata device. */
    METADATA(2);

    private final int code;

    DeviceRole(int code) {
        this.code = code;
    }

    /** The on-disk code (superblock field {@code device_role}). */
    public int code() {
        return code;
    }

    /** The role stored as {@code code}; an {@link IllegalArgumentException} naming it otherwise. */
    public static DeviceRole fromCode(int code) {
        for (DeviceRole role : values()) {
            if (role.code == code) {
                return role;
            }
        }
        throw new IllegalArgumentException("unknown device role code " + code + " (0 = combined, 1 = data, 2 = metadata)");
    }

    /** Whether a device with this role is valid for {@code placement}. */
    public boolean fits(MetadataPlacement placement) {
        return placement == MetadataPlacement.INTERLEAVED ? this == COMBINED : this != COMBINED;
    }
}
