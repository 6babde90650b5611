package dev.csum.checksum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * Pins the on-disk checksum values of fixed inputs. If this fails, the format changed: every
 * existing volume would read as corrupt. Change the literals only together with FORMAT_VERSION.
 */
class ChecksumStabilityTest {

    /** Fixture block for {@code seed}: byte j = (j * 31 + seed * 7 + 1) mod 256; all zeros for seed -1. */
    static byte[] fixtureBlock(int size, int seed) {
        byte[] block = new byte[size];
        if (seed < 0) {
            return block;
        }
        for (int j = 0; j < size; j++) {
            block[j] = (byte) (j * 31 + seed * 7 + 1);
        }
        return block;
    }

    private static int checksum(ChecksumAlgorithm algorithm, byte[] block, long address) {
        return algorithm.newChecksum().blockChecksum(MemorySegment.ofArray(block), address);
    }

    @Test
    void pinnedValues() {
        // algorithm, block size, fixture seed, logical block address, expected checksum
        Object[][] cases = PINNED;
        for (Object[] c : cases) {
            ChecksumAlgorithm algorithm = (ChecksumAlgorithm) c[0];
            byte[] block = fixtureBlock((Integer) c[1], (Integer) c[2]);
            long address = (Long) c[3];
            int expected = (Integer) c[4];
            String label = algorithm + " size " + c[1] + " seed " + c[2] + " address " + address;
            assertEquals(expected, checksum(algorithm, block, address), label);
            assertEquals(expected, CrcReference.blockChecksum(algorithm, block, address), "reference " + label);
        }
    }

    @Test
    void theSameBytesAtAnotherAddressHaveAnotherChecksum() {
        for (ChecksumAlgorithm algorithm : ChecksumAlgorithm.values()) {
            byte[] block = fixtureBlock(4096, 3);
            assertNotEquals(checksum(algorithm, block, 1000), checksum(algorithm, block, 1001), algorithm.displayName());
            assertNotEquals(checksum(algorithm, block, 0), checksum(algorithm, block, 1L << 40), algorithm.displayName());
        }
    }

    @Test
    void sixteenBitValuesHaveZeroUpperBits() {
        for (int seed = 0; seed < 64; seed++) {
            assertEquals(0, checksum(ChecksumAlgorithm.CRC16_CCITT, fixtureBlock(512, seed), seed) >>> 16);
            assertEquals(0, checksum(ChecksumAlgorithm.CRC16_T10DIF, fixtureBlock(512, seed), seed) >>> 16);
        }
    }

    static final Object[][] PINNED = {
        {ChecksumAlgorithm.CRC32C, 512, 0, 0x0000000000000000L, 0x7729EA74},
        {ChecksumAlgorithm.CRC32C, 512, 5, 0x0000000000000001L, 0x0C6B6672},
        {ChecksumAlgorithm.CRC32C, 4096, 0, 0x000000000000003EL, 0x67123E8C},
        {ChecksumAlgorithm.CRC32C, 4096, 5, 0x0123456789ABCDEFL, 0xC72C719C},
        {ChecksumAlgorithm.CRC16_CCITT, 512, 0, 0xFFFFFFFFFFFFFFFFL, 0x0000AA81},
        {ChecksumAlgorithm.CRC16_CCITT, 512, 5, 0x0000000000000000L, 0x0000426A},
        {ChecksumAlgorithm.CRC16_CCITT, 4096, 0, 0x0000000000000001L, 0x00005992},
        {ChecksumAlgorithm.CRC16_CCITT, 4096, 5, 0x000000000000003EL, 0x0000395E},
        {ChecksumAlgorithm.CRC16_T10DIF, 512, 0, 0x0123456789ABCDEFL, 0x00009182},
        {ChecksumAlgorithm.CRC16_T10DIF, 512, 5, 0xFFFFFFFFFFFFFFFFL, 0x00003831},
        {ChecksumAlgorithm.CRC16_T10DIF, 4096, 0, 0x0000000000000000L, 0x0000DFC8},
        {ChecksumAlgorithm.CRC16_T10DIF, 4096, 5, 0x0000000000000001L, 0x00000E22},
        {ChecksumAlgorithm.CRC32C, 4096, -1 /*zeros*/, 7L, 0xA7E67533},
        {ChecksumAlgorithm.CRC16_CCITT, 4096, -1 /*zeros*/, 7L, 0x00009C0E},
        {ChecksumAlgorithm.CRC16_T10DIF, 4096, -1 /*zeros*/, 7L, 0x0000E9ED},
    };
}
