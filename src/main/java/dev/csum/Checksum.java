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

    /**
     * The name operators type and {@code csum status} prints.
     *
     * @return {@code crc32c}, {@code crc16-ccitt} or {@code crc16-t10dif}
     */
    public String displayName() {
        return ApiMapping.algorithm(this).displayName();
    }

    /**
     * The checksum called {@code name}: the inverse of {@link #displayName()}.
     *
     * @param name a {@linkplain #displayName() display name}, in any case ({@code CRC32C} works too)
     * @return the checksum of that name
     * @throws IllegalArgumentException when no checksum has that name (the message lists the valid
     *     names)
     */
    public static Checksum fromName(String name) {
        return ApiMapping.checksum(dev.csum.checksum.ChecksumAlgorithm.fromName(name));
    }

    @Override
    public String toString() {
        return displayName();
    }
}
