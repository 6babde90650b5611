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

    /** A version 2 superblock: 1000 data blocks, a log of 64 blocks, the data area zeroed. */
    static Superblock sample(int blockSize, MetadataPlacement placement, DeviceRole role) {
        return new Superblock(2, UUID_FIXED, blockSize, ChecksumAlgorithm.CRC16_T10DIF, 1000, placement, role,
                Superblock.FLAG_DATA_ZEROED, 64);
    }

    /** The same volume as a version 1 build wrote it: no log, no flags. */
    static Superblock sampleVersion1(int blockSize, MetadataPlacement placement, DeviceRole role) {
        return new Superblock(1, UUID_FIXED, blockSize, ChecksumAlgorithm.CRC16_T10DIF, 1000, placement, role, 0, 0);
    }

    private static MemorySegment encoded(Superblock superblock) {
        MemorySegment block = MemorySegment.ofArray(new byte[superblock.blockSizeBytes()]);
        superblock.encode(block);
        return block;
    }

    /** Bytes 16 to 51 of both samples (version 2 and version 1), as both versions encode them. */
    /** Bytes 8..11 of the LOG_SECTORS sample (FORMAT.md §3). */
    private static final String LOG_SECTORS_SAMPLE_CHECKSUM = "84c9e21e";

    private static final String SAMPLE_BYTES_16_TO_51 = "0123456789abcdef0123456789abcdef" // UUID in RFC 4122 order
            + "00100000"                 // block size 4096
            + "0300"                     // crc16-t10dif
            + "01"                       // separate
            + "02"                       // role metadata
            + "e803000000000000"         // 1000 data blocks
            + "fe010000";                // 510 tuples per group

    @Test
    void encodedBytesArePinned() {
        byte[] bytes = encoded(sample(4096, MetadataPlacement.SEPARATE, DeviceRole.METADATA)).toArray(ValueLayout.JAVA_BYTE);
        String expected = "4353554d564f4c1a" // magic "CSUMVOL" 0x1A
                + "b2b25c57"                 // checksum (CRC-32C, little-endian)
                + "02000000"                 // format version 2
                + SAMPLE_BYTES_16_TO_51
                + "01000000"                 // flags: DATA_ZEROED
                + "0200000000000000"         // 2 groups
                + "0500000000000000"         // log at metadata block 5 (after the superblock and 2 pairs)
                + "4000000000000000"         // log of 64 blocks
                + "00".repeat(48);           // reserved
        assertEquals(expected, HexFormat.of().formatHex(bytes, 0, 128));
        for (int i = 128; i < bytes.length; i++) {
            assertEquals(0, bytes[i], "byte " + i);
        }
        assertEquals(0x575cb2b2, crc32cWithFieldZeroed(bytes), "the checksum field is CRC-32C of the whole block with the field zeroed");
    }

    /**
     * FORMAT.md §3's second pinned example: the same volume with {@code LOG_SECTORS} (flags 3), whose
     * log of 64 blocks of 4096 bytes is cut into 512 log blocks of 512 bytes.
     */
    @Test
    void logSectorsArePinnedAsFlagBit1AndCutTheSameRegionIntoSectors() throws InvalidVolumeException {
        Superblock base = sample(4096, MetadataPlacement.SEPARATE, DeviceRole.METADATA);
        Superblock sectors = new Superblock(2, UUID_FIXED, 4096, ChecksumAlgorithm.CRC16_T10DIF, 1000,
            MetadataPlacement.SEPARATE, DeviceRole.METADATA, Superblock.FLAG_DATA_ZEROED | Superblock.FLAG_LOG_SECTORS, 64);
        byte[] bytes = encoded(sectors).toArray(ValueLayout.JAVA_BYTE);
        byte[] without = encoded(base).toArray(ValueLayout.JAVA_BYTE);
        assertEquals("03000000", HexFormat.of().formatHex(bytes, 52, 56), "flags: DATA_ZEROED | LOG_SECTORS");
        assertEquals(LOG_SECTORS_SAMPLE_CHECKSUM, HexFormat.of().formatHex(bytes, 8, 12));
        for (int i = 0; i < bytes.length; i++) {
            if ((i < 8 || i >= 12) && (i < 52 || i >= 56)) {
                assertEquals(without[i], bytes[i], "byte " + i);
            }
        }
        assertEquals(sectors, Superblock.decode(MemorySegment.ofArray(bytes)));
        assertEquals(new LogRegion(5 * 4096, 4096, 64), base.logRegion(), "without the flag: log blocks of B");
        assertEquals(new LogRegion(5 * 4096, 512, 512), sectors.logRegion(), "the same 256 KiB in 512-byte log blocks");
        assertEquals(4096, base.ioUnitBytes());
        assertEquals(512, sectors.ioUnitBytes());
        assertTrue(sectors.logSectors() && !base.logSectors());
    }

    /** FORMAT.md §8.1's pinned example: the same superblock with a log sequence ceiling of 0x1_0000_002A. */
    @Test
    void aSequenceCeilingIsPinnedAtByte80AndOnlyThereAndInTheChecksum() throws InvalidVolumeException {
        Superblock superblock = sample(4096, MetadataPlacement.SEPARATE, DeviceRole.METADATA);
        MemorySegment block = MemorySegment.ofArray(new byte[4096]);
        superblock.encode(block, 0x1_0000_002AL);
        byte[] bytes = block.toArray(ValueLayout.JAVA_BYTE);
        byte[] without = encoded(superblock).toArray(ValueLayout.JAVA_BYTE);
        assertEquals("2a00000001000000", HexFormat.of().formatHex(bytes, 80, 88));
        assertEquals(CEILING_SAMPLE_CHECKSUM, HexFormat.of().formatHex(bytes, 8, 12));
        for (int i = 0; i < bytes.length; i++) {
            if ((i < 8 || i >= 12) && (i < 80 || i >= 88)) {
                assertEquals(without[i], bytes[i], "byte " + i);
            }
        }
        assertEquals(superblock, Superblock.decode(block), "the ceiling is not part of the superblock's identity");
        assertEquals(0x1_0000_002AL, Superblock.sequenceCeiling(block));
        assertEquals(0, Superblock.sequenceCeiling(encoded(superblock)));
        assertEquals(0, Superblock.sequenceCeiling(encoded(sampleVersion1(4096, MetadataPlacement.SEPARATE, DeviceRole.METADATA))));
        assertThrows(IllegalArgumentException.class, () -> sampleVersion1(4096, MetadataPlacement.SEPARATE, DeviceRole.METADATA)
                .encode(MemorySegment.ofArray(new byte[4096]), 5), "version 1 has no ceiling");
    }

    /** Bytes 8..11 of {@link #aSequenceCeilingIsPinnedAtByte80AndOnlyThereAndInTheChecksum}'s block (FORMAT.md §8.1). */
    private static final String CEILING_SAMPLE_CHECKSUM = "eed5e0df";

    /** Version 1 as a version 1 build wrote it (this build still encodes it, for tests and for reading). */
    @Test
    void version1EncodedBytesArePinned() {
        byte[] bytes = encoded(sampleVersion1(4096, MetadataPlacement.SEPARATE, DeviceRole.METADATA)).toArray(ValueLayout.JAVA_BYTE);
        String expected = "4353554d564f4c1a" // magic "CSUMVOL" 0x1A
                + "c038b712"                 // checksum (CRC-32C, little-endian)
                + "01000000"                 // format version 1
                + SAMPLE_BYTES_16_TO_51
                + "00000000"                 // flags
                + "0200000000000000";        // 2 groups
        assertEquals(expected, HexFormat.of().formatHex(bytes, 0, 64));
        for (int i = 64; i < bytes.length; i++) {
            assertEquals(0, bytes[i], "byte " + i);
        }
        assertEquals(0x12b738c0, crc32cWithFieldZeroed(bytes), "the checksum field is CRC-32C of the block with the field zeroed");
    }

    private static int crc32cWithFieldZeroed(byte[] bytes) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        byte[] zeroed = bytes.clone();
        java.util.Arrays.fill(zeroed, 8, 12, (byte) 0);
        crc.update(zeroed);
        return (int) crc.getValue();
    }

    @Test
    void roundTripsEveryCombination() throws InvalidVolumeException {
        for (int blockSize : new int[] {512, 4096}) {
            for (ChecksumAlgorithm algorithm : ChecksumAlgorithm.values()) {
                for (DeviceRole role : DeviceRole.values()) {
                    MetadataPlacement placement = role == DeviceRole.COMBINED ? MetadataPlacement.INTERLEAVED : MetadataPlacement.SEPARATE;
                    for (Superblock superblock : List.of(
                            new Superblock(2, UUID.randomUUID(), blockSize, algorithm, 123_456_789L, placement, role, 0, 16),
                            new Superblock(2, UUID.randomUUID(), blockSize, algorithm, 123_456_789L, placement, role, 1, 1 << 20),
                            new Superblock(1, UUID.randomUUID(), blockSize, algorithm, 123_456_789L, placement, role, 0, 0))) {
                        assertEquals(superblock, Superblock.decode(encoded(superblock)));
                    }
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
            for (Superblock superblock : List.of(sample(blockSize, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED),
                    sampleVersion1(blockSize, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED))) {
            MemorySegment block = encoded(superblock);
            for (long bit = 0; bit < blockSize * 8L; bit++) {
                long offset = bit / 8;
                byte original = block.get(ValueLayout.JAVA_BYTE, offset);
                block.set(ValueLayout.JAVA_BYTE, offset, (byte) (original ^ (1 << (bit % 8))));
                assertEquals(SuperblockValidity.DAMAGED, Superblock.inspect(block).validity(), "bit " + bit);
                block.set(ValueLayout.JAVA_BYTE, offset, original);
            }
            }
        }
    }

    @Test
    void refusalsNameTheProblem() {
        assertMessage("not a csum volume (bad magic)", MemorySegment.ofArray(new byte[4096]));
        MemorySegment block = encoded(sample(512, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED));
        block.set(SuperblockEdits.U32, Superblock.FORMAT_VERSION_OFFSET, 7);
        SuperblockEdits.reseal(block);
        assertMessage("unsupported format version 7 (this build reads 1 and 2)", block);
        block = encoded(sample(512, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED));
        block.set(ValueLayout.JAVA_BYTE, 100, (byte) 1);
        assertMessage("superblock checksum mismatch", block);
        assertMessage("truncated", MemorySegment.ofArray(new byte[100]));
        MemorySegment big = encoded(sample(4096, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED));
        assertMessage("truncated: superblock needs 4096 bytes, got 512", big.asSlice(0, 512));
    }

    /** The sample 512-byte superblock (of {@code version}) with {@code edit} applied, checksum recomputed or not. */
    private static Superblock.Decoded afterEdit(int version, boolean resealed, Consumer<MemorySegment> edit) {
        MemorySegment block = encoded(version == 1 ? sampleVersion1(512, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED)
                : sample(512, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED));
        edit.accept(block);
        if (resealed) {
            SuperblockEdits.reseal(block);
        }
        return Superblock.inspect(block);
    }

    @Test
    void anIntactSuperblockThisBuildDoesNotAcceptIsUnsupportedAndTheSameEditWithAStaleChecksumIsDamaged() {
        // The sample's layout (interleaved, 512-byte blocks): 17 groups, 1000 data blocks, so the log is at block 1035.
        assertEquals(1035, sample(512, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED).logOffsetBlocks());
        List<Consumer<MemorySegment>> edits = List.of(
                block -> block.set(SuperblockEdits.U32, Superblock.FORMAT_VERSION_OFFSET, 3),
                block -> block.set(SuperblockEdits.U32, Superblock.FLAGS_OFFSET, 4), // bit 2: no flag yet
                block -> block.set(ValueLayout.JAVA_BYTE, Superblock.CHECKSUM_ALGORITHM_OFFSET, (byte) 9),
                block -> block.set(ValueLayout.JAVA_BYTE, Superblock.ROLE_OFFSET, (byte) DeviceRole.DATA.code()),
                block -> block.set(SuperblockEdits.U32, Superblock.TUPLES_PER_GROUP_OFFSET, 61),
                block -> block.set(SuperblockEdits.U64, Superblock.LOG_BLOCK_COUNT_OFFSET, 15),
                block -> block.set(SuperblockEdits.U64, Superblock.LOG_BLOCK_COUNT_OFFSET, -1),
                block -> block.set(SuperblockEdits.U64, Superblock.LOG_OFFSET_BLOCKS_OFFSET, 1034),
                block -> block.set(SuperblockEdits.U64, Superblock.LOG_OFFSET_BLOCKS_OFFSET, 1036),
                block -> block.set(SuperblockEdits.U64, Superblock.LOG_OFFSET_BLOCKS_OFFSET, 0),
                block -> block.set(ValueLayout.JAVA_BYTE, 87, (byte) 0x80), // a sequence ceiling of 2^63 or more
                block -> block.set(ValueLayout.JAVA_BYTE, 88, (byte) 1),
                block -> block.set(ValueLayout.JAVA_BYTE, 127, (byte) 1),
                block -> block.set(ValueLayout.JAVA_BYTE, 300, (byte) 1));
        for (int i = 0; i < edits.size(); i++) {
            assertEquals(SuperblockValidity.UNSUPPORTED, afterEdit(2, true, edits.get(i)).validity(), "edit " + i + " resealed");
            assertEquals(SuperblockValidity.DAMAGED, afterEdit(2, false, edits.get(i)).validity(), "edit " + i + " not resealed");
        }
        assertEquals(SuperblockValidity.VALID, afterEdit(2, true, block -> { }).validity());
        assertEquals(SuperblockValidity.VALID, afterEdit(2, true, block -> block.set(SuperblockEdits.U32,
            Superblock.FLAGS_OFFSET, Superblock.FLAG_DATA_ZEROED | Superblock.FLAG_LOG_SECTORS)).validity());
        assertEquals(SuperblockValidity.VALID, afterEdit(2, true,
                block -> block.set(SuperblockEdits.U64, Superblock.SEQUENCE_CEILING_OFFSET, Long.MAX_VALUE)).validity());
        // Version 1 knows no flags, and its bytes 64 on are reserved (a log's fields there are not version 1).
        List<Consumer<MemorySegment>> version1Edits = List.of(
                block -> block.set(SuperblockEdits.U32, Superblock.FLAGS_OFFSET, Superblock.FLAG_DATA_ZEROED),
                block -> block.set(SuperblockEdits.U32, Superblock.FLAGS_OFFSET, Superblock.FLAG_LOG_SECTORS),
                block -> block.set(SuperblockEdits.U64, Superblock.LOG_BLOCK_COUNT_OFFSET, 64),
                block -> block.set(ValueLayout.JAVA_BYTE, 64, (byte) 1),
                block -> block.set(ValueLayout.JAVA_BYTE, Superblock.SEQUENCE_CEILING_OFFSET, (byte) 1));
        for (int i = 0; i < version1Edits.size(); i++) {
            assertEquals(SuperblockValidity.UNSUPPORTED, afterEdit(1, true, version1Edits.get(i)).validity(), "v1 edit " + i);
        }
        assertEquals(SuperblockValidity.VALID, afterEdit(1, true, block -> { }).validity());
    }

    @Test
    void aMisplacedOrTooShortLogIsRefusedNamingTheProblem() {
        assertEquals("superblock invalid: a tuple log of 15 blocks, shorter than the minimum of 16",
                afterEdit(2, true, block -> block.set(SuperblockEdits.U64, Superblock.LOG_BLOCK_COUNT_OFFSET, 15)).problem().getMessage());
        assertEquals("superblock invalid: the tuple log at block 1034 (64 blocks) overlaps the groups; it belongs right after the last "
                        + "group, at block 1035",
                afterEdit(2, true, block -> block.set(SuperblockEdits.U64, Superblock.LOG_OFFSET_BLOCKS_OFFSET, 1034)).problem().getMessage());
        assertEquals("superblock invalid: the tuple log at block 0 (64 blocks) overlaps the superblock; it belongs right after the last "
                        + "group, at block 1035",
                afterEdit(2, true, block -> block.set(SuperblockEdits.U64, Superblock.LOG_OFFSET_BLOCKS_OFFSET, 0)).problem().getMessage());
        assertEquals("superblock invalid: the tuple log at block 1036 (64 blocks) does not follow the last group; it belongs right after "
                        + "the last group, at block 1035",
                afterEdit(2, true, block -> block.set(SuperblockEdits.U64, Superblock.LOG_OFFSET_BLOCKS_OFFSET, 1036)).problem().getMessage());
        assertEquals("superblock invalid: a tuple log of 18446744073709551615 blocks overflows a 64-bit byte offset",
                afterEdit(2, true, block -> block.set(SuperblockEdits.U64, Superblock.LOG_BLOCK_COUNT_OFFSET, -1)).problem().getMessage());
        assertTrue(afterEdit(2, true, block -> block.set(SuperblockEdits.U64, Superblock.LOG_BLOCK_COUNT_OFFSET, Long.MAX_VALUE / 512))
                .problem().getMessage().contains("overflow a 64-bit byte offset"));
    }

    @Test
    void anotherVersionsLargerBlockIsCheckedOverItsWholeSize() {
        // A future version with 8 KiB blocks: intact when all 8192 bytes are there, damaged (cannot be
        // checked) when the device ends first; a block size no version may use is damage.
        MemorySegment future = MemorySegment.ofArray(new byte[8192]);
        MemorySegment.copy(encoded(sample(4096, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED)), 0, future, 0, 4096);
        future.set(SuperblockEdits.U32, Superblock.FORMAT_VERSION_OFFSET, 3);
        future.set(SuperblockEdits.U32, Superblock.BLOCK_SIZE_OFFSET, 8192);
        future.set(ValueLayout.JAVA_BYTE, 6000, (byte) 0x5a);
        SuperblockEdits.reseal(future);
        Superblock.Decoded intact = Superblock.inspect(future);
        assertEquals(SuperblockValidity.UNSUPPORTED, intact.validity());
        assertTrue(intact.problem().getMessage().startsWith("unsupported format version 3"), intact.problem().getMessage());
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
        assertEquals(Geometry.of(512, 1000, MetadataPlacement.INTERLEAVED, 64), superblock.geometry());
        assertEquals(DeviceRole.DATA, sample(512, MetadataPlacement.SEPARATE, DeviceRole.METADATA).withRole(DeviceRole.DATA).role());
        assertEquals(64, superblock.logBlockCount());
        assertEquals(1 + 2 * 17 + 1000, superblock.logOffsetBlocks(), "after the last group");
        assertEquals(1 + 2 * 17, sample(512, MetadataPlacement.SEPARATE, DeviceRole.DATA).logOffsetBlocks(), "after the last pair");
        assertTrue(superblock.dataZeroed());
        assertEquals(128, superblock.encodedBytes());
        Superblock version1 = sampleVersion1(512, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED);
        assertEquals(0, version1.logBlockCount());
        assertEquals(64, version1.encodedBytes());
        assertEquals(Geometry.of(512, 1000, MetadataPlacement.INTERLEAVED, 0), version1.geometry());
        assertEquals(false, version1.dataZeroed());
    }

    @Test
    void aWritableOpenOfAVersion1VolumeIsRefusedWithOneLine() throws InvalidVolumeException {
        sample(512, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED).refuseWritableOpen();
        InvalidVolumeException refused = assertThrows(InvalidVolumeException.class,
                () -> sampleVersion1(512, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED).refuseWritableOpen());
        assertEquals("format version 1 volume: open it read-only, or run 'csum convert VOLUME' to add the tuple log (format version 2)",
                refused.getMessage());
    }

    @Test
    void inconsistentRecordsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> sample(512, MetadataPlacement.INTERLEAVED, DeviceRole.DATA));
        assertThrows(IllegalArgumentException.class, () -> sample(512, MetadataPlacement.SEPARATE, DeviceRole.COMBINED));
        assertThrows(IllegalArgumentException.class,
                () -> new Superblock(3, UUID_FIXED, 512, ChecksumAlgorithm.CRC32C, 10, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED, 0, 16));
        assertThrows(IllegalArgumentException.class,
                () -> new Superblock(2, UUID_FIXED, 512, ChecksumAlgorithm.CRC32C, 10, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED, 4, 16));
        assertThrows(IllegalArgumentException.class,
                () -> new Superblock(1, UUID_FIXED, 512, ChecksumAlgorithm.CRC32C, 10, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED, 1, 0),
                "version 1 knows no flags");
        assertThrows(IllegalArgumentException.class,
                () -> new Superblock(2, UUID_FIXED, 2048, ChecksumAlgorithm.CRC32C, 10, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED, 0, 16));
        assertThrows(IllegalArgumentException.class,
                () -> new Superblock(2, UUID_FIXED, 512, ChecksumAlgorithm.CRC32C, 10, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED, 0, 15),
                "version 2 has a log of at least 16 blocks");
        assertThrows(IllegalArgumentException.class,
                () -> new Superblock(1, UUID_FIXED, 512, ChecksumAlgorithm.CRC32C, 10, MetadataPlacement.INTERLEAVED, DeviceRole.COMBINED, 0, 16),
                "version 1 has no log");
    }
}
