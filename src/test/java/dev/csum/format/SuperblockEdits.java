package dev.csum.format;

import dev.csum.checksum.Crc32c;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Test helpers that change superblocks in place: {@link #editSealed} as a writer would (the checksum
 * recomputed, so the block is intact), {@link #flipBit} as damage would (the checksum left stale).
 */
final class SuperblockEdits {

    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private SuperblockEdits() {
    }

    /** Recomputes the checksum of the superblock filling {@code block} (its size is the block size). */
    static void reseal(MemorySegment block) {
        block.set(U32, Superblock.CHECKSUM_OFFSET, Crc32c.ofWithFieldZeroed(block, Superblock.CHECKSUM_OFFSET));
    }

    /** Applies {@code edit} to the {@code blockSize}-byte superblock at {@code offsetBytes} of {@code file}, then reseals it. */
    static void editSealed(Path file, long offsetBytes, int blockSize, Consumer<MemorySegment> edit) throws IOException {
        byte[] bytes = new byte[blockSize];
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offsetBytes);
            raf.readFully(bytes);
            MemorySegment block = MemorySegment.ofArray(bytes);
            edit.accept(block);
            reseal(block);
            raf.seek(offsetBytes);
            raf.write(bytes);
        }
    }

    /** Sets the u32 field at {@code fieldOffset} of the superblock at {@code offsetBytes} and reseals it. */
    static void putIntSealed(Path file, long offsetBytes, int blockSize, int fieldOffset, int value) throws IOException {
        editSealed(file, offsetBytes, blockSize, block -> block.set(U32, fieldOffset, value));
    }

    /** Flips bit {@code bit} (counted from bit 0 of byte 0) of {@code file}. */
    static void flipBit(Path file, long bit) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(bit / 8);
            int value = raf.read();
            raf.seek(bit / 8);
            raf.write(value ^ (1 << (bit % 8)));
        }
    }
}
