package dev.csum.checksum;

import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;

/**
 * Plain CRC-32C (Castagnoli: reflected poly 0x82F63B78, init 0xFFFFFFFF, final xor 0xFFFFFFFF) for
 * the format's own structures: the superblock and imd block header checksums are always CRC-32C,
 * whatever algorithm the volume uses for its data blocks. "123456789" gives 0xE3069283.
 */
public final class Crc32c {

    private static final byte[] ZEROS = new byte[Integer.BYTES];

    private Crc32c() {
    }

    /** CRC-32C of all bytes of {@code segment}. */
    public static int of(MemorySegment segment) {
        CRC32C crc = new CRC32C();
        crc.update(segment.asByteBuffer());
        return (int) crc.getValue();
    }

    /**
     * CRC-32C of all bytes of {@code segment}, computed as if the 4 bytes at
     * {@code fieldOffsetBytes} (where the checksum itself is stored) were zero. Reads only.
     */
    public static int ofWithFieldZeroed(MemorySegment segment, long fieldOffsetBytes) {
        long size = segment.byteSize();
        if (fieldOffsetBytes < 0 || fieldOffsetBytes > size - Integer.BYTES) {
            throw new IndexOutOfBoundsException("checksum field at " + fieldOffsetBytes + " outside a " + size + "-byte segment");
        }
        CRC32C crc = new CRC32C();
        crc.update(segment.asSlice(0, fieldOffsetBytes).asByteBuffer());
        crc.update(ZEROS, 0, Integer.BYTES);
        crc.update(segment.asSlice(fieldOffsetBytes + Integer.BYTES).asByteBuffer());
        return (int) crc.getValue();
    }
}
