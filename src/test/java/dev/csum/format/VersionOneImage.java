package dev.csum.format;

import dev.csum.checksum.BlockChecksum;
import dev.csum.checksum.ChecksumAlgorithm;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Format version 1 volumes on regular files, as a build before the tuple log wrote them, for the
 * tests of how this build treats them (read-only; docs/FORMAT.md §7). Version 1 is version 2
 * without the log and without flags: the same groups, imd pairs and data blocks, the backup
 * superblock right after the last group (interleaved) or pair (separate).
 */
public final class VersionOneImage {

    private VersionOneImage() {
    }

    /**
     * Formats {@code data} (and {@code metadataOrNull}) as version 1's formatter did: the files cut
     * to nothing and re-extended (all holes, so every imd pair reads EMPTY), a data file of
     * {@code sizeBytes} holding as many data blocks as version 1's layout fits, superblocks of version 1.
     *
     * @return the data device's superblock
     */
    public static Superblock format(Path data, Path metadataOrNull, long sizeBytes, int blockSizeBytes) throws IOException {
        MetadataPlacement placement = metadataOrNull == null ? MetadataPlacement.INTERLEAVED : MetadataPlacement.SEPARATE;
        long dataBlocks = Geometry.dataBlocksFitting(sizeBytes, blockSizeBytes, placement, 0);
        Superblock superblock = new Superblock(Superblock.FORMAT_VERSION_1, UUID.randomUUID(), blockSizeBytes, ChecksumAlgorithm.CRC32C,
                dataBlocks, placement, metadataOrNull == null ? DeviceRole.COMBINED : DeviceRole.DATA, 0, 0);
        resize(data, 0);
        resize(data, sizeBytes);
        if (metadataOrNull != null) {
            resize(metadataOrNull, 0);
            resize(metadataOrNull, superblock.geometry().metadataFileSizeBytes());
        }
        writeSuperblocks(data, metadataOrNull, superblock);
        return superblock;
    }

    /**
     * Rewrites the superblocks of the version 2 volume on {@code data} (and {@code metadataOrNull})
     * as version 1 would have written them for the same groups and data: everything else stays, so
     * blocks written while it was version 2 read back as a version 1 build would have stored them.
     * The log region becomes unused space (interleaved: its first block holds the version 1 backup).
     *
     * @return the data device's superblock, of version 1
     */
    public static Superblock downgrade(Path data, Path metadataOrNull) throws IOException {
        Superblock current = VolumeLabel.read(data, metadataOrNull).superblock();
        Superblock version1 = new Superblock(Superblock.FORMAT_VERSION_1, current.volumeUuid(), current.blockSizeBytes(),
                current.checksum(), current.dataBlockCount(), current.placement(), current.role(), 0, 0);
        // The version 2 backup would be found by a search of the device's last blocks: overwrite it.
        Path metadataDevice = metadataOrNull == null ? data : metadataOrNull;
        overwrite(metadataDevice, current.geometry().backupSuperblockOffsetBytes(), new byte[current.blockSizeBytes()]);
        writeSuperblocks(data, metadataOrNull, version1);
        return version1;
    }

    /**
     * Writes {@code bytes} (whole blocks) at logical block {@code firstBlock} of the version 1 volume
     * on {@code data} (and {@code metadataOrNull}) as version 1's engine did: per group touched, one
     * commit — the group's tuples, the new ones included, into the pair's older slot with the next
     * generation — then the data blocks. Unless {@code settle}, the pair is left as a crash after that
     * commit leaves it (its copies one generation apart and different: "dual"); with it, the other
     * copy gets the same tuples with the generation after, as version 1's close settled a group.
     */
    public static void write(Path data, Path metadataOrNull, long firstBlock, byte[] bytes, boolean settle) throws IOException {
        write(data, metadataOrNull, firstBlock, bytes, settle, true);
    }

