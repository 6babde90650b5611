package dev.csum;

/**
 * The per-block checksum a volume is formatted with (docs/FORMAT.md defines each bit for bit). Every
 * one binds the block's logical address, so a block read from the wrong place fails verification.
 */
public enum Checksum {
    /** CRC-32C (Castagnoli), computed with the JDK's intrinsic. The default. */
    CRC32C,
    /** The CRC of the 2009 dm-csum patch: Linux {@code crc_ccitt}, 16 bits. */
    CRC16_CCITT,
    /** The T10 Protection Information guard CRC, 16 bits. */
    CRC16_T10DIF;

    /** The name operators type and {@code csum status} prints: {@code crc32c}, {@code crc16-ccitt}, {@code crc16-t10dif}. */
    public String displayName() {
        return ApiMapping.algorithm(this).displayName();
    }

    /** The checksum called {@code name} (case-insensitive); an {@link IllegalArgumentException} listing the valid names otherwise. */
    public static Checksum fromName(String name) {
        return ApiMapping.checksum(dev.csum.checksum.ChecksumAlgorithm.fromName(name));
    }

    @Override
    public String toString() {
        return displayName();
    }
}
