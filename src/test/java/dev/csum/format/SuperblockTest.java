package dev.csum.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.checksum.ChecksumAlgorithm;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SuperblockTest {

    static final UUID UUID_FIXED = UUID.fromString("01234567-89ab-cdef-0123-456789abcdef");

    static Superblock sample(int blockSize, MetadataPlacement placement, DeviceRole role) {
        return new Superblock(1, UUID_FIXED, blockSize, ChecksumAlgorithm.CRC16_T10DIF, 1000, placement, role, 0);
    }

    private static MemorySegment encoded(Superblock superblock) {
        MemorySegment block = MemorySegment.ofArray(new byte[superblock.blockSizeBytes()]);
        superblock.encode(block);
        return block;
    }

    @Test
    void encodedBytesArePinned() {
        byte[] bytes = encoded(sample(4096, MetadataPlacement.SEPARATE, DeviceRole.METADATA)).toArray(ValueLayout.JAVA_BYTE);
        String expected = "4353554d564f4c1a" // magic "CSUMVOL" 0x1A
                + "c038b712"                 // checksum (CRC-32C, little-endian)
                + "01000000"                 // format version 1
                + "0123456789abcdef0123456789abcdef" // UUID in RFC 4122 order
                + "00100000"                 // block size 4096
                + "0300"                     // crc16-t10dif
                + "01"                       // separate
                + "02"                       // role metadata
                + "e803000000000000"         // 1000 data blocks
                + "fe010000"                 // 510 tuples per group
                + "00000000"                 // flags
                + "0200000000000000";        // 2 groups
        assertEquals(expected, HexFormat.of().formatHex(bytes, 0, 64));
        for (int i = 64; i < bytes.length; i++) {
            assertEquals(0, bytes[i], "byte " + i);
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        byte[] zeroed = bytes.clone();
        java.util.Arrays.fill(zeroed, 8, 12, (byte) 0);
        crc.update(zeroed);
        assertEquals(0x12b738c0, (int) crc.getValue(), "the checksum field is CRC-32C of the block with the field zeroed");
    }

    @Test
    void roundTripsEveryCombination() throws InvalidVolumeException {
        for (int blockSize : new int[] {512, 4096}) {
            for (ChecksumAlgorithm algorithm : ChecksumAlgorithm.values()) {
                for (DeviceRole role : DeviceRole.values()) {
                    MetadataPlacement placement = role == DeviceRole.COMBINED ? MetadataPlacement.INTERLEAVED : MetadataPlacement.SEPARATE;
                    Superblock superblock = new Superblock(1, UUID.randomUUID(), blockSize, algorithm, 123_456_789L, placement, role, 0);
                    assertEquals(superblock, Superblock.decode(encoded(superblock)));
                }
            }
        }
        // A longer segment (e.g. a 4096-byte read of a 512-byte-block volume) decodes too.
        Superblock small = sample(512, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED);
        MemorySegment big = MemorySegment.ofArray(new byte[4096]);
        small.encode(big.asSlice(0, 512));
        assertEquals(small, Superblock.decode(big));
    }

    @Test
    void everySingleBitFlipIsDetected() {
        for (int blockSize : new int[] {512, 4096}) {
            MemorySegment block = encoded(sample(blockSize, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED));
            for (long bit = 0; bit < blockSize * 8L; bit++) {
                long offset = bit / 8;
                byte original = block.get(ValueLayout.JAVA_BYTE, offset);
                block.set(ValueLayout.JAVA_BYTE, offset, (byte) (original ^ (1 << (bit % 8))));
                long flipped = bit;
                assertThrows(InvalidVolumeException.class, () -> Superblock.decode(block), "bit " + flipped);
                block.set(ValueLayout.JAVA_BYTE, offset, original);
            }
        }
    }

    @Test
    void refusalsNameTheProblem() {
        assertMessage("not a csum volume (bad magic)", MemorySegment.ofArray(new byte[4096]));
        MemorySegment block = encoded(sample(512, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED));
        block.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), Superblock.FORMAT_VERSION_OFFSET, 7);
        assertMessage("unsupported format version 7 (this build reads 1)", block);
        block = encoded(sample(512, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED));
        block.set(ValueLayout.JAVA_BYTE, 100, (byte) 1);
        assertMessage("superblock checksum mismatch", block);
        assertMessage("truncated", MemorySegment.ofArray(new byte[100]));
        MemorySegment big = encoded(sample(4096, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED));
        assertMessage("truncated: superblock needs 4096 bytes, got 512", big.asSlice(0, 512));
    }

    private static void assertMessage(String expected, MemorySegment block) {
        InvalidVolumeException e = assertThrows(InvalidVolumeException.class, () -> Superblock.decode(block));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }

    @Test
    void derivedValues() {
        Superblock superblock = sample(512, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED);
        assertEquals(0x67452301, superblock.volumeTag(), "UUID bytes 01 23 45 67 read little-endian");
        assertEquals(62, superblock.tuplesPerGroup());
        assertEquals(Geometry.of(512, 1000, MetadataPlacement.INTERLEAVED), superblock.geometry());
        assertEquals(DeviceRole.DATA, sample(512, MetadataPlacement.SEPARATE, DeviceRole.METADATA).withRole(DeviceRole.DATA).role());
    }

    @Test
    void inconsistentRecordsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> sample(512, MetadataPlacement.INTERLEAVED, DeviceRole.DATA));
        assertThrows(IllegalArgumentException.class, () -> sample(512, MetadataPlacement.SEPARATE, DeviceRole.COMBINED));
        assertThrows(IllegalArgumentException.class,
                () -> new Superblock(2, UUID_FIXED, 512, ChecksumAlgorithm.CRC32C, 10, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new Superblock(1, UUID_FIXED, 512, ChecksumAlgorithm.CRC32C, 10, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED, 4));
        assertThrows(IllegalArgumentException.class,
                () -> new Superblock(1, UUID_FIXED, 2048, ChecksumAlgorithm.CRC32C, 10, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED, 0));
    }
}
