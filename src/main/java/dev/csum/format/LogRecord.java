package dev.csum.format;

import dev.csum.checksum.Crc32c;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Layout descriptor and static codec of a tuple-log record (format version 2, FORMAT.md "Tuple
 * log"): {@code n} whole blocks written with one write inside the log region, holding a 64-byte
 * header and {@code E} entries of 16 bytes, each an LBA and the 8-byte tuple exactly as in an imd
 * block. All fields little-endian; works over any {@link MemorySegment} of whole blocks and
 * allocates nothing but the checksum's scratch.
 *
 * <pre>
 *   0          8          12         16               24                32            40      44      48          56     64
 *   +----------+----------+----------+----------------+-----------------+-------------+-------+-------+-----------+------+
 *   | magic    | CRC-32C  | vol. tag | sequence u64   | durable         | tail u64    | E u32 | n u32 | offset    | zero |
 *   | u64      | u32      | u32      |                | watermark u64   |             |       |       | u64       |      |
 *   +----------+----------+----------+----------------+-----------------+-------------+-------+-------+-----------+------+
 *   64 + 16i   +8
 *   +----------+--------------------------------------+
 *   | LBA u64  | tuple: checksum u32, flags u16, tag u16 |   entry i, i in [0, E)
 *   +----------+--------------------------------------+
 * </pre>
 *
 * The CRC-32C covers the whole record ({@code n · B} bytes) with its own field taken as zero, so a
 * torn, rotted or partly overwritten record fails it; the volume tag rejects a stale record of an
 * earlier format; the sequence orders records and the length bounds the check. The offset field is
 * the byte offset the record was written at on the device holding the log: a record found anywhere
 * else (a misdirected write landed it there, or a misdirected read returned it) is not valid there.
 * Records written by 0.2.0 development builds before the field existed hold 0 in it and are taken
 * wherever they are found (no record is ever at offset 0: the superblock is).
 */
public final class LogRecord {
    /** {@code "CSUMLOG"} then 0x1A, read as a little-endian u64. */
    public static final long MAGIC = 0x1A474F4C4D555343L;
    public static final int HEADER_BYTES = 64;
    public static final int ENTRY_BYTES = 16;

    public static final int MAGIC_OFFSET = 0;
    public static final int CHECKSUM_OFFSET = 8;
    public static final int VOLUME_TAG_OFFSET = 12;
    public static final int SEQUENCE_OFFSET = 16;
    public static final int DURABLE_WATERMARK_OFFSET = 24;
    public static final int TAIL_OFFSET = 32;
    public static final int ENTRY_COUNT_OFFSET = 40;
    public static final int LENGTH_BLOCKS_OFFSET = 44;
    public static final int RECORD_OFFSET_OFFSET = 48;
    public static final int ENTRY_LBA_OFFSET = 0;
    public static final int ENTRY_TUPLE_OFFSET = 8;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private LogRecord() {
    }

    /** Entries a record of {@code lengthBlocks} blocks of {@code blockSizeBytes} holds. */
    public static int capacityEntries(int lengthBlocks, int blockSizeBytes) {
        return (int) (((long) lengthBlocks * blockSizeBytes - HEADER_BYTES) / ENTRY_BYTES);
    }

    /** The fewest blocks that hold {@code entryCount} entries (at least one block). */
    public static int blocksFor(int entryCount, int blockSizeBytes) {
        long bytes = HEADER_BYTES + (long) entryCount * ENTRY_BYTES;
        return (int) Math.max(1, (bytes + blockSizeBytes - 1) / blockSizeBytes);
    }

    /** Byte offset of entry {@code index} within the record. */
    public static long entryOffset(int index) {
        return HEADER_BYTES + (long) index * ENTRY_BYTES;
    }

    /** Stores entry {@code index}: the LBA and its tuple (the 8 tuple bytes as a little-endian u64, see {@link ImdBlock#tupleBits}). */
    public static void setEntry(MemorySegment record, int index, long logicalBlock, long tupleBits) {
        long offset = entryOffset(index);
        record.set(U64, offset + ENTRY_LBA_OFFSET, logicalBlock);
        record.set(U64, offset + ENTRY_TUPLE_OFFSET, tupleBits);
    }

    public static long entryLogicalBlock(MemorySegment record, int index) {
        return record.get(U64, entryOffset(index) + ENTRY_LBA_OFFSET);
    }

    /** The entry's tuple, its 8 bytes as a little-endian u64 (see {@link ImdBlock#tupleBits}). */
    public static long entryTupleBits(MemorySegment record, int index) {
        return record.get(U64, entryOffset(index) + ENTRY_TUPLE_OFFSET);
    }

    /**
     * Writes the header and zeroes every byte after the last entry, then the checksum. The record is
     * {@code record.byteSize()} bytes, whole blocks; its entries must already be set; it will be
     * written at {@code offsetBytes} of the device holding the log (positive).
     */
    public static void seal(MemorySegment record, int blockSizeBytes, int volumeTag, long sequence,
                            long durableWatermark, long tailSequence, int entryCount, long offsetBytes) {
        if (offsetBytes <= 0) {
            throw new IllegalArgumentException("a log record's offset is positive, got " + offsetBytes);
        }
        long size = record.byteSize();
        if (size % blockSizeBytes != 0 || size == 0) {
            throw new IllegalArgumentException("a log record is whole blocks, got " + size + " bytes");
        }
        int lengthBlocks = (int) (size / blockSizeBytes);
        if (entryCount < 0 || entryCount > capacityEntries(lengthBlocks, blockSizeBytes)) {
            throw new IllegalArgumentException(entryCount + " entries do not fit a record of " + lengthBlocks + " blocks");
        }
        record.set(U64, MAGIC_OFFSET, MAGIC);
        record.set(U32, CHECKSUM_OFFSET, 0);
        record.set(U32, VOLUME_TAG_OFFSET, volumeTag);
        record.set(U64, SEQUENCE_OFFSET, sequence);
        record.set(U64, DURABLE_WATERMARK_OFFSET, durableWatermark);
        record.set(U64, TAIL_OFFSET, tailSequence);
        record.set(U32, ENTRY_COUNT_OFFSET, entryCount);
        record.set(U32, LENGTH_BLOCKS_OFFSET, lengthBlocks);
        record.set(U64, RECORD_OFFSET_OFFSET, offsetBytes);
        record.asSlice(RECORD_OFFSET_OFFSET + Long.BYTES, HEADER_BYTES - RECORD_OFFSET_OFFSET - Long.BYTES)
            .fill((byte) 0);
        record.asSlice(entryOffset(entryCount)).fill((byte) 0);
        record.set(U32, CHECKSUM_OFFSET, Crc32c.ofWithFieldZeroed(record, CHECKSUM_OFFSET));
    }

    /**
     * The length in blocks of the valid record starting at the first block of {@code region}, found
     * at {@code offsetBytes} of the device holding the log, or 0 when none starts there: as
     * {@link #validLengthBlocks(MemorySegment, int, int)}, and the record's offset field must be
     * {@code offsetBytes} (or 0: written before the field existed).
     */
    public static int validLengthBlocksAt(MemorySegment region, int blockSizeBytes, int volumeTag, long offsetBytes) {
        int length = validLengthBlocks(region, blockSizeBytes, volumeTag);
        long recorded = length == 0 ? 0 : recordOffset(region);
        return recorded == 0 || recorded == offsetBytes ? length : 0;
    }

    /**
     * The length in blocks of the valid record starting at the first block of {@code region}, or 0
     * when none starts there: the magic, volume tag, a length that fits {@code region}, an entry
     * count that fits the length and the checksum must all agree. Where it lies is not checked (see
     * {@link #validLengthBlocksAt}).
     *
     * @param region the log bytes from the candidate's first block to the end of the log region
     */
    public static int validLengthBlocks(MemorySegment region, int blockSizeBytes, int volumeTag) {
        if (region.byteSize() < blockSizeBytes || region.get(U64, MAGIC_OFFSET) != MAGIC
                || region.get(U32, VOLUME_TAG_OFFSET) != volumeTag) {
            return 0;
        }
        long lengthBlocks = Integer.toUnsignedLong(region.get(U32, LENGTH_BLOCKS_OFFSET));
        if (lengthBlocks < 1 || lengthBlocks * blockSizeBytes > region.byteSize()) {
            return 0;
        }
        long entries = Integer.toUnsignedLong(region.get(U32, ENTRY_COUNT_OFFSET));
        if (entries > capacityEntries((int) lengthBlocks, blockSizeBytes)) {
            return 0;
        }
        MemorySegment record = region.asSlice(0, lengthBlocks * blockSizeBytes);
        return Crc32c.ofWithFieldZeroed(record, CHECKSUM_OFFSET) == record.get(U32, CHECKSUM_OFFSET)
            ? (int) lengthBlocks : 0;
    }

    public static long sequence(MemorySegment record) {
        return record.get(U64, SEQUENCE_OFFSET);
    }

    public static long durableWatermark(MemorySegment record) {
        return record.get(U64, DURABLE_WATERMARK_OFFSET);
    }

    public static long tailSequence(MemorySegment record) {
        return record.get(U64, TAIL_OFFSET);
    }

    public static int entryCount(MemorySegment record) {
        return record.get(U32, ENTRY_COUNT_OFFSET);
    }

    /** The byte offset the record was written at (0: written before the field existed). */
    public static long recordOffset(MemorySegment record) {
        return record.get(U64, RECORD_OFFSET_OFFSET);
    }

    public static int checksum(MemorySegment record) {
        return record.get(U32, CHECKSUM_OFFSET);
    }
}
