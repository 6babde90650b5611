package dev.csum.format;

import dev.csum.checksum.Crc32c;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Layout descriptor and static codec of an imd (integrity metadata) block: one block of the
 * volume's block size holding a 16-byte header and one 8-byte tuple per data block of its group.
 * All fields little-endian. Works over any {@link MemorySegment} of exactly one block; allocates
 * nothing.
 *
 * <pre>
 *   0                   4                   8                  12                  16
 *   +-------------------+-------------------+-------------------+-------------------+
 *   | header checksum   | volume tag        | group             | generation        |
 *   | u32, CRC-32C      | u32, UUID[0..4)   | u32               | u32, wraps        |
 *   +-------------------+-------------------+-------------------+-------------------+
 *   16 + 8i             +4        +6        +8
 *   +-------------------+---------+---------+
 *   | checksum u32      | flags   | app tag |   tuple i, i in [0, (blockSize - 16) / 8)
 *   |                   | u16     | u16     |
 *   +-------------------+---------+---------+
 * </pre>
 *
 * The header checksum is CRC-32C over the whole block with the checksum field taken as zero. A
 * tuple's checksum holds the block checksum of its data block (16-bit algorithms zero-extended);
 * flags bit 0 ({@link #FLAG_WRITTEN}) says the block was written since format, other bits are
 * reserved (written 0). An all-zero block is {@link ImdValidity#EMPTY}: what format leaves.
 */
public final class ImdBlock {

    public static final int HEADER_BYTES = 16;
    public static final int TUPLE_BYTES = 8;
    /** Tuple flag: the data block has been written since format and its checksum is meaningful. */
    public static final int FLAG_WRITTEN = 1;
    /**
     * Tuple flag, only with {@link #FLAG_WRITTEN} clear: the block was discarded or zeroed
     * ({@code Volume.discard}, {@code Volume.writeZeroes}) rather than never written. It reads exactly
     * as a never-written block (FORMAT.md §4); the flag only lets a count tell the two apart.
     */
    public static final int FLAG_DISCARDED = 2;

    public static final int HEADER_CHECKSUM_OFFSET = 0;
    public static final int VOLUME_TAG_OFFSET = 4;
    public static final int GROUP_OFFSET = 8;
    public static final int GENERATION_OFFSET = 12;
    public static final int TUPLE_CHECKSUM_OFFSET = 0;
    public static final int TUPLE_FLAGS_OFFSET = 4;
    public static final int TUPLE_APP_TAG_OFFSET = 6;

    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static {
        // The header and the tuples tile a block exactly, with no padding.
        assert HEADER_BYTES == GENERATION_OFFSET + Integer.BYTES;
        assert TUPLE_BYTES == TUPLE_APP_TAG_OFFSET + Short.BYTES;
        assert HEADER_BYTES + 62 * TUPLE_BYTES == 512 && HEADER_BYTES + 510 * TUPLE_BYTES == 4096;
        assert Geometry.IMD_HEADER_BYTES == HEADER_BYTES && Geometry.TUPLE_BYTES == TUPLE_BYTES;
    }

    private ImdBlock() {
    }

    /** Byte offset of tuple {@code index} within the block. */
    public static long tupleOffset(int index) {
        return HEADER_BYTES + (long) index * TUPLE_BYTES;
    }

    /** Tuples a block of {@code block.byteSize()} bytes holds. */
    public static int tupleCount(MemorySegment block) {
        checkBlock(block);
        return (int) ((block.byteSize() - HEADER_BYTES) / TUPLE_BYTES);
    }

    /** Sets the header and zeroes every tuple. The block is not sealed: call {@link #seal} before writing it. */
    public static void initialize(MemorySegment block, long group, int generation, int volumeTag) {
        checkBlock(block);
        block.fill((byte) 0);
        setHeader(block, group, generation, volumeTag);
    }

    /** Sets the header fields (not the checksum); tuples are untouched. */
    public static void setHeader(MemorySegment block, long group, int generation, int volumeTag) {
        checkBlock(block);
        if (group < 0 || group >= Geometry.MAX_GROUP_COUNT) {
            throw new IllegalArgumentException("group " + group + " does not fit the 32-bit header field");
        }
        block.set(U32, VOLUME_TAG_OFFSET, volumeTag);
        block.set(U32, GROUP_OFFSET, (int) group);
        block.set(U32, GENERATION_OFFSET, generation);
    }

    /** Computes and stores the header checksum. Call it last, after every field and tuple is set. */
    public static void seal(MemorySegment block) {
        checkBlock(block);
        block.set(U32, HEADER_CHECKSUM_OFFSET, Crc32c.ofWithFieldZeroed(block, HEADER_CHECKSUM_OFFSET));
    }

    /**
     * Whether the block read from slot {@code copyIndex} (0 or 1) of {@code expectedGroup}'s pair can
     * be trusted: {@link #validate(MemorySegment, long, int)}, then the slot. Commits alternate slots
     * one generation apart from an all-zero pair, so copy {@code i} always holds a generation of
     * parity {@code i}; a block of the other parity is the pair's other copy, read or written one
     * block off ({@link ImdValidity#WRONG_SLOT}).
     */
    public static ImdValidity validate(MemorySegment block, long expectedGroup, int volumeTag, int copyIndex) {
        if (copyIndex != 0 && copyIndex != 1) {
            throw new IllegalArgumentException("copy index must be 0 or 1: " + copyIndex);
        }
        ImdValidity validity = validate(block, expectedGroup, volumeTag);
        if (validity == ImdValidity.VALID && slotOfGeneration(generation(block)) != copyIndex) {
            return ImdValidity.WRONG_SLOT;
        }
        return validity;
    }

    /** The slot a generation is written to: commits alternate slots, starting with slot 1 at generation 1. */
    public static int slotOfGeneration(int generation) {
        return generation & 1;
    }

    /**
     * Whether the copy can be trusted as {@code expectedGroup}'s imd block of the volume tagged
     * {@code volumeTag}. Checks, in order: all zero ({@link ImdValidity#EMPTY}), header checksum,
     * volume tag, group.
     */
    public static ImdValidity validate(MemorySegment block, long expectedGroup, int volumeTag) {
        checkBlock(block);
        if (isAllZero(block)) {
            return ImdValidity.EMPTY;
        }
        int stored = block.get(U32, HEADER_CHECKSUM_OFFSET);
        if (stored != Crc32c.ofWithFieldZeroed(block, HEADER_CHECKSUM_OFFSET)) {
            return ImdValidity.BAD_CHECKSUM;
        }
        if (block.get(U32, VOLUME_TAG_OFFSET) != volumeTag) {
            return ImdValidity.WRONG_VOLUME;
        }
        if (Integer.toUnsignedLong(block.get(U32, GROUP_OFFSET)) != expectedGroup) {
            return ImdValidity.WRONG_GROUP;
        }
        return ImdValidity.VALID;
    }

    /**
     * Whether every byte of {@code block} is zero (its size a multiple of 8): what format leaves in
     * every imd block ({@link ImdValidity#EMPTY}) and what a never-written data block holds on a
     * freshly created device.
     */
    public static boolean isAllZero(MemorySegment block) {
        long size = block.byteSize();
        for (long offset = 0; offset < size; offset += Long.BYTES) {
            if (block.get(U64, offset) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The header checksum field as stored. */
    public static int headerChecksum(MemorySegment block) {
        return block.get(U32, HEADER_CHECKSUM_OFFSET);
    }

    /** The volume tag field. */
    public static int volumeTag(MemorySegment block) {
        return block.get(U32, VOLUME_TAG_OFFSET);
    }

    /** The group field (unsigned). */
    public static long group(MemorySegment block) {
        return Integer.toUnsignedLong(block.get(U32, GROUP_OFFSET));
    }

    /** The generation field; compare generations only with {@link #isNewer}. */
    public static int generation(MemorySegment block) {
        return block.get(U32, GENERATION_OFFSET);
    }

    /**
     * Whether generation {@code generationA} is newer than {@code generationB}, wrap-safe: the
     * signed 32-bit difference is positive. Correct while the two differ by less than 2^31 (the
     * copies of a pair differ by 1 or 0).
     */
    public static boolean isNewer(int generationA, int generationB) {
        return generationA - generationB > 0;
    }

    public static int tupleChecksum(MemorySegment block, int index) {
        return block.get(U32, tupleOffset(checkIndex(block, index)) + TUPLE_CHECKSUM_OFFSET);
    }

    /** The tuple's flags, unsigned 16-bit. */
    public static int tupleFlags(MemorySegment block, int index) {
        return Short.toUnsignedInt(block.get(U16, tupleOffset(checkIndex(block, index)) + TUPLE_FLAGS_OFFSET));
    }

    /** The tuple's application tag, unsigned 16-bit. */
    public static int tupleAppTag(MemorySegment block, int index) {
        return Short.toUnsignedInt(block.get(U16, tupleOffset(checkIndex(block, index)) + TUPLE_APP_TAG_OFFSET));
    }

    /** Whether the tuple's block has been written since format ({@link #FLAG_WRITTEN}). */
    public static boolean tupleWritten(MemorySegment block, int index) {
        return (tupleFlags(block, index) & FLAG_WRITTEN) != 0;
    }

    /** Whether the tuple says discarded or zeroed ({@link #FLAG_DISCARDED} without {@link #FLAG_WRITTEN}). */
    public static boolean tupleDiscarded(MemorySegment block, int index) {
        return (tupleFlags(block, index) & (FLAG_WRITTEN | FLAG_DISCARDED)) == FLAG_DISCARDED;
    }

    /**
     * Stores tuple {@code index}.
     *
     * @param flags  16-bit flags, normally {@link #FLAG_WRITTEN}
     * @param appTag 16-bit application tag
     */
    public static void setTuple(MemorySegment block, int index, int checksum, int flags, int appTag) {
        long offset = tupleOffset(checkIndex(block, index));
        if ((flags & ~0xFFFF) != 0 || (appTag & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("flags 0x" + Integer.toHexString(flags) + " and app tag 0x"
                    + Integer.toHexString(appTag) + " must fit 16 bits");
        }
        block.set(U32, offset + TUPLE_CHECKSUM_OFFSET, checksum);
        block.set(U16, offset + TUPLE_FLAGS_OFFSET, (short) flags);
        block.set(U16, offset + TUPLE_APP_TAG_OFFSET, (short) appTag);
    }

    /**
     * Tuple {@code index}'s 8 bytes as one little-endian u64: checksum in bits 0–31, flags in 32–47,
     * application tag in 48–63 (the form a log entry carries, {@link LogRecord}).
     */
    public static long tupleBits(MemorySegment block, int index) {
        return block.get(U64, tupleOffset(checkIndex(block, index)));
    }

    /** Stores tuple {@code index} from its 8 bytes as one little-endian u64 (see {@link #tupleBits}). */
    public static void setTupleBits(MemorySegment block, int index, long bits) {
        block.set(U64, tupleOffset(checkIndex(block, index)), bits);
    }

    /** The 8 bytes of a tuple as one u64 (see {@link #tupleBits}). */
    public static long tupleBits(int checksum, int flags, int appTag) {
        return Integer.toUnsignedLong(checksum) | ((long) (flags & 0xFFFF) << 32) | ((long) (appTag & 0xFFFF) << 48);
    }

    /** The checksum field of a tuple given as bits (see {@link #tupleBits}). */
    public static int checksumOfBits(long bits) {
        return (int) bits;
    }

    /** Whether a tuple given as bits has {@link #FLAG_WRITTEN}. */
    public static boolean writtenOfBits(long bits) {
        return ((bits >>> 32) & FLAG_WRITTEN) != 0;
    }

    private static int checkIndex(MemorySegment block, int index) {
        int count = tupleCount(block);
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("tuple " + index + " outside [0, " + count + ")");
        }
        return index;
    }

    private static void checkBlock(MemorySegment block) {
        long size = block.byteSize();
        if (size != 512 && size != 4096) {
            throw new IllegalArgumentException("an imd block is 512 or 4096 bytes, got a " + size + "-byte segment");
        }
    }
}
