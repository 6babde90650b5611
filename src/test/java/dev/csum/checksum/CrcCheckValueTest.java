package dev.csum.checksum;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The catalogue check values: each CRC of the ASCII string "123456789". */
class CrcCheckValueTest {

    private static final byte[] CHECK = "123456789".getBytes(StandardCharsets.US_ASCII);

    @Test
    void crc32cCheckValue() {
        assertEquals(0xE3069283, Crc32c.of(MemorySegment.ofArray(CHECK)));
        assertEquals(0xE3069283, CrcReference.crc32c(CHECK));
    }

    @Test
    void crc16CcittCheckValueInEveryKernel() {
        assertEquals(0x2189, CrcReference.crc16Reflected(CHECK, 0x8408));
        for (Crc16Kernel kernel : Crc16Kernel.values()) {
            assertEquals(0x2189, new Crc16BlockChecksum(ChecksumAlgorithm.CRC16_CCITT, kernel).crc(MemorySegment.ofArray(CHECK)), kernel.name());
        }
    }

    @Test
    void crc16T10difCheckValueInEveryKernel() {
        assertEquals(0xD0DB, CrcReference.crc16Normal(CHECK, 0x8BB7));
        for (Crc16Kernel kernel : Crc16Kernel.values()) {
            assertEquals(0xD0DB, new Crc16BlockChecksum(ChecksumAlgorithm.CRC16_T10DIF, kernel).crc(MemorySegment.ofArray(CHECK)), kernel.name());
        }
    }

    @Test
    void fieldZeroedVariantEqualsTheChecksumOfACopyWithTheFieldZeroed() {
        byte[] data = new byte[64];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 37 + 11);
        }
        byte[] zeroed = data.clone();
        java.util.Arrays.fill(zeroed, 8, 12, (byte) 0);
        assertEquals(CrcReference.crc32c(zeroed), Crc32c.ofWithFieldZeroed(MemorySegment.ofArray(data), 8));
        assertEquals(0, data[8] == 0 ? 1 : 0, "the input is not modified");
    }
}
