package dev.csum.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The tuple-log record's bytes, pinned (FORMAT.md "Tuple log", the worked example). */
class LogRecordTest {
    private static final int TAG = 0x67452301;
    private static final long OFFSET = 0x100000;
    private final Arena arena = Arena.ofAuto();

    /** B = 512, sequence 42, watermark 40, tail 17, two entries, at 1 MiB: FORMAT.md §8's worked example. */
    private MemorySegment example() {
        MemorySegment record = arena.allocate(512);
        LogRecord.setEntry(record, 0, 100, ImdBlock.tupleBits(0x12345678, ImdBlock.FLAG_WRITTEN, 0xBEEF));
        LogRecord.setEntry(record, 1, 1981, ImdBlock.tupleBits(0x0000CAFE, ImdBlock.FLAG_WRITTEN, 0));
        LogRecord.seal(record, 512, TAG, 42, 40, 17, 2, OFFSET);
        return record;
    }

    @Test
    void theWorkedExampleIsByteForByteAsDocumented() {
        MemorySegment record = example();
        byte[] expected = HexFormat.of().parseHex(
            "435355 4d4c4f471a d56a9e85 01234567".replace(" ", "")
                + "2a00000000000000 2800000000000000".replace(" ", "")
                + "1100000000000000 02000000 01000000".replace(" ", "")
                + "0000100000000000".replace(" ", "") + "00".repeat(8)
                + "6400000000000000 78563412 0100 efbe".replace(" ", "")
                + "bd07000000000000 feca0000 0100 0000".replace(" ", ""));
        assertArrayEquals(expected, record.asSlice(0, 96).toArray(ValueLayout.JAVA_BYTE));
        assertArrayEquals(new byte[512 - 96], record.asSlice(96).toArray(ValueLayout.JAVA_BYTE), "zero after the entries");
        assertEquals(0x859E6AD5, LogRecord.checksum(record));
        assertEquals(1, LogRecord.validLengthBlocks(record, 512, TAG));
        assertEquals(1, LogRecord.validLengthBlocksAt(record, 512, TAG, OFFSET));
        assertEquals(OFFSET, LogRecord.recordOffset(record));
        assertEquals(42, LogRecord.sequence(record));
        assertEquals(40, LogRecord.durableWatermark(record));
        assertEquals(17, LogRecord.tailSequence(record));
        assertEquals(2, LogRecord.entryCount(record));
        assertEquals(100, LogRecord.entryLogicalBlock(record, 0));
        assertEquals(0x12345678, ImdBlock.checksumOfBits(LogRecord.entryTupleBits(record, 0)));
        assertEquals(1981, LogRecord.entryLogicalBlock(record, 1));
    }

    /** FORMAT.md §4.1: a discarded block's entry carries flag bit 1 and nothing else. */
    @Test
    void aDiscardedEntryIsPinned() {
        MemorySegment record = arena.allocate(512);
        LogRecord.setEntry(record, 0, 100, ImdBlock.tupleBits(0, ImdBlock.FLAG_DISCARDED, 0));
        LogRecord.seal(record, 512, TAG, 42, 40, 17, 1, OFFSET);
        assertArrayEquals(HexFormat.of().parseHex("6400000000000000" + "00000000" + "0200" + "0000"),
            record.asSlice(64, 16).toArray(ValueLayout.JAVA_BYTE));
        assertFalse(ImdBlock.writtenOfBits(LogRecord.entryTupleBits(record, 0)));
    }

    @Test
    void aRecordTornRottedOfAnotherVolumeOrTooLongForItsRegionIsNotValid() {
        MemorySegment record = example();
        assertEquals(0, LogRecord.validLengthBlocks(record, 512, TAG + 1), "another volume's tag");
        MemorySegment rotted = arena.allocate(512);
        rotted.copyFrom(record);
        rotted.set(ValueLayout.JAVA_BYTE, 300, (byte) 1);
        assertEquals(0, LogRecord.validLengthBlocks(rotted, 512, TAG), "a flipped byte after the entries");

        MemorySegment twoBlocks = arena.allocate(1024);
        LogRecord.setEntry(twoBlocks, 40, 9, ImdBlock.tupleBits(1, ImdBlock.FLAG_WRITTEN, 0));
        LogRecord.seal(twoBlocks, 512, TAG, 8, 5, 3, 41, OFFSET);
        assertEquals(2, LogRecord.validLengthBlocks(twoBlocks, 512, TAG));
        assertEquals(0, LogRecord.validLengthBlocks(twoBlocks.asSlice(0, 512), 512, TAG),
            "a record running past the end of the region");
        MemorySegment torn = arena.allocate(1024);
        torn.copyFrom(twoBlocks);
        torn.asSlice(512).fill((byte) 0);
        assertEquals(0, LogRecord.validLengthBlocks(torn, 512, TAG), "second block never landed");
    }

    /**
     * A record is valid only where it was written: one found elsewhere was put there by a misdirected
     * write, or returned by a misdirected read. A record of a development build before the field
     * (0 there) is taken anywhere.
     */
    @Test
    void aRecordIsValidOnlyWhereItWasWritten() {
        MemorySegment record = example();
        assertEquals(0, LogRecord.validLengthBlocksAt(record, 512, TAG, OFFSET + 512), "found one block later");
        assertEquals(1, LogRecord.validLengthBlocks(record, 512, TAG), "a valid record, wherever it lies");
        MemorySegment older = example();
        older.set(ValueLayout.JAVA_LONG_UNALIGNED, LogRecord.RECORD_OFFSET_OFFSET, 0L);
        older.set(ValueLayout.JAVA_INT_UNALIGNED, LogRecord.CHECKSUM_OFFSET, 0);
        older.set(ValueLayout.JAVA_INT_UNALIGNED, LogRecord.CHECKSUM_OFFSET,
            dev.csum.checksum.Crc32c.ofWithFieldZeroed(older, LogRecord.CHECKSUM_OFFSET));
        assertEquals(0xD6C1EE0F, LogRecord.checksum(older), "the example as development builds wrote it");
        assertEquals(1, LogRecord.validLengthBlocksAt(older, 512, TAG, OFFSET + 4096));
    }

    @Test
    void capacityAndSizing() {
        assertEquals(28, LogRecord.capacityEntries(1, 512));
        assertEquals(252, LogRecord.capacityEntries(1, 4096));
        assertEquals(1, LogRecord.blocksFor(0, 512));
        assertEquals(1, LogRecord.blocksFor(28, 512));
        assertEquals(2, LogRecord.blocksFor(29, 512));
        assertEquals(3, LogRecord.blocksFor(510, 4096), "one whole 4 KiB group fits three blocks");
        assertThrows(IllegalArgumentException.class,
            () -> LogRecord.seal(arena.allocate(512), 512, TAG, 1, 0, 1, 29, OFFSET));
        assertThrows(IllegalArgumentException.class,
            () -> LogRecord.seal(arena.allocate(700), 512, TAG, 1, 0, 1, 0, OFFSET));
        assertThrows(IllegalArgumentException.class,
            () -> LogRecord.seal(arena.allocate(512), 512, TAG, 1, 0, 1, 0, 0), "no record is at offset 0");
    }
}
