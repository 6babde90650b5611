package dev.csum.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ImdBlockTest {

    private static final int TAG = 0xA1B2C3D4;

    private static MemorySegment sampleBlock(int size) {
        MemorySegment block = MemorySegment.ofArray(new byte[size]);
        ImdBlock.initialize(block, 5, 7, TAG);
        ImdBlock.setTuple(block, 0, 0x12345678, ImdBlock.FLAG_WRITTEN, 0xBEEF);
        ImdBlock.setTuple(block, (size - 16) / 8 - 1, 0x0000CAFE, ImdBlock.FLAG_WRITTEN, 0);
        ImdBlock.seal(block);
        return block;
    }

    @Test
    void encodedBytesArePinned() {
        MemorySegment block = sampleBlock(512);
        byte[] bytes = block.toArray(ValueLayout.JAVA_BYTE);
        HexFormat hex = HexFormat.of();
        // checksum | tag d4c3b2a1 | group 5 | generation 7 | tuple 0: 78563412 0100 efbe
        assertEquals("8e279ba9" + "d4c3b2a1" + "05000000" + "07000000" + "78563412" + "0100" + "efbe",
                hex.formatHex(bytes, 0, 24));
        // tuple 61 at 16 + 61 * 8 = 504
        assertEquals("feca0000" + "0100" + "0000", hex.formatHex(bytes, 504, 512));
        for (int i = 24; i < 504; i++) {
            assertEquals(0, bytes[i], "byte " + i);
        }
        // The pinned checksum is CRC-32C of the block with the field zeroed, computed independently.
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        byte[] zeroed = bytes.clone();
        java.util.Arrays.fill(zeroed, 0, 4, (byte) 0);
        crc.update(zeroed);
        assertEquals((int) crc.getValue(), ImdBlock.headerChecksum(block));
        assertEquals(0xa99b278e, ImdBlock.headerChecksum(block));
    }

    /** FORMAT.md §4.1: a discarded tuple is flag bit 1 alone, checksum and tag 0; not written, discarded. */
    @Test
    void aDiscardedTupleIsPinned() {
        MemorySegment block = sampleBlock(512);
        ImdBlock.setTuple(block, 3, 0, ImdBlock.FLAG_DISCARDED, 0);
        ImdBlock.seal(block);
        assertEquals("00000000" + "0200" + "0000", HexFormat.of().formatHex(block.toArray(ValueLayout.JAVA_BYTE), 40, 48));
        assertFalse(ImdBlock.tupleWritten(block, 3));
        assertTrue(ImdBlock.tupleDiscarded(block, 3));
        assertFalse(ImdBlock.tupleDiscarded(block, 0), "written");
        assertFalse(ImdBlock.tupleDiscarded(block, 4), "never written");
        ImdBlock.setTuple(block, 4, 1, ImdBlock.FLAG_WRITTEN | ImdBlock.FLAG_DISCARDED, 0);
        assertFalse(ImdBlock.tupleDiscarded(block, 4), "bit 1 means discarded only with bit 0 clear");
        assertEquals(ImdValidity.VALID, ImdBlock.validate(sampleBlockWithDiscard(), 5, TAG));
    }

    private static MemorySegment sampleBlockWithDiscard() {
        MemorySegment block = sampleBlock(512);
        ImdBlock.setTuple(block, 3, 0, ImdBlock.FLAG_DISCARDED, 0);
        ImdBlock.seal(block);
        return block;
    }

    /** Copy i holds generations of parity i (commits alternate slots): the other parity is the other copy. */
    @Test
    void aCopyWhoseGenerationParityIsNotItsSlotIsTheWrongSlot() {
        MemorySegment block = MemorySegment.ofArray(new byte[512]);
        for (int generation : new int[] {1, 2, 7, -1, -2, Integer.MIN_VALUE}) {
            ImdBlock.initialize(block, 5, generation, TAG);
            ImdBlock.seal(block);
            int slot = ImdBlock.slotOfGeneration(generation);
            assertEquals(ImdValidity.VALID, ImdBlock.validate(block, 5, TAG, slot), "generation " + generation);
            assertEquals(ImdValidity.WRONG_SLOT, ImdBlock.validate(block, 5, TAG, 1 - slot), "generation " + generation);
            assertEquals(ImdValidity.WRONG_GROUP, ImdBlock.validate(block, 6, TAG, slot));
        }
        MemorySegment empty = MemorySegment.ofArray(new byte[512]);
        assertEquals(ImdValidity.EMPTY, ImdBlock.validate(empty, 5, TAG, 0));
        assertEquals(ImdValidity.EMPTY, ImdBlock.validate(empty, 5, TAG, 1));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> ImdBlock.validate(empty, 5, TAG, 2));
    }

    @Test
    void fieldsRoundTrip() {
        SplittableRandom random = new SplittableRandom(1);
        for (int size : new int[] {512, 4096}) {
            MemorySegment block = MemorySegment.ofArray(new byte[size]);
            int count = ImdBlock.tupleCount(block);
            assertEquals((size - 16) / 8, count);
            ImdBlock.initialize(block, 0xFFFF_FFFFL, -2, TAG);
            int[][] tuples = new int[count][3];
            for (int i = 0; i < count; i++) {
                tuples[i] = new int[] {random.nextInt(), random.nextInt(1 << 16), random.nextInt(1 << 16)};
                ImdBlock.setTuple(block, i, tuples[i][0], tuples[i][1], tuples[i][2]);
            }
            ImdBlock.seal(block);
            assertEquals(ImdValidity.VALID, ImdBlock.validate(block, 0xFFFF_FFFFL, TAG));
            assertEquals(0xFFFF_FFFFL, ImdBlock.group(block));
            assertEquals(-2, ImdBlock.generation(block));
            assertEquals(TAG, ImdBlock.volumeTag(block));
            for (int i = 0; i < count; i++) {
                assertEquals(tuples[i][0], ImdBlock.tupleChecksum(block, i));
                assertEquals(tuples[i][1], ImdBlock.tupleFlags(block, i));
                assertEquals(tuples[i][2], ImdBlock.tupleAppTag(block, i));
                assertEquals((tuples[i][1] & 1) != 0, ImdBlock.tupleWritten(block, i));
            }
            // setHeader keeps the tuples; initialize clears them.
            ImdBlock.setHeader(block, 3, 9, TAG);
            assertEquals(tuples[count - 1][0], ImdBlock.tupleChecksum(block, count - 1));
            assertEquals(3, ImdBlock.group(block));
            ImdBlock.initialize(block, 3, 9, TAG);
            assertEquals(0, ImdBlock.tupleChecksum(block, count - 1));
            assertFalse(ImdBlock.tupleWritten(block, 0));
        }
    }

    @Test
    void allZeroBlockIsEmpty() {
        try (Arena arena = Arena.ofConfined()) {
            for (int size : new int[] {512, 4096}) {
                MemorySegment block = arena.allocate(size);
                assertEquals(ImdValidity.EMPTY, ImdBlock.validate(block, 17, TAG));
                assertTrue(ImdValidity.EMPTY.usable());
                assertEquals(0, ImdBlock.generation(block));
                assertFalse(ImdBlock.tupleWritten(block, 0));
            }
        }
    }

    @Test
    void everySingleBitFlipIsDetected() {
        for (int size : new int[] {512, 4096}) {
            MemorySegment block = sampleBlock(size);
            assertEquals(ImdValidity.VALID, ImdBlock.validate(block, 5, TAG));
            for (long bit = 0; bit < size * 8L; bit++) {
                long offset = bit / 8;
                byte original = block.get(ValueLayout.JAVA_BYTE, offset);
                block.set(ValueLayout.JAVA_BYTE, offset, (byte) (original ^ (1 << (bit % 8))));
                assertEquals(ImdValidity.BAD_CHECKSUM, ImdBlock.validate(block, 5, TAG), "size " + size + " bit " + bit);
                block.set(ValueLayout.JAVA_BYTE, offset, original);
            }
            assertEquals(ImdValidity.VALID, ImdBlock.validate(block, 5, TAG));
        }
    }

    @Test
    void soundBlocksOfAnotherGroupOrVolumeAreRefused() {
        MemorySegment block = sampleBlock(512);
        assertEquals(ImdValidity.WRONG_GROUP, ImdBlock.validate(block, 6, TAG));
        assertEquals(ImdValidity.WRONG_VOLUME, ImdBlock.validate(block, 5, TAG + 1));
        assertFalse(ImdValidity.WRONG_GROUP.usable());
        assertFalse(ImdValidity.BAD_CHECKSUM.usable());
    }

    @Test
    void generationComparisonIsWrapSafe() {
        assertTrue(ImdBlock.isNewer(1, 0));
        assertFalse(ImdBlock.isNewer(0, 1));
        assertFalse(ImdBlock.isNewer(5, 5));
        assertTrue(ImdBlock.isNewer(0, -1), "0 follows 0xFFFFFFFF");
        assertTrue(ImdBlock.isNewer(Integer.MIN_VALUE, Integer.MAX_VALUE));
        assertFalse(ImdBlock.isNewer(Integer.MAX_VALUE, Integer.MIN_VALUE));
    }

    @Test
    void misuseIsRejected() {
        MemorySegment block = MemorySegment.ofArray(new byte[512]);
        assertThrows(IndexOutOfBoundsException.class, () -> ImdBlock.setTuple(block, 62, 0, 0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> ImdBlock.tupleChecksum(block, -1));
        assertThrows(IllegalArgumentException.class, () -> ImdBlock.setTuple(block, 0, 0, 0x10000, 0));
        assertThrows(IllegalArgumentException.class, () -> ImdBlock.setHeader(block, 1L << 32, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> ImdBlock.seal(MemorySegment.ofArray(new byte[1024])));
        assertEquals(16 + 61 * 8, ImdBlock.tupleOffset(61));
    }

    @org.junit.jupiter.api.Test
    void aCopyReadTwiceIsValidIfEitherReadWasEmptyOnlyIfBothWereAndOtherwiseRejected() {
        for (ImdValidity first : ImdValidity.values()) {
            if (first == ImdValidity.VALID) {
                continue; // a valid copy is not read again
            }
            for (ImdValidity second : ImdValidity.values()) {
                ImdValidity confirmed = first.confirmedBy(second);
                if (second == ImdValidity.VALID) {
                    org.junit.jupiter.api.Assertions.assertEquals(ImdValidity.VALID, confirmed, first + " then " + second);
                } else if (first == ImdValidity.EMPTY && second == ImdValidity.EMPTY) {
                    org.junit.jupiter.api.Assertions.assertEquals(ImdValidity.EMPTY, confirmed);
                } else {
                    org.junit.jupiter.api.Assertions.assertFalse(confirmed.usable(), first + " then " + second + ": " + confirmed);
                }
            }
        }
    }
}
