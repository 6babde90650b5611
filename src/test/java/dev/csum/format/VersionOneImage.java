package dev.csum.format;

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
