package dev.csum.checksum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChecksumAlgorithmTest {

    @Test
    void onDiskIdsNamesAndWidthsAreFixed() {
        assertEquals(1, ChecksumAlgorithm.CRC32C.id());
        assertEquals(2, ChecksumAlgorithm.CRC16_CCITT.id());
        assertEquals(3, ChecksumAlgorithm.CRC16_T10DIF.id());
        assertEquals("crc32c", ChecksumAlgorithm.CRC32C.displayName());
        assertEquals("crc16-ccitt", ChecksumAlgorithm.CRC16_CCITT.displayName());
        assertEquals("crc16-t10dif", ChecksumAlgorithm.CRC16_T10DIF.displayName());
        assertEquals(32, ChecksumAlgorithm.CRC32C.widthBits());
        assertEquals(16, ChecksumAlgorithm.CRC16_CCITT.widthBits());
        assertEquals(16, ChecksumAlgorithm.CRC16_T10DIF.widthBits());
    }

    @Test
    void lookupsRoundTrip() {
        for (ChecksumAlgorithm algorithm : ChecksumAlgorithm.values()) {
            assertEquals(algorithm, ChecksumAlgorithm.fromId(algorithm.id()));
            assertEquals(algorithm, ChecksumAlgorithm.fromName(algorithm.displayName()));
            assertEquals(algorithm, ChecksumAlgorithm.fromName(algorithm.displayName().toUpperCase()));
            assertEquals(algorithm, algorithm.newChecksum().algorithm());
        }
    }

    @Test
    void unknownIdIsNamedInTheError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChecksumAlgorithm.fromId(9));
        assertTrue(e.getMessage().contains("id 9"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ChecksumAlgorithm.fromId(0));
    }

    @Test
    void unknownNameListsValidNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChecksumAlgorithm.fromName("md5"));
        assertTrue(e.getMessage().contains("'md5'"), e.getMessage());
        assertTrue(e.getMessage().contains("crc32c, crc16-ccitt, crc16-t10dif"), e.getMessage());
    }

    @Test
    void sixteenBitChecksumsUseTheFastestAvailableKernel() {
        Crc16BlockChecksum checksum = (Crc16BlockChecksum) ChecksumAlgorithm.CRC16_CCITT.newChecksum();
        assertEquals(Crc16Kernel.fastest(), checksum.kernel());
        assertTrue(Crc16Kernel.VECTOR.available(), "tests run with --add-modules=jdk.incubator.vector");
        assertEquals(Crc16Kernel.VECTOR, Crc16Kernel.fastest());
    }
}
