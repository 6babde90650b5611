package dev.csum.format;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The resize of one volume, checked against its devices before anything is written ({@link VolumeResizer},
 * docs/FORMAT.md §7.2, §7.3): the new data block count for the size asked with the log's length kept,
 * and how each device gets there (a file extended, or cut when the volume shrinks). Every refusal is
 * an exception naming the problem; reads only. (Whether the blocks a shrink cuts off were written is
 * known only once the log is settled: {@link ResizeWrites} checks it.)
 *
 * @param before              the data device's superblock now
 * @param after               the data device's superblock once resized; {@code before} when unchanged
 * @param dataSizeBytes       the data device's size now
 * @param dataTargetBytes     a regular data file's size once resized (its size now for a block device)
 * @param dataIsFile          whether the data device is a regular file
 * @param metadataSizeBytes   the separate metadata device's size now (interleaved: the data device's)
 * @param metadataTargetBytes a regular metadata file's size once resized
 * @param metadataIsFile      whether the metadata device is a regular file
 */
record ResizePlan(Superblock before, Superblock after, long dataSizeBytes, long dataTargetBytes, boolean dataIsFile,
                long metadataSizeBytes, long metadataTargetBytes, boolean metadataIsFile) {

    static ResizePlan of(Superblock before, long requestedBytes, Path data, Path metadataOrNull) throws IOException {
        if (before.formatVersion() != Superblock.FORMAT_VERSION) {
            throw new InvalidVolumeException(data + ": a format version " + before.formatVersion() + " volume is not resized: run "
                + "'csum convert' first to make it format version " + Superblock.FORMAT_VERSION);
        }
        boolean dataIsFile = isFile(data);
        long dataSize = sizeBytes(data);
        long target = requestedBytes == VolumeResizer.WHOLE_DEVICE ? dataSize : requestedBytes;
        int blockSize = before.blockSizeBytes();
        long dataBlocks = Geometry.dataBlocksFitting(target, blockSize, before.placement(), before.logBlockCount());
        long usable = before.dataBlockCount() * blockSize;
        if (dataBlocks < 1) {
            throw new IllegalArgumentException(target + " bytes hold no data block with the volume's tuple log of "
                + before.logBlockCount() * blockSize + " bytes (the volume has " + usable + " usable bytes; nothing written)");
        }
        boolean shrink = dataBlocks < before.dataBlockCount();
        if (!dataIsFile && target > dataSize) {
            throw new IllegalArgumentException("block device " + data + " has " + dataSize + " bytes, fewer than the " + target
                + " bytes asked; grow the device first (nothing written)");
        }
        Superblock after = dataBlocks == before.dataBlockCount() ? before : withDataBlocks(before, dataBlocks);
        Geometry resized = after.geometry();
        Path metadata = metadataOrNull == null ? data : metadataOrNull;
        boolean metadataIsFile = metadataOrNull == null ? dataIsFile : isFile(metadataOrNull);
        long metadataSize = metadataOrNull == null ? dataSize : sizeBytes(metadataOrNull);
        // A regular file becomes the size asked (a separate metadata file: the new metadata's); a grow
        // never cuts a metadata file it finds longer, nor an unchanged volume one shorter.
        long metadataTarget = metadataOrNull == null ? target
            : dataBlocks > before.dataBlockCount() ? Math.max(metadataSize, resized.metadataFileSizeBytes())
            : resized.metadataFileSizeBytes();
        if (after == before) {
            return new ResizePlan(before, before, dataSize, Math.min(dataSize, target), dataIsFile, metadataSize,
                Math.min(metadataSize, metadataTarget), metadataIsFile);
        }
        if (!metadataIsFile && metadataSize < resized.metadataFileSizeBytes()) {
            throw new IllegalArgumentException("metadata block device " + metadata + " has " + metadataSize + " bytes; "
                + dataBlocks + " data blocks need " + resized.metadataFileSizeBytes() + " (nothing written)");
        }
        if (!shrink) {
            requireUnwrittenTail(before, metadata);
        }
        return new ResizePlan(before, after, dataSize, target, dataIsFile, metadataSize, metadataTarget, metadataIsFile);
    }

    /** {@code superblock} with {@code dataBlocks} data blocks, everything else kept. */
    static Superblock withDataBlocks(Superblock superblock, long dataBlocks) {
        return new Superblock(superblock.formatVersion(), superblock.volumeUuid(), superblock.blockSizeBytes(),
            superblock.checksum(), dataBlocks, superblock.placement(), superblock.role(), superblock.flags(),
            superblock.logBlockCount());
    }

    /** Whether the size asked gives the volume as many data blocks as it has (nothing to write but {@link #cutsPastTheEnd}). */
    boolean unchanged() {
        return after.equals(before);
    }

    /**
     * Whether a regular file of an {@link #unchanged} volume is longer than the size asked: its end past
     * the volume is cut (what a shrink interrupted after its commit leaves: FORMAT.md §7.3).
     */
    boolean cutsPastTheEnd() {
        return dataIsFile && dataTargetBytes < dataSizeBytes || metadataIsFile && metadataTargetBytes < metadataSizeBytes;
    }

    /**
     * Before the first write: regular files grow to their new size (the new part a hole), and, unless
     * the volume shrinks (then {@link #truncation} cuts them after the commit), a file longer than the
     * size asked is cut — only past the volume's end.
     */
    void resizeFilesBeforeCommit(Path data, Path metadataOrNull) throws IOException {
        boolean shrink = after.dataBlockCount() < before.dataBlockCount();
        if (dataIsFile && (dataTargetBytes > dataSizeBytes || !shrink && dataTargetBytes < dataSizeBytes)) {
            VolumeFiles.setLength(data, dataTargetBytes);
        }
        if (metadataOrNull != null && metadataIsFile
                && (metadataTargetBytes > metadataSizeBytes || !shrink && metadataTargetBytes < metadataSizeBytes)) {
            VolumeFiles.setLength(metadataOrNull, metadataTargetBytes);
        }
    }

    /** Cuts a regular file to its new size (a shrink): {@link ResizeWrites.Truncation} for these devices. */
    ResizeWrites.Truncation truncation(Path data, Path metadataOrNull) {
        return fileIndex -> {
            boolean metadataFile = fileIndex == dev.csum.io.IoPort.METADATA_FILE && metadataOrNull != null;
            if (!(metadataFile ? metadataIsFile : dataIsFile)) {
                return false;
            }
            VolumeFiles.setLength(metadataFile ? metadataOrNull : data, metadataFile ? metadataTargetBytes : dataTargetBytes);
            return true;
        };
    }

    /** What {@link ResizeWrites} needs: where each file reads as zeros without being written. */
    ResizeWrites.Plan writes() {
        long dataZeroedFrom = dataIsFile ? dataSizeBytes : Long.MAX_VALUE;
        long metadataZeroedFrom = metadataIsFile ? metadataSizeBytes : Long.MAX_VALUE;
        return new ResizeWrites.Plan(before, after, dataZeroedFrom,
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
