package dev.csum.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.checksum.ChecksumAlgorithm;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
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
    void everySingleBitFlipIsDetectedAsDamageNeverAsAnotherVersion() {
        for (int blockSize : new int[] {512, 4096}) {
            MemorySegment block = encoded(sample(blockSize, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED));
            for (long bit = 0; bit < blockSize * 8L; bit++) {
                long offset = bit / 8;
                byte original = block.get(ValueLayout.JAVA_BYTE, offset);
                block.set(ValueLayout.JAVA_BYTE, offset, (byte) (original ^ (1 << (bit % 8))));
                assertEquals(SuperblockValidity.DAMAGED, Superblock.inspect(block).validity(), "bit " + bit);
                block.set(ValueLayout.JAVA_BYTE, offset, original);
            }
        }
    }

    @Test
    void refusalsNameTheProblem() {
        assertMessage("not a csum volume (bad magic)", MemorySegment.ofArray(new byte[4096]));
        MemorySegment block = encoded(sample(512, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED));
        block.set(SuperblockEdits.U32, Superblock.FORMAT_VERSION_OFFSET, 7);
        SuperblockEdits.reseal(block);
        assertMessage("unsupported format version 7 (this build reads 1)", block);
        block = encoded(sample(512, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED));
        block.set(ValueLayout.JAVA_BYTE, 100, (byte) 1);
        assertMessage("superblock checksum mismatch", block);
        assertMessage("truncated", MemorySegment.ofArray(new byte[100]));
        MemorySegment big = encoded(sample(4096, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED));
        assertMessage("truncated: superblock needs 4096 bytes, got 512", big.asSlice(0, 512));
    }

    /** The sample 512-byte superblock with {@code edit} applied, checksum recomputed or not. */
    private static SuperblockValidity validityAfter(boolean resealed, Consumer<MemorySegment> edit) {
        MemorySegment block = encoded(sample(512, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED));
        edit.accept(block);
        if (resealed) {
            SuperblockEdits.reseal(block);
        }
        return Superblock.inspect(block).validity();
    }

    @Test
    void anIntactSuperblockThisBuildDoesNotAcceptIsUnsupportedAndTheSameEditWithAStaleChecksumIsDamaged() {
        List<Consumer<MemorySegment>> edits = List.of(
                block -> block.set(SuperblockEdits.U32, Superblock.FORMAT_VERSION_OFFSET, 2),
                block -> block.set(SuperblockEdits.U32, Superblock.FLAGS_OFFSET, 1),
                block -> block.set(ValueLayout.JAVA_BYTE, Superblock.CHECKSUM_ALGORITHM_OFFSET, (byte) 9),
                block -> block.set(ValueLayout.JAVA_BYTE, Superblock.ROLE_OFFSET, (byte) DeviceRole.DATA.code()),
                block -> block.set(SuperblockEdits.U32, Superblock.TUPLES_PER_GROUP_OFFSET, 61),
                block -> block.set(ValueLayout.JAVA_BYTE, 300, (byte) 1));
        for (int i = 0; i < edits.size(); i++) {
            assertEquals(SuperblockValidity.UNSUPPORTED, validityAfter(true, edits.get(i)), "edit " + i + " resealed");
            assertEquals(SuperblockValidity.DAMAGED, validityAfter(false, edits.get(i)), "edit " + i + " not resealed");
        }
        assertEquals(SuperblockValidity.VALID, validityAfter(true, block -> { }));
    }

    @Test
    void anotherVersionsLargerBlockIsCheckedOverItsWholeSize() {
        // A future version with 8 KiB blocks: intact when all 8192 bytes are there, damaged (cannot be
        // checked) when the device ends first; a block size no version may use is damage.
        MemorySegment future = MemorySegment.ofArray(new byte[8192]);
        MemorySegment.copy(encoded(sample(4096, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED)), 0, future, 0, 4096);
        future.set(SuperblockEdits.U32, Superblock.FORMAT_VERSION_OFFSET, 2);
        future.set(SuperblockEdits.U32, Superblock.BLOCK_SIZE_OFFSET, 8192);
        future.set(ValueLayout.JAVA_BYTE, 6000, (byte) 0x5a);
        SuperblockEdits.reseal(future);
        Superblock.Decoded intact = Superblock.inspect(future);
        assertEquals(SuperblockValidity.UNSUPPORTED, intact.validity());
        assertTrue(intact.problem().getMessage().startsWith("unsupported format version 2"), intact.problem().getMessage());
        assertEquals(SuperblockValidity.DAMAGED, Superblock.inspect(future.asSlice(0, 4096)).validity());
        future.set(SuperblockEdits.U32, Superblock.BLOCK_SIZE_OFFSET, 3000);
        SuperblockEdits.reseal(future);
        assertEquals(SuperblockValidity.DAMAGED, Superblock.inspect(future).validity());
    }

    @Test
    void theFieldsEveryVersionSharesKeepTheirPlaces() {
        // docs/FORMAT.md §3.1: changing any of these breaks telling damage from another version.
        assertEquals(0, Superblock.MAGIC_OFFSET);
        assertEquals(8, Superblock.CHECKSUM_OFFSET);
        assertEquals(12, Superblock.FORMAT_VERSION_OFFSET);
        assertEquals(32, Superblock.BLOCK_SIZE_OFFSET);
        assertEquals(65536, Superblock.MAX_BLOCK_BYTES_ANY_VERSION);
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
