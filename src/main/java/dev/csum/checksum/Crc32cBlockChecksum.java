package dev.csum.checksum;

import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;

/**
 * {@code crc32c}: the JDK's {@link CRC32C} (hardware-accelerated intrinsic) over the block's bytes,
 * viewed in place through {@link MemorySegment#asByteBuffer()}, then over the 8 little-endian bytes
 * of the logical block address. Not thread-safe (reuses one {@link CRC32C} and an 8-byte scratch).
 */
final class Crc32cBlockChecksum implements BlockChecksum {

    private final CRC32C crc = new CRC32C();
    private final byte[] addressBytes = new byte[Long.BYTES];

    @Override
    public ChecksumAlgorithm algorithm() {
        return ChecksumAlgorithm.CRC32C;
    }

    @Override
    public int blockChecksum(MemorySegment block, long logicalBlockAddress) {
        crc.reset();
        crc.update(block.asByteBuffer());
        for (int i = 0; i < Long.BYTES; i++) {
            addressBytes[i] = (byte) (logicalBlockAddress >>> (8 * i));
        }
        crc.update(addressBytes, 0, Long.BYTES);
        return (int) crc.getValue();
    }
}
