package dev.csum.engine;

import dev.csum.checksum.BlockChecksum;
import dev.csum.format.Geometry;
import dev.csum.format.LogRegion;
import dev.csum.format.Superblock;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * What the engine's parts share: the volume's fixed facts (geometry, checksum, volume tag, modes)
 * and the engine-wide services (operation table, buffer arena, imd cache, counters). Built once by
 * {@link Engine}; the commit path and the read verifier get this and a {@link PieceCompletion},
 * never the engine itself, so no part reaches into another's state.
 *
 * <p>Event-loop only, except {@link #counters}, which any thread may read.
 */
final class EngineContext {
    final Geometry geometry;
    final int blockSizeBytes;
    /** The tuple log's region and log blocks (512 bytes, or blocks of the volume). */
    final LogRegion logRegion;
    /** The 32 bits of the volume UUID stamped into every imd header. */
    final int volumeTag;
    final BlockChecksum checksum;
    final boolean verifyReads;
    /** The devices are open read-only: no write operation may ever be prepared (see Engine.prepare). */
    final boolean readOnly;
    /**
     * Strict mode: a write completes only when it is durable. Its log record is written with
     * {@link IoPort#FLAG_DSYNC}; its data write plainly, and one fdatasync of the data device,
     * shared by every commit whose data writes completed before it was issued, makes them durable
     * before they complete (see CommitPath).
     */
    final boolean strict;
    /** Flags of log record writes: {@link IoPort#FLAG_DSYNC} in strict mode, else 0. */
    final int recordWriteFlags;
    /** {@link EngineSettings#testFault()}: test kit only, an ordering bug torture must catch. */
    final EngineTestFault testFault;
    /** The data area read as zeros at format (superblock flag): a never-written block must read as zeros. */
    final boolean dataZeroed;
    final EngineCounters counters = new EngineCounters();
    final OpTable ops;
    final BufferArena buffers;
    final GroupCache cache;
    /** Tuples of groups the imd cache evicted, for reads; null when the imd cache holds every group. */
    final DenseTuples dense;

    EngineContext(Superblock superblock, EngineSettings settings, OpTable ops, BufferArena buffers, GroupCache cache,
                  DenseTuples dense) {
        this.geometry = superblock.geometry();
        this.blockSizeBytes = geometry.blockSizeBytes();
        this.logRegion = superblock.logRegion();
        this.volumeTag = superblock.volumeTag();
        this.checksum = superblock.checksum().newChecksum();
        this.verifyReads = settings.verifyReads();
        this.readOnly = settings.readOnly();
        this.strict = settings.dsyncWrites();
        this.recordWriteFlags = strict ? IoPort.FLAG_DSYNC : 0;
        this.testFault = settings.testFault();
        this.dataZeroed = superblock.dataZeroed();
        this.ops = ops;
        this.buffers = buffers;
        this.cache = cache;
        this.dense = dense;
    }

    /**
     * The checksum of block {@code i} of {@code data}, an engine buffer (from {@link #buffers}),
     * computed through the arena's one ByteBuffer view: no slice or view is allocated per block.
     */
    /**
     * The checksum of block {@code i} of {@code data}, a piece's data: an engine buffer, or the
     * caller's memory of {@code request} when it reads in place.
     */
    int blockChecksum(MemorySegment data, int i, long logicalBlock, Request request) {
        if (request.inPlace && data.address() >= request.buffer.address()
                && data.address() < request.buffer.address() + request.buffer.byteSize()) {
            long offsetBytes = data.address() - request.buffer.address() + (long) i * blockSizeBytes;
            if (request.inPlaceView == null) {
                request.inPlaceView = inPlaceView(request.buffer);
            }
            return checksum.blockChecksum(request.buffer, request.inPlaceView, offsetBytes, blockSizeBytes, logicalBlock);
        }
        return blockChecksum(data, i, logicalBlock);
    }

    /**
     * A ByteBuffer view of an in-place read's destination. Callers that read in place usually reuse
     * a few destination segments (a benchmark's slots, a server's reply buffers), so the views of the
     * last {@value #IN_PLACE_VIEWS} are kept, by segment identity, instead of one allocated per read
     * (64 bytes a read, issue 14's whole allocation budget). The cache keeps at most that many caller
     * segments reachable. Event loop only.
     */
    private java.nio.ByteBuffer inPlaceView(MemorySegment destination) {
        int at = (int) (destination.address() >>> 12) & (IN_PLACE_VIEWS - 1);
        if (inPlaceSegments[at] != destination) {
            inPlaceSegments[at] = destination;
            inPlaceViews[at] = destination.asByteBuffer();
        }
        return inPlaceViews[at];
    }

    private static final int IN_PLACE_VIEWS = 64;
    private final MemorySegment[] inPlaceSegments = new MemorySegment[IN_PLACE_VIEWS];
    private final java.nio.ByteBuffer[] inPlaceViews = new java.nio.ByteBuffer[IN_PLACE_VIEWS];

    int blockChecksum(MemorySegment data, int i, long logicalBlock) {
        java.nio.ByteBuffer slabView = buffers.slabView();
        long offsetBytes = data.address() - buffers.slab().address() + (long) i * blockSizeBytes;
        if (slabView == null) {
            return checksum.blockChecksum(blockOf(data, i), logicalBlock);
        }
        assert offsetBytes >= 0 && offsetBytes + blockSizeBytes <= buffers.capacityBytes() : "not an engine buffer";
        return checksum.blockChecksum(buffers.slab(), slabView, offsetBytes, blockSizeBytes, logicalBlock);
    }

    /** Block {@code i} of {@code data}; the segment itself for one-block data (no slice allocated). */
    MemorySegment blockOf(MemorySegment data, int i) {
        return data.byteSize() == blockSizeBytes ? data : data.asSlice((long) i * blockSizeBytes, blockSizeBytes);
    }

    /** A device error as an exception naming the operation, the file, the offset and the errno. */
    IOException deviceError(String operation, int fileIndex, long offsetBytes, long lengthBytes, int result) {
        String file = fileIndex == IoPort.DATA_FILE ? "data device" : "metadata device";
        String what = result < 0 ? dev.csum.uring.Errno.name(-result)
            : "short transfer of " + result + " of " + lengthBytes + " bytes";
        return new IOException(operation + " of " + lengthBytes + " bytes at offset " + offsetBytes + " of the "
            + file + " failed: " + what);
    }
}
