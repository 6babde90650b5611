package dev.csum.format;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The grow of one volume, checked against its devices before anything is written ({@link VolumeGrower},
 * docs/FORMAT.md §7.2): the new data block count for the size asked with the log's length kept, and
 * how each device gets there. Every refusal is an exception naming the problem; reads only.
 *
 * @param before              the data device's superblock now
 * @param after               the data device's superblock once grown; {@code before} when unchanged
 * @param dataSizeBytes       the data device's size now
 * @param dataTargetBytes     a regular data file's size once grown (its size now for a block device)
 * @param dataIsFile          whether the data device is a regular file
 * @param metadataSizeBytes   the separate metadata device's size now (interleaved: the data device's)
 * @param metadataTargetBytes a regular metadata file's size once grown
 * @param metadataIsFile      whether the metadata device is a regular file
 */
record GrowPlan(Superblock before, Superblock after, long dataSizeBytes, long dataTargetBytes, boolean dataIsFile,
                long metadataSizeBytes, long metadataTargetBytes, boolean metadataIsFile) {

    static GrowPlan of(Superblock before, long requestedBytes, Path data, Path metadataOrNull) throws IOException {
        if (before.formatVersion() != Superblock.FORMAT_VERSION) {
            throw new InvalidVolumeException(data + ": a format version " + before.formatVersion() + " volume does not grow: run "
                + "'csum convert' first to make it format version " + Superblock.FORMAT_VERSION);
        }
        boolean dataIsFile = isFile(data);
        long dataSize = sizeBytes(data);
        long target = requestedBytes == VolumeGrower.WHOLE_DEVICE ? dataSize : requestedBytes;
        int blockSize = before.blockSizeBytes();
        long dataBlocks = Geometry.dataBlocksFitting(target, blockSize, before.placement(), before.logBlockCount());
        long usable = before.dataBlockCount() * blockSize;
        if (dataBlocks < before.dataBlockCount()) {
            throw new IllegalArgumentException("shrinking is not supported: the volume has " + before.dataBlockCount() + " blocks ("
                + usable + " usable bytes); " + target + " bytes hold only " + dataBlocks + " (nothing written)");
        }
        if (dataIsFile && dataSize > target) {
            throw new IllegalArgumentException(data + " is " + dataSize + " bytes, more than the " + target + " bytes asked; give "
                + "its size, or none to use the whole file (nothing written)");
        }
        if (!dataIsFile && target > dataSize) {
            throw new IllegalArgumentException("block device " + data + " has " + dataSize + " bytes, fewer than the " + target
                + " bytes asked; grow the device first (nothing written)");
        }
        if (dataBlocks == before.dataBlockCount()) {
            return new GrowPlan(before, before, dataSize, dataSize, dataIsFile, dataSize, dataSize, dataIsFile);
        }
        Superblock after = withDataBlocks(before, dataBlocks);
        Geometry grown = after.geometry();
        Path metadata = metadataOrNull == null ? data : metadataOrNull;
        boolean metadataIsFile = metadataOrNull == null ? dataIsFile : isFile(metadataOrNull);
        long metadataSize = metadataOrNull == null ? dataSize : sizeBytes(metadataOrNull);
        long metadataTarget = metadataOrNull == null ? target : Math.max(metadataSize, grown.metadataFileSizeBytes());
        if (!metadataIsFile && metadataSize < grown.metadataFileSizeBytes()) {
            throw new IllegalArgumentException("metadata block device " + metadata + " has " + metadataSize + " bytes; "
                + dataBlocks + " data blocks need " + grown.metadataFileSizeBytes() + " (nothing written)");
        }
        requireUnwrittenTail(before, metadata);
        return new GrowPlan(before, after, dataSize, target, dataIsFile, metadataSize, metadataTarget, metadataIsFile);
    }

    /** {@code superblock} with {@code dataBlocks} data blocks, everything else kept. */
    static Superblock withDataBlocks(Superblock superblock, long dataBlocks) {
        return new Superblock(superblock.formatVersion(), superblock.volumeUuid(), superblock.blockSizeBytes(),
            superblock.checksum(), dataBlocks, superblock.placement(), superblock.role(), superblock.flags(),
            superblock.logBlockCount());
    }

    /** Whether the size asked gives the volume no more data blocks (grow writes nothing). */
    boolean unchanged() {
        return after.equals(before);
    }

    /** Regular files grow to their new size: the new part a hole. */
    void extendFiles(Path data, Path metadataOrNull) throws IOException {
        if (dataIsFile && dataTargetBytes > dataSizeBytes) {
            VolumeFiles.setLength(data, dataTargetBytes);
        }
        if (metadataOrNull != null && metadataIsFile && metadataTargetBytes > metadataSizeBytes) {
            VolumeFiles.setLength(metadataOrNull, metadataTargetBytes);
        }
    }

    /** What {@link GrowWrites} needs: where each file reads as zeros without being written. */
    GrowWrites.Plan writes() {
        long dataZeroedFrom = dataIsFile ? dataSizeBytes : Long.MAX_VALUE;
        long metadataZeroedFrom = metadataIsFile ? metadataSizeBytes : Long.MAX_VALUE;
        return new GrowWrites.Plan(before, after, dataZeroedFrom,
            before.placement() == MetadataPlacement.INTERLEAVED ? dataZeroedFrom : metadataZeroedFrom);
    }

    /**
     * Refuses a volume whose partial last group has, in a valid imd copy, a tuple past its last block:
     * grown, those tuples would describe blocks (FORMAT.md §4 keeps them zero).
     */
    private static void requireUnwrittenTail(Superblock before, Path metadata) throws IOException {
        Geometry old = before.geometry();
        long lastGroup = old.groupCount() - 1;
        int blocks = old.blocksInGroup(lastGroup);
        int blockSize = before.blockSizeBytes();
        if (blocks == old.tuplesPerGroup()) {
            return;
        }
        MemorySegment pair;
        try (FileChannel channel = FileChannel.open(metadata)) {
            pair = VolumeFiles.read(channel, old.imdPairOffsetBytes(lastGroup), 2 * blockSize);
        }
        for (int copy = 0; copy < 2 && (copy + 1) * (long) blockSize <= pair.byteSize(); copy++) {
            MemorySegment imd = pair.asSlice((long) copy * blockSize, blockSize);
            if (ImdBlock.validate(imd, lastGroup, before.volumeTag(), copy) != ImdValidity.VALID) {
                continue;
            }
            long from = ImdBlock.HEADER_BYTES + (long) ImdBlock.TUPLE_BYTES * blocks;
            for (long offset = from; offset < blockSize; offset++) {
                if (imd.get(java.lang.foreign.ValueLayout.JAVA_BYTE, offset) != 0) {
                    throw new InvalidVolumeException(metadata + ": imd copy " + copy + " of the last group (" + lastGroup
                        + ") holds a tuple past the volume's last block; refusing to grow (nothing written)");
                }
            }
        }
    }

    private static boolean isFile(Path path) throws IOException {
        if (Files.isRegularFile(path)) {
            if (!Files.isWritable(path)) {
                throw new IllegalArgumentException(path + " is not writable (nothing written)");
            }
            return true;
        }
        if (VolumeFiles.isBlockDevice(path)) {
            return false;
        }
        throw new IllegalArgumentException(path + " is neither a regular file nor a block device");
    }

    private static long sizeBytes(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path)) {
            return VolumeFiles.sizeBytes(channel, path);
        }
    }
}
