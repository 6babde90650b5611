package dev.csum.checksum;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
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
        return finish(logicalBlockAddress);
    }

    @Override
    public int blockChecksum(MemorySegment region, ByteBuffer regionView, long offsetBytes, int lengthBytes,
                             long logicalBlockAddress) {
        // The view the caller made once, narrowed to the block: asByteBuffer() per block would
        // allocate a DirectByteBuffer each time (C2 does not scalar-replace it: CRC32C.update keeps
        // it reachable with a reachability fence).
        regionView.clear();
        regionView.position((int) offsetBytes).limit((int) offsetBytes + lengthBytes);
        crc.reset();
        crc.update(regionView);
        return finish(logicalBlockAddress);
    }

    private int finish(long logicalBlockAddress) {
        for (int i = 0; i < Long.BYTES; i++) {
            addressBytes[i] = (byte) (logicalBlockAddress >>> (8 * i));
        }
        crc.update(addressBytes, 0, Long.BYTES);
        return (int) crc.getValue();
    }
}
