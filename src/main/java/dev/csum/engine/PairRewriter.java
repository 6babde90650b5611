package dev.csum.engine;

import dev.csum.io.PortIo;
import dev.csum.format.Geometry;
import dev.csum.format.ImdBlock;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Writes the tuples log recovery chose into both imd copies of each replayed group, synchronously,
 * with the checkpoint's order ({@link Checkpointer}): the older slot with the next generation, then
 * the other slot with the generation after. When an imd block can tear ({@link
 * Checkpointer#needsCopyBarrier}), groups go in batches of {@link #BATCH_GROUPS}: the batch's first
 * copies, an fdatasync of the metadata device, then its second copies, so that a power loss during
 * recovery never finds both copies of a group unsynced (both could tear, and the group would lose the
 * tuples the log does not hold). The caller syncs after the last batch.
 */
final class PairRewriter {
    /** Groups whose chosen images are held at once. */
    static final int BATCH_GROUPS = 64;

    private final PortIo io;
    private final Geometry geometry;
    private final int blockSizeBytes;
    private final int volumeTag;
    private final boolean barrier;
    private final MemorySegment images;
    private final long[] groups = new long[BATCH_GROUPS];
    private int batched;

    PairRewriter(PortIo io, Geometry geometry, int volumeTag, Arena arena, long alignment) {
        this.io = io;
        this.geometry = geometry;
        this.blockSizeBytes = geometry.blockSizeBytes();
        this.volumeTag = volumeTag;
        this.barrier = Checkpointer.needsCopyBarrier(blockSizeBytes, false);
        this.images = arena.allocate((long) BATCH_GROUPS * blockSizeBytes, alignment);
    }

    /** Queues {@code image} (the group's chosen tuples, its header's generation the newer copy's) for writing. */
    void add(long group, MemorySegment image) throws IOException {
        MemorySegment.copy(image, 0, images, (long) batched * blockSizeBytes, blockSizeBytes);
        groups[batched++] = group;
        if (batched == BATCH_GROUPS) {
            flush();
        }
    }

    /** Writes the queued groups' two copies (first copies, the barrier, second copies). */
    void flush() throws IOException {
        for (int step = 1; step <= 2; step++) {
            for (int k = 0; k < batched; k++) {
                writeCopy(groups[k], images.asSlice((long) k * blockSizeBytes, blockSizeBytes), step);
            }
            if (step == 1 && barrier && batched > 0) {
                int result = io.fdatasync(IoPort.METADATA_FILE);
                if (result < 0) {
                    throw new IOException("log recovery: fdatasync between imd copies failed: "
                        + LogRecovery.resultText(result));
                }
            }
        }
        batched = 0;
    }

    /** Writes copy {@code step} (1: the older slot, 2: the other) of the group's chosen tuples. */
    private void writeCopy(long group, MemorySegment image, int step) throws IOException {
        int next = ImdBlock.generation(image) + 1;
        ImdBlock.setHeader(image, group, next, volumeTag); // step 2 finds the header step 1 left
        ImdBlock.seal(image);
        long offset = geometry.imdPairOffsetBytes(group) + (long) ImdBlock.slotOfGeneration(next) * blockSizeBytes;
        int written = io.write(IoPort.METADATA_FILE, offset, image);
        if (written != blockSizeBytes) {
            throw new IOException("log recovery: writing imd copy " + ImdBlock.slotOfGeneration(next) + " of group "
                + group + " (step " + step + ") failed: " + LogRecovery.resultText(written));
        }
    }
}
