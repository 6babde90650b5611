package dev.csum;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Good copies of a volume's blocks, for a scrub to repair the bad ones from (a replica, a backup
 * image). Called on the scrubbing thread, one block at a time, only for blocks the scrub found bad.
 *
 * <p>Repair writes the good copy through the volume's normal write path, then reads it back and
 * verifies it. It does not lock the block against other writers: a write to the same block that the
 * volume accepts after the scrub confirmed it bad, and before the repair's write, is overwritten by the
 * repair. A service that scrubs with repair while it writes should make its source return the block's
 * current good content (a replica that applies the same writes), or keep writes away from blocks under
 * repair.
 */
@FunctionalInterface
public interface RepairSource {
    /** {@link #readBlock} result: no good copy of that block. */
    int NO_GOOD_COPY = -1;

    /**
     * Fills {@code dst} with the good content of one block.
     *
     * @param offsetBytes the block's byte offset in the volume
     * @param dst exactly one block, to fill
     * @return the block's application tag (0 .. 65535; 0 when the source has none), or
     *     {@link #NO_GOOD_COPY}
     * @throws IOException when the source fails; the block is reported unrepairable with the message
     */
    int readBlock(long offsetBytes, MemorySegment dst) throws IOException;

    /**
     * Copies from another open volume of the same block size: each block is read verified (with its
     * application tag), and a block that fails verification there is {@link #NO_GOOD_COPY}.
     *
     * @param source the other volume, open; the caller closes it
     * @return the source
     */
    static RepairSource fromVolume(Volume source) {
        return (offsetBytes, dst) -> {
            if (offsetBytes + dst.byteSize() > source.sizeBytes()) {
                return NO_GOOD_COPY;
            }
            short[] tag = new short[1];
            try {
                source.readBlocking(offsetBytes, dst, tag);
            } catch (IntegrityException bad) {
                return NO_GOOD_COPY;
            }
            return Short.toUnsignedInt(tag[0]);
        };
    }

    /**
     * Copies from a raw image (a plain file or device holding the volume's logical bytes at the same
     * offsets). Its bytes are trusted: nothing verifies them. Application tags are 0.
     *
     * @param image the raw image; opened for each block read
     * @return the source
     */
    static RepairSource fromRawImage(Path image) {
        return (offsetBytes, dst) -> {
            try (FileChannel channel = FileChannel.open(image, StandardOpenOption.READ);
                 Arena arena = Arena.ofConfined()) {
                if (offsetBytes + dst.byteSize() > channel.size()) {
                    return NO_GOOD_COPY;
                }
                MemorySegment buffer = arena.allocate(dst.byteSize());
                var view = buffer.asByteBuffer();
                while (view.hasRemaining()) {
                    if (channel.read(view, offsetBytes + view.position()) < 0) {
                        return NO_GOOD_COPY;
                    }
                }
                MemorySegment.copy(buffer, 0, dst, 0, dst.byteSize());
                return 0;
            }
        };
    }
}