    /**
     * As {@link #write(Path, Path, long, byte[], boolean)}; without {@code dataLands}, a crash came
     * between the commit and the data writes: the pair is left as that commit left it (not settled)
     * and the blocks keep their older data.
     */
    public static void write(Path data, Path metadataOrNull, long firstBlock, byte[] bytes, boolean settle,
                             boolean dataLands) throws IOException {
        Superblock superblock = VolumeLabel.read(data, metadataOrNull).superblock();
        if (superblock.formatVersion() != Superblock.FORMAT_VERSION_1) {
            throw new IllegalArgumentException(data + " is not a format version 1 volume");
        }
        Geometry geometry = superblock.geometry();
        int blockSize = superblock.blockSizeBytes();
        int tuples = geometry.tuplesPerGroup();
        long lastBlock = firstBlock + bytes.length / blockSize - 1;
        BlockChecksum checksum = superblock.checksum().newChecksum();
        MemorySegment source = MemorySegment.ofArray(bytes);
        try (FileChannel dataChannel = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileChannel metadataChannel = metadataOrNull == null ? null
                 : FileChannel.open(metadataOrNull, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileChannel imdChannel = metadataChannel == null ? dataChannel : metadataChannel;
            for (long group = firstBlock / tuples; group <= lastBlock / tuples; group++) {
                long pairOffset = geometry.imdPairOffsetBytes(group);
                MemorySegment pair = VolumeFiles.read(imdChannel, pairOffset, 2 * blockSize);
                MemorySegment copy0 = pair.asSlice(0, blockSize);
                MemorySegment copy1 = pair.asSlice(blockSize, blockSize);
                boolean copy1Newer = !ImdBlock.isAllZero(copy1)
                    && (ImdBlock.isAllZero(copy0) || ImdBlock.isNewer(ImdBlock.generation(copy1), ImdBlock.generation(copy0)));
                MemorySegment next = MemorySegment.ofArray(new byte[blockSize]);
                next.copyFrom(copy1Newer ? copy1 : copy0);
                int generation = ImdBlock.generation(next) + 1;
                long from = Math.max(firstBlock, group * tuples);
                long to = Math.min(lastBlock, group * tuples + tuples - 1);
                for (long block = from; block <= to; block++) {
                    MemorySegment blockBytes = source.asSlice((block - firstBlock) * blockSize, blockSize);
                    ImdBlock.setTuple(next, (int) (block % tuples), checksum.blockChecksum(blockBytes, block), ImdBlock.FLAG_WRITTEN, 0);
                }
                commit(imdChannel, pairOffset, next, group, generation, superblock.volumeTag());
                for (long block = from; block <= to && dataLands; block++) {
                    VolumeFiles.write(dataChannel, geometry.dataOffsetBytes(block), source.asSlice((block - firstBlock) * blockSize, blockSize));
                }
                if (settle && dataLands) {
                    commit(imdChannel, pairOffset, next, group, generation + 1, superblock.volumeTag());
                }
            }
            dataChannel.force(true);
            imdChannel.force(true);
        }
    }

    /** Writes {@code copy} with {@code generation} into the slot of that generation's parity. */
    private static void commit(FileChannel channel, long pairOffset, MemorySegment copy, long group, int generation, int tag)
            throws IOException {
        ImdBlock.setHeader(copy, group, generation, tag);
        ImdBlock.seal(copy);
        VolumeFiles.write(channel, pairOffset + (long) ImdBlock.slotOfGeneration(generation) * copy.byteSize(), copy);
    }

    /** The primary superblock(s) and the backup, backup first. */
    private static void writeSuperblocks(Path data, Path metadataOrNull, Superblock superblock) throws IOException {
        byte[] block = new byte[superblock.blockSizeBytes()];
        Superblock metadataCopy = metadataOrNull == null ? superblock : superblock.withRole(DeviceRole.METADATA);
        metadataCopy.encode(MemorySegment.ofArray(block));
        Path metadataDevice = metadataOrNull == null ? data : metadataOrNull;
        overwrite(metadataDevice, superblock.geometry().backupSuperblockOffsetBytes(), block);
        overwrite(metadataDevice, 0, block);
        if (metadataOrNull != null) {
            superblock.encode(MemorySegment.ofArray(block));
            overwrite(data, 0, block);
        }
    }

    private static void overwrite(Path file, long offsetBytes, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            VolumeFiles.write(channel, offsetBytes, MemorySegment.ofArray(bytes));
            channel.force(true);
        }
    }

    private static void resize(Path file, long sizeBytes) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(sizeBytes);
        }
    }
}
