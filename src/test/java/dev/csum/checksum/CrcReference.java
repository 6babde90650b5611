package dev.csum.checksum;

/**
 * Bit-at-a-time CRCs written straight from their textbook definitions, independent of the
 * production tables: the oracle for the kernels.
 */
final class CrcReference {

    private CrcReference() {
    }

    /** Reflected 16-bit CRC, init 0, no final xor (crc16-ccitt: poly 0x8408). */
    static int crc16Reflected(byte[] data, int polynomialReflected) {
        int crc = 0;
        for (byte b : data) {
            crc ^= b & 0xFF;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ polynomialReflected : crc >>> 1;
            }
        }
        return crc;
    }

    /** Non-reflected 16-bit CRC, init 0, no final xor (crc16-t10dif: poly 0x8BB7). */
    static int crc16Normal(byte[] data, int polynomial) {
        int crc = 0;
        for (byte b : data) {
            crc ^= (b & 0xFF) << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ polynomial) & 0xFFFF : (crc << 1) & 0xFFFF;
            }
        }
        return crc;
    }

    /** CRC-32C: reflected poly 0x82F63B78, init and final xor 0xFFFFFFFF. */
    static int crc32c(byte[] data) {
        int crc = 0xFFFFFFFF;
        for (byte b : data) {
            crc ^= b & 0xFF;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
            }
        }
        return ~crc;
    }

    static int blockChecksum(ChecksumAlgorithm algorithm, byte[] block, long logicalBlockAddress) {
        byte[] message = java.util.Arrays.copyOf(block, block.length + 8);
        for (int i = 0; i < 8; i++) {
            message[block.length + i] = (byte) (logicalBlockAddress >>> (8 * i));
        }
        return switch (algorithm) {
            case CRC32C -> crc32c(message);
            case CRC16_CCITT -> crc16Reflected(message, 0x8408);
            case CRC16_T10DIF -> crc16Normal(message, 0x8BB7);
        };
    }
}
