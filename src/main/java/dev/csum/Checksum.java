package dev.csum;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The per-block checksum a volume is formatted with (docs/FORMAT.md defines each bit for bit). Every
 * one binds the block's logical address, so a block read from the wrong place fails verification.
 */
public enum Checksum {
    /** CRC-32C (Castagnoli), computed with the JDK's intrinsic. The default. */
    CRC32C("crc32c"),
    /** The CRC of the 2009 dm-csum patch: Linux {@code crc_ccitt}, 16 bits. */
    CRC16_CCITT("crc16-ccitt"),
    /** The T10 Protection Information guard CRC, 16 bits. */
    CRC16_T10DIF("crc16-t10dif");

    private final String displayName;

    Checksum(String displayName) {
        this.displayName = displayName;
    }

    /** The name operators type and {@code csum status} prints: {@code crc32c}, {@code crc16-ccitt}, {@code crc16-t10dif}. */
    public String displayName() {
        return displayName;
    }

    /** The checksum called {@code name} (case-insensitive); an {@link IllegalArgumentException} listing the valid names otherwise. */
    public static Checksum fromName(String name) {
        for (Checksum checksum : values()) {
            if (checksum.displayName.equalsIgnoreCase(name)) {
                return checksum;
            }
        }
        throw new IllegalArgumentException("unknown checksum algorithm '" + name + "' (valid: "
            + Arrays.stream(values()).map(Checksum::displayName).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return displayName;
    }
}
