package dev.csum.checksum;

import java.lang.foreign.MemorySegment;

/**
 * Computes the checksum stored in a block's integrity tuple. Obtain one with
 * {@link ChecksumAlgorithm#newChecksum()}.
 *
 * <p>Threading: an instance may keep scratch state, so it is <em>not</em> thread-safe; use one per
 * thread. The hot path allocates nothing and never copies the block.
 */
public interface BlockChecksum {

    /** The algorithm this instance computes. */
    ChecksumAlgorithm algorithm();

    /**
     * The checksum of {@code block} bound to its logical block address: the CRC of all
     * {@code block.byteSize()} bytes followed by the 8 bytes of {@code logicalBlockAddress} in
     * little-endian order (docs/FORMAT.md, "Checksums"). The value is in the low
     * {@link ChecksumAlgorithm#widthBits()} bits; the upper bits are 0.
     *
     * @param block               the block's bytes (any size, heap or native, any alignment)
     * @param logicalBlockAddress the block's logical block number in the volume (not a byte offset)
     */
    int blockChecksum(MemorySegment block, long logicalBlockAddress);

    /**
     * The same value as {@code blockChecksum(region.asSlice(offsetBytes, lengthBytes), logicalBlockAddress)},
     * for a block inside a long-lived region that the caller viewed once as {@code regionView}
     * ({@code region.asByteBuffer()}): implementations that checksum through a {@link java.nio.ByteBuffer}
     * (crc32c) then need no new view, so no allocation, per block. Changes {@code regionView}'s
     * position and limit; same threading as the rest of this interface.
     *
     * @param offsetBytes where the block starts in {@code region}
     * @param lengthBytes the block's length in bytes
     */
    default int blockChecksum(MemorySegment region, java.nio.ByteBuffer regionView, long offsetBytes, int lengthBytes,
                              long logicalBlockAddress) {
        return blockChecksum(region.asSlice(offsetBytes, lengthBytes), logicalBlockAddress);
    }
}
