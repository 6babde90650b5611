package dev.csum.format;

import dev.csum.io.IoPort;
import dev.csum.io.PortIo;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Reads and decodes a volume's superblock through an {@link IoPort} (before any engine runs): the
 * primary at block 0 of the data file, or — when the primary is damaged, as a power loss tearing a
 * raise of the log sequence ceiling (FORMAT.md §8.1) can leave it — the metadata file's backup,
 * found in its last blocks as {@link SuperblockCopies#searchBackup} finds it; and, separate, the
 * metadata file's when the data file's is what it was resized from (an interrupted resize, FORMAT.md §7.2).
 * Reads only: the port's user restores nothing.
 */
public final class PortSuperblock {
    private static final int MAX_BLOCK_BYTES = 4096;

    private PortSuperblock() {
    }

    public static Superblock read(IoPort port) throws IOException {
        try (Arena arena = Arena.ofShared()) { // shared: a port may do the I/O on its own threads
            int alignment = Math.max(MAX_BLOCK_BYTES, port.alignmentBytes());
            MemorySegment block = arena.allocate(MAX_BLOCK_BYTES, alignment);
            if (port.fileSizeBytes(IoPort.DATA_FILE) < MAX_BLOCK_BYTES) {
                block = block.asSlice(0, 512);
            }
            PortIo io = new PortIo(port);
            int result = io.read(IoPort.DATA_FILE, 0, block);
            if (result != block.byteSize()) {
                throw new IOException("reading the superblock failed: result " + result);
            }
            Superblock.Decoded primary = Superblock.inspect(block);
            if (primary.validity() == SuperblockValidity.DAMAGED) {
                Superblock backup = searchBackup(port, io, arena.allocate(MAX_BLOCK_BYTES, alignment));
                if (backup != null) { // as the data file's copy would say
                    return backup.placement() == MetadataPlacement.SEPARATE ? backup.withRole(DeviceRole.DATA) : backup;
                }
            }
            Superblock superblock = Superblock.decode(block);
            if (superblock.placement() == MetadataPlacement.SEPARATE) {
                Superblock resized = resizedMetadataCopy(port, io, arena.allocate(MAX_BLOCK_BYTES, alignment), superblock);
                if (resized != null) {
                    return resized;
                }
            }
            return superblock;
        }
    }

    /**
     * The metadata file's superblock (its primary, or its backup when the primary is damaged) as the
     * data file's copy would say, when the data file's {@code dataSuperblock} is what it was resized
     * from: a resize that committed and crashed before the data file's primary (FORMAT.md §6, §7.2).
     * Else null.
     */
    private static Superblock resizedMetadataCopy(IoPort port, PortIo io, MemorySegment buffer, Superblock dataSuperblock)
            throws IOException {
        MemorySegment block = buffer.asSlice(0, dataSuperblock.blockSizeBytes());
        Superblock metadata = null;
        if (io.read(IoPort.METADATA_FILE, 0, block) == block.byteSize()) {
            Superblock.Decoded primary = Superblock.inspect(block);
            if (primary.validity() == SuperblockValidity.VALID) {
                metadata = primary.superblock();
            } else if (primary.validity() == SuperblockValidity.DAMAGED) {
                metadata = searchBackup(port, io, buffer);
            }
        }
        if (metadata == null || metadata.role() != DeviceRole.METADATA) {
            return null;
        }
        Superblock asData = metadata.withRole(DeviceRole.DATA);
        return VolumeResizer.resizedFrom(asData, dataSuperblock) ? asData : null;
    }

    /** The metadata file's valid backup superblock, at the place its own geometry gives; null when none. */
    private static Superblock searchBackup(IoPort port, PortIo io, MemorySegment buffer) throws IOException {
        long sizeBytes = port.fileSizeBytes(IoPort.METADATA_FILE);
        for (int blockSize : new int[] {4096, 512}) {
            long end = sizeBytes / blockSize * blockSize;
            for (int k = 1; k <= SuperblockCopies.BACKUP_SEARCH_BLOCKS; k++) {
                long offset = end - (long) k * blockSize;
                if (offset < blockSize) {
                    break;
                }
                MemorySegment block = buffer.asSlice(0, blockSize);
                if (io.read(IoPort.METADATA_FILE, offset, block) != blockSize) {
                    continue;
                }
                Superblock.Decoded decoded = Superblock.inspect(block);
                if (decoded.validity() == SuperblockValidity.VALID
                        && SuperblockCopies.isBackupAt(decoded.superblock(), blockSize, offset)) {
                    return decoded.superblock();
                }
            }
        }
        return null;
    }
}
