package dev.csum.checksum;

/**
 * A 16-bit CRC with init 0 and no final xor, described as a register machine, plus the tables
 * every implementation derives from it. Two exist: {@link #CCITT} (reflected) and {@link #T10DIF}.
 *
 * <p>Terms used by all implementations:
 * <ul>
 *   <li><b>absorb</b> a byte {@code b}: {@code register ^= place(b)} where {@code place(b)} puts
 *       {@code b} where the next table index is taken from: the low byte for a reflected CRC, the
 *       high byte otherwise;</li>
 *   <li><b>advance</b> by one byte: {@code register = step(register)}, the byte-wise update with a
 *       zero input byte.</li>
 * </ul>
 * Processing byte {@code b} is "absorb, then advance". Because init is 0 and there is no final xor,
 * the CRC is linear over GF(2): advancing {@code k} bytes is a fixed 16×16 bit matrix, and the
 * register after a message is the XOR of each byte's contribution. The vector kernel relies on that.
 */
final class Crc16Definition {

    /** Linux {@code crc_ccitt}: reflected polynomial 0x8408 (x^16 + x^12 + x^5 + 1), init 0. */
    static final Crc16Definition CCITT = new Crc16Definition(ChecksumAlgorithm.CRC16_CCITT, true, 0x8408);
    /** T10-DIF guard: polynomial 0x8BB7, not reflected, init 0. */
    static final Crc16Definition T10DIF = new Crc16Definition(ChecksumAlgorithm.CRC16_T10DIF, false, 0x8BB7);

    /** Bytes consumed per iteration of {@link #updateSlicing}. */
    static final int SLICES = 16;

    final ChecksumAlgorithm algorithm;
    final boolean reflected;
    /** The polynomial in the register's bit order (bit-reversed for a reflected CRC). */
    final int polynomial;
    /** Byte-wise table: the register change caused by the 8 bits of its index. */
    final int[] byteTable = new int[256];
    /** {@code sliceTable[m * 256 + v]} = advance(place(v)) by {@code m + 1} bytes. */
    final int[] sliceTable = new int[SLICES * 256];

    private Crc16Definition(ChecksumAlgorithm algorithm, boolean reflected, int polynomial) {
        this.algorithm = algorithm;
        this.reflected = reflected;
        this.polynomial = polynomial;
        for (int v = 0; v < 256; v++) {
            byteTable[v] = bitwiseTableEntry(v);
        }
        for (int v = 0; v < 256; v++) {
            int register = place(v);
            for (int m = 0; m < SLICES; m++) {
                register = step(register);
                sliceTable[m * 256 + v] = register;
            }
        }
    }

    static Crc16Definition of(ChecksumAlgorithm algorithm) {
        return switch (algorithm) {
            case CRC16_CCITT -> CCITT;
            case CRC16_T10DIF -> T10DIF;
            case CRC32C -> throw new IllegalArgumentException("not a 16-bit CRC: " + algorithm);
        };
    }

    private int bitwiseTableEntry(int v) {
        int register = place(v);
        for (int bit = 0; bit < 8; bit++) {
            if (reflected) {
                register = (register & 1) != 0 ? (register >>> 1) ^ polynomial : register >>> 1;
            } else {
                register = (register & 0x8000) != 0 ? ((register << 1) ^ polynomial) & 0xFFFF : (register << 1) & 0xFFFF;
            }
        }
        return register;
    }

    /** Where an input byte is xored into the register. */
    int place(int byteValue) {
        return reflected ? byteValue & 0xFF : (byteValue & 0xFF) << 8;
    }

    /** Advances the register by one zero byte. */
    int step(int register) {
        return updateByte(register, 0);
    }

    /** Advances the register by {@code bytes} zero bytes. */
    int advance(int register, long bytes) {
        for (long i = 0; i < bytes; i++) {
            register = step(register);
        }
        return register;
    }

    /** The byte-wise table update: the simple scalar reference. */
    int updateByte(int register, int byteValue) {
        if (reflected) {
            return (register >>> 8) ^ byteTable[(register ^ byteValue) & 0xFF];
        }
        return ((register << 8) & 0xFFFF) ^ byteTable[((register >>> 8) ^ byteValue) & 0xFF];
    }

    /** The register after absorbing the 8 bytes of {@code value} in little-endian order. */
    int updateLongLittleEndian(int register, long value) {
        long v = value ^ (reflected ? register : Short.reverseBytes((short) register) & 0xFFFF);
        int[] t = sliceTable;
        return t[7 * 256 + (int) (v & 0xFF)]
                ^ t[6 * 256 + (int) ((v >>> 8) & 0xFF)]
                ^ t[5 * 256 + (int) ((v >>> 16) & 0xFF)]
                ^ t[4 * 256 + (int) ((v >>> 24) & 0xFF)]
                ^ t[3 * 256 + (int) ((v >>> 32) & 0xFF)]
                ^ t[2 * 256 + (int) ((v >>> 40) & 0xFF)]
                ^ t[256 + (int) ((v >>> 48) & 0xFF)]
                ^ t[(int) (v >>> 56)];
    }
}
