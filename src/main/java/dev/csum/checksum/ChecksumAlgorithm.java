package dev.csum.checksum;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The per-block checksum algorithms a volume can be formatted with. The choice is stored in the
 * superblock by its {@link #id()}; docs/FORMAT.md defines each one bit for bit.
 *
 * <p>Every algorithm binds the block's logical address: the checksum of a block is the CRC of the
 * block's bytes followed by the 8 little-endian bytes of its logical block address.
 */
public enum ChecksumAlgorithm {
    /** CRC-32C (Castagnoli), the JDK's intrinsic {@link java.util.zip.CRC32C}. The default. */
    CRC32C(1, "crc32c", 32),
    /** The seed's CRC: Linux {@code crc_ccitt} (reflected poly 0x8408, init 0, no final xor). */
    CRC16_CCITT(2, "crc16-ccitt", 16),
    /** The T10 Protection Information guard CRC (poly 0x8BB7, not reflected, init 0, no final xor). */
    CRC16_T10DIF(3, "crc16-t10dif", 16);

    private final int id;
    private final String displayName;
    private final int widthBits;

    ChecksumAlgorithm(int id, String displayName, int widthBits) {
        this.id = id;
        this.displayName = displayName;
        this.widthBits = widthBits;
    }

    /** The on-disk code of this algorithm (superblock field {@code checksum_algorithm}). */
    public int id() {
        return id;
    }

    /** The name operators type: {@code crc32c}, {@code crc16-ccitt}, {@code crc16-t10dif}. */
    public String displayName() {
        return displayName;
    }

    /** 32 or 16: the checksum value occupies the low {@code widthBits} bits of an {@code int}. */
    public int widthBits() {
        return widthBits;
    }

    /** The algorithm stored under on-disk code {@code id}; an {@link IllegalArgumentException} naming it otherwise. */
    public static ChecksumAlgorithm fromId(int id) {
        for (ChecksumAlgorithm algorithm : values()) {
            if (algorithm.id == id) {
                return algorithm;
            }
        }
        throw new IllegalArgumentException("unknown checksum algorithm id " + id + " (known: "
                + Arrays.stream(values()).map(a -> a.id + "=" + a.displayName).collect(Collectors.joining(", ")) + ")");
    }

    /** The algorithm called {@code name} (case-insensitive); an {@link IllegalArgumentException} listing valid names otherwise. */
    public static ChecksumAlgorithm fromName(String name) {
        for (ChecksumAlgorithm algorithm : values()) {
            if (algorithm.displayName.equalsIgnoreCase(name)) {
                return algorithm;
            }
        }
        throw new IllegalArgumentException("unknown checksum algorithm '" + name + "' (valid: "
                + Arrays.stream(values()).map(ChecksumAlgorithm::displayName).collect(Collectors.joining(", ")) + ")");
    }

    /**
     * A new checksum instance using the fastest implementation on this machine. Instances are
     * <em>not</em> thread-safe: give each thread its own.
     */
    public BlockChecksum newChecksum() {
        return switch (this) {
            case CRC32C -> new Crc32cBlockChecksum();
            case CRC16_CCITT, CRC16_T10DIF -> new Crc16BlockChecksum(this, Crc16Kernel.fastest());
        };
    }

    @Override
    public String toString() {
        return displayName;
    }
}
