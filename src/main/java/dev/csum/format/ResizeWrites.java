package dev.csum.format;

import dev.csum.io.IoPort;
import dev.csum.io.PortIo;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The writes of resizing a volume (docs/FORMAT.md §7.2, §7.3), through an {@link IoPort} whose files
 * are at least their new size. Growing: settle the log, carry the log sequence ceiling, zero every
 * block that changes role, write the new backup superblock, zero the old one, then the commit (the
 * metadata device's primary) and, separate, the data device's primary. Shrinking: settle, check that
 * no block cut off was written, zero where the new log and backup go, the commit, the old backup
 * removed, the new backup, the data device's primary. Each step synced before the next.
 * {@link VolumeResizer} checks everything and takes the lock first; a simulated disk calls
 * {@link VolumeResizer#resizeOnPort} directly. Blocking, single-threaded, before any engine runs.
 */
final class ResizeWrites {
    /** Bytes of zeros written at once. */
    private static final int ZERO_CHUNK_BYTES = 1 << 20;

    /**
     * Makes a range of one of the port's files read as zeros without writing it, if it can (a hole
     * punched): true when done, false to have the zeros written.
     */
    @FunctionalInterface
    interface FastZeroing {
        FastZeroing NONE = (fileIndex, offsetBytes, lengthBytes) -> false;

        boolean zero(int fileIndex, long offsetBytes, long lengthBytes);
    }

    /**
     * The grow of one volume.
     *
     * @param before             the data device's superblock now
     * @param after              the data device's superblock once grown
     * @param dataZeroedFromBytes the data file (interleaved: the file) reads as zeros from here on
     *                           without being written (the end of a regular file before it grew;
     *                           {@link Long#MAX_VALUE} for a device whose blocks hold anything)
     * @param metadataZeroedFromBytes the same for the separate metadata file
     */
    record Plan(Superblock before, Superblock after, long dataZeroedFromBytes, long metadataZeroedFromBytes) {
    }

    /**
     * Cuts one of the port's files to its new length (a regular file shrinks); false when it cannot (a
     * block device, a simulated disk), and the old backup superblock is zeroed instead.
     */
    @FunctionalInterface
    interface Truncation {
        Truncation NONE = fileIndex -> false;

        boolean truncate(int fileIndex) throws IOException;
    }

    private final IoPort port;
    private final PortIo io;
    private final Plan plan;
    private final FastZeroing zeroing;
    private final int blockSizeBytes;
    private final Arena arena = Arena.ofShared(); // shared: a port may do the I/O on its own threads
    private final MemorySegment block;

    private ResizeWrites(IoPort port, Plan plan, FastZeroing zeroing) {
        this.port = port;
        this.io = new PortIo(port);
        this.plan = plan;
        this.zeroing = zeroing;
        this.blockSizeBytes = plan.before().blockSizeBytes();
        this.block = arena.allocate(blockSizeBytes, alignment());
    }

    /** Runs the grow of {@code plan} on {@code port} up to {@code lastStep}; returns the superblock that then rules. */
    static Superblock run(IoPort port, Plan plan, VolumeResizer.LogSettler settler, FastZeroing zeroing,
                          Truncation truncation, VolumeResizer.Step lastStep) throws IOException {
        ResizeWrites writes = new ResizeWrites(port, plan, zeroing);
        try {
            long floor = writes.settle(settler);
            if (lastStep == VolumeResizer.Step.SETTLED) {
                return plan.before();
            }
            return plan.after().dataBlockCount() < plan.before().dataBlockCount()
                ? writes.shrink(floor, truncation, lastStep) : writes.grow(floor, lastStep);
        } finally {
            writes.arena.close();
        }
    }

    /** (1) Settle: nothing left to replay, and a ceiling at least the floor in the old copies; returns the floor. */
    private long settle(VolumeResizer.LogSettler settler) throws IOException {
        Superblock before = plan.before();
        VolumeResizer.SettledLog settled = settler.settle(port, before);
        long floor = Math.max(settled.storedCeiling(), settled.nextSequence());
        if (settled.storedCeiling() < floor) {
            writeSuperblock(IoPort.METADATA_FILE, before.geometry().backupSuperblockOffsetBytes(), before.metadataCopy(), floor);
            writeSuperblock(IoPort.METADATA_FILE, 0, before.metadataCopy(), floor);
        }
        return floor;
    }

    private Superblock grow(long floor, VolumeResizer.Step lastStep) throws IOException {
        Superblock before = plan.before();
        Superblock after = plan.after();
        Geometry old = before.geometry();
        Geometry grown = after.geometry();
        // (2) Every block that changes role reads as zeros, but the old backup (the old volume's still).
        long oldBackup = old.backupSuperblockOffsetBytes();
        // Up to the new backup; on a regular file, all it held before it grew (an earlier attempt's backup included).
        long metadataEnd = plan.metadataZeroedFromBytes() == Long.MAX_VALUE ? grown.backupSuperblockOffsetBytes()
            : Math.max(grown.backupSuperblockOffsetBytes(), plan.metadataZeroedFromBytes());
        zero(IoPort.METADATA_FILE, old.logOffsetBytes(), oldBackup, plan.metadataZeroedFromBytes());
        zero(IoPort.METADATA_FILE, oldBackup + blockSizeBytes, metadataEnd, plan.metadataZeroedFromBytes());
        if (after.placement() == MetadataPlacement.SEPARATE && after.dataZeroed()) {
            zero(IoPort.DATA_FILE, old.dataFileSizeBytes(), grown.dataFileSizeBytes(), plan.dataZeroedFromBytes());
            sync(IoPort.DATA_FILE);
        }
        if (after.logSectors() && plan.metadataZeroedFromBytes() != Long.MAX_VALUE) {
            // A regular file: the moved log as written zeros, not holes, as format leaves it (FORMAT.md
            // §2.3: a file system serializes 512-byte writes into holes); the old backup stays (step 4).
            writeZeros(IoPort.METADATA_FILE, grown.logOffsetBytes(), Math.min(oldBackup, grown.backupSuperblockOffsetBytes()),
                false);
            writeZeros(IoPort.METADATA_FILE, Math.max(grown.logOffsetBytes(), oldBackup + blockSizeBytes),
                grown.backupSuperblockOffsetBytes(), false);
        }
        sync(IoPort.METADATA_FILE);
        if (lastStep == VolumeResizer.Step.ZEROED) {
            return before;
        }
        // (3) The new backup: the new volume is complete but for its primary.
        writeSuperblock(IoPort.METADATA_FILE, grown.backupSuperblockOffsetBytes(), after.metadataCopy(), floor);
        if (lastStep == VolumeResizer.Step.BACKUP_WRITTEN) {
            return before;
        }
        // (4) The old backup lies inside the new layout: zeros.
        zero(IoPort.METADATA_FILE, oldBackup, oldBackup + blockSizeBytes, Long.MAX_VALUE);
        sync(IoPort.METADATA_FILE);
        if (lastStep == VolumeResizer.Step.OLD_BACKUP_ZEROED) {
            return before;
        }
        // (5) The commit: the metadata device's primary; then, separate, the data device's.
        writeSuperblock(IoPort.METADATA_FILE, 0, after.metadataCopy(), floor);
        if (lastStep == VolumeResizer.Step.COMMITTED || after.placement() == MetadataPlacement.INTERLEAVED) {
            return after;
        }
        writeSuperblock(IoPort.DATA_FILE, 0, after, 0);
        return after;
    }

    /**
     * Shrinks (FORMAT.md §7.3): refuses unless every block cut off is unwritten in every usable imd
     * copy; zeros where the new log and backup go (blocks the old volume never wrote, or its settled
     * log); the commit; the old backup removed (the file cut, or the block zeroed); the new backup;
     * separate, the data device's primary, and its file cut.
     */
    private Superblock shrink(long floor, Truncation truncation, VolumeResizer.Step lastStep) throws IOException {
        Superblock before = plan.before();
        Superblock after = plan.after();
        Geometry old = before.geometry();
        Geometry shrunk = after.geometry();
        requireCutBlocksUnwritten(old, after.dataBlockCount());
        zero(IoPort.METADATA_FILE, shrunk.logOffsetBytes(), shrunk.metadataFileSizeBytes(), Long.MAX_VALUE);
        sync(IoPort.METADATA_FILE);
        if (lastStep == VolumeResizer.Step.ZEROED) {
            return before;
        }
        writeSuperblock(IoPort.METADATA_FILE, 0, after.metadataCopy(), floor);
        if (lastStep == VolumeResizer.Step.COMMITTED) {
            return after;
        }
        boolean interleaved = after.placement() == MetadataPlacement.INTERLEAVED;
        if (!truncation.truncate(IoPort.METADATA_FILE)) {
            long oldBackup = old.backupSuperblockOffsetBytes();
            zero(IoPort.METADATA_FILE, oldBackup, oldBackup + blockSizeBytes, Long.MAX_VALUE);
        }
        sync(IoPort.METADATA_FILE);
        if (lastStep == VolumeResizer.Step.OLD_BACKUP_ZEROED) {
            return after;
        }
        writeSuperblock(IoPort.METADATA_FILE, shrunk.backupSuperblockOffsetBytes(), after.metadataCopy(), floor);
        if (lastStep == VolumeResizer.Step.BACKUP_WRITTEN || interleaved) {
            return after;
        }
        writeSuperblock(IoPort.DATA_FILE, 0, after, 0);
        if (truncation.truncate(IoPort.DATA_FILE)) {
            sync(IoPort.DATA_FILE);
        }
        return after;
    }

    /**
     * Refuses the shrink unless every block from {@code newDataBlocks} on is unwritten: its tuple all
     * zeros in each usable (valid or empty) copy of its group's imd pair, and each pair with a usable
     * copy. After the settle, the pairs hold every tuple ever written.
     */
    private void requireCutBlocksUnwritten(Geometry old, long newDataBlocks) throws IOException {
        int tuples = old.tuplesPerGroup();
        MemorySegment pair = arena.allocate(2L * blockSizeBytes, alignment());
        int tag = plan.before().volumeTag();
        for (long group = newDataBlocks / tuples; group < old.groupCount(); group++) {
            int read = io.read(IoPort.METADATA_FILE, old.imdPairOffsetBytes(group), pair);
            if (read != pair.byteSize()) {
                throw new IOException("shrink: reading the imd pair of group " + group + " failed: result " + read);
            }
            boolean usable = false;
            for (int copy = 0; copy < 2; copy++) {
                MemorySegment imd = pair.asSlice((long) copy * blockSizeBytes, blockSizeBytes);
                ImdValidity validity = ImdBlock.validate(imd, group, tag, copy);
                if (validity != ImdValidity.VALID && validity != ImdValidity.EMPTY) {
                    continue;
                }
                usable = true;
                long first = Math.max(0, newDataBlocks - group * tuples);
                for (long index = first; index < old.blocksInGroup(group); index++) {
                    long offset = ImdBlock.HEADER_BYTES + index * ImdBlock.TUPLE_BYTES;
                    if (imd.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, offset) != 0) {
                        boolean written = (imd.get(java.lang.foreign.ValueLayout.JAVA_BYTE, offset + ImdBlock.TUPLE_FLAGS_OFFSET)
                            & ImdBlock.FLAG_WRITTEN) != 0;
                        throw new IllegalArgumentException("shrinking would cut off block " + (group * tuples + index)
                            + (written ? ", which was written" : ", which was discarded (its tuple is not empty)")
                            + "; a volume shrinks only over blocks never written (nothing cut)");
                    }
                }
            }
            if (!usable) {
                throw new InvalidVolumeException("both imd copies of group " + group + " are damaged: cannot tell whether its"
                    + " blocks past the new end were written; refusing to shrink (nothing cut)");
            }
        }
    }

    /** Zeros in {@code [fromBytes, toBytes)} of {@code fileIndex}, up to {@code zeroedFromBytes} (beyond it they are already). */
    private void zero(int fileIndex, long fromBytes, long toBytes, long zeroedFromBytes) throws IOException {
        long end = Math.min(toBytes, zeroedFromBytes);
        if (end <= fromBytes || zeroing.zero(fileIndex, fromBytes, end - fromBytes)) {
            return;
        }
        // What reads as zeros already (a file's holes, a device's unused blocks) is not written:
        // no memory on tmpfs, no allocation on a thin device. The sync after makes the rest durable.
        writeZeros(fileIndex, fromBytes, end, true);
    }

    /** Writes zeros over {@code [fromBytes, toBytes)}; with {@code skipZeros}, not where the bytes read as zeros already. */
    private void writeZeros(int fileIndex, long fromBytes, long toBytes, boolean skipZeros) throws IOException {
        long chunkBytes = Math.min(ZERO_CHUNK_BYTES, toBytes - fromBytes);
        if (chunkBytes <= 0) {
            return;
        }
        MemorySegment zeros = arena.allocate(chunkBytes, alignment());
        MemorySegment found = skipZeros ? arena.allocate(chunkBytes, alignment()) : null;
        for (long offset = fromBytes; offset < toBytes; offset += chunkBytes) {
            long length = Math.min(chunkBytes, toBytes - offset);
            if (skipZeros) {
                MemorySegment chunk = found.asSlice(0, length);
                if (io.read(fileIndex, offset, chunk) == length && chunk.mismatch(zeros.asSlice(0, length)) < 0) {
                    continue;
                }
            }
            write(fileIndex, offset, zeros.asSlice(0, length));
        }
    }

    private void writeSuperblock(int fileIndex, long offsetBytes, Superblock superblock, long ceiling) throws IOException {
        superblock.encode(block, ceiling);
        write(fileIndex, offsetBytes, block);
        sync(fileIndex);
    }

    private void write(int fileIndex, long offsetBytes, MemorySegment bytes) throws IOException {
        int written = io.write(fileIndex, offsetBytes, bytes);
        if (written != bytes.byteSize()) {
            throw new IOException("grow: writing " + bytes.byteSize() + " bytes at byte " + offsetBytes + " of the "
                + fileName(fileIndex) + " failed: result " + written);
        }
    }

    private void sync(int fileIndex) throws IOException {
        int result = io.fdatasync(fileIndex);
        if (result < 0) {
            throw new IOException("grow: syncing the " + fileName(fileIndex) + " failed: result " + result);
        }
    }

    private String fileName(int fileIndex) {
        return plan.before().placement() == MetadataPlacement.INTERLEAVED ? "device"
            : fileIndex == IoPort.DATA_FILE ? "data device" : "metadata device";
    }

    private long alignment() {
        return Math.max(blockSizeBytes, port.alignmentBytes());
    }
}
