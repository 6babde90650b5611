package dev.csum.checksum;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Scalar 16-bit CRC loops over memory segments: the byte-wise table reference and slicing-by-16
 * (two 8-byte little-endian loads per iteration, 16 table lookups; tables in
 * {@link Crc16Definition#sliceTable}).
 */
final class Crc16Scalar {

    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Crc16Scalar() {
    }

    /** The reference: one table lookup per byte. */
    static int updateBytewise(Crc16Definition crc, int register, MemorySegment segment, long offset, long length) {
        long end = offset + length;
        for (long i = offset; i < end; i++) {
            register = crc.updateByte(register, segment.get(ValueLayout.JAVA_BYTE, i));
        }
        return register;
    }

    /** Slicing-by-16 over whole 16-byte chunks, byte-wise over the rest. */
    static int updateSlicing(Crc16Definition crc, int register, MemorySegment segment, long offset, long length) {
        int[] t = crc.sliceTable;
        boolean reflected = crc.reflected;
        long end = offset + length;
        long i = offset;
        for (; end - i >= 16; i += 16) {
            long v = segment.get(LONG_LE, i) ^ (reflected ? register : Short.reverseBytes((short) register) & 0xFFFF);
            long w = segment.get(LONG_LE, i + 8);
            register = t[15 * 256 + (int) (v & 0xFF)]
                    ^ t[14 * 256 + (int) ((v >>> 8) & 0xFF)]
                    ^ t[13 * 256 + (int) ((v >>> 16) & 0xFF)]
                    ^ t[12 * 256 + (int) ((v >>> 24) & 0xFF)]
                    ^ t[11 * 256 + (int) ((v >>> 32) & 0xFF)]
                    ^ t[10 * 256 + (int) ((v >>> 40) & 0xFF)]
                    ^ t[9 * 256 + (int) ((v >>> 48) & 0xFF)]
                    ^ t[8 * 256 + (int) (v >>> 56)]
                    ^ t[7 * 256 + (int) (w & 0xFF)]
                    ^ t[6 * 256 + (int) ((w >>> 8) & 0xFF)]
                    ^ t[5 * 256 + (int) ((w >>> 16) & 0xFF)]
                    ^ t[4 * 256 + (int) ((w >>> 24) & 0xFF)]
                    ^ t[3 * 256 + (int) ((w >>> 32) & 0xFF)]
                    ^ t[2 * 256 + (int) ((w >>> 40) & 0xFF)]
                    ^ t[256 + (int) ((w >>> 48) & 0xFF)]
                    ^ t[(int) (w >>> 56)];
        }
        for (; i < end; i++) {
            register = crc.updateByte(register, segment.get(ValueLayout.JAVA_BYTE, i));
        }
        return register;
    }
}
