package dev.csum.format;

import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.UUID;

/**
 * Formats a volume through an {@link IoPort} (a simulated disk, typically): superblock(s), the
 * backup superblock and every imd pair zeroed. Synchronous; for small devices.
 */
public final class PortFormatter {
    private PortFormatter() {
    }

    /**
     * Formats the port's files as a volume of as many data blocks as fit.
     *
     * @return the superblock written (role of the data device)
     */
    public static Superblock format(IoPort port, int blockSizeBytes, ChecksumAlgorithm checksum,
                                    MetadataPlacement placement, UUID uuid) throws IOException {
        long dataBlocks = Geometry.dataBlocksFitting(port.fileSizeBytes(IoPort.DATA_FILE), blockSizeBytes, placement);
        if (dataBlocks < 1) {
            throw new IllegalArgumentException("device of " + port.fileSizeBytes(IoPort.DATA_FILE)
                + " bytes is too small for a volume of " + blockSizeBytes + "-byte blocks");
        }
        DeviceRole dataRole = placement == MetadataPlacement.INTERLEAVED ? DeviceRole.COMBINED : DeviceRole.DATA;
        Superblock superblock = new Superblock(Superblock.FORMAT_VERSION, uuid, blockSizeBytes, checksum, dataBlocks,
            placement, dataRole, 0);
        Geometry geometry = superblock.geometry();
        if (port.fileSizeBytes(IoPort.METADATA_FILE) < geometry.metadataFileSizeBytes()) {
            throw new IllegalArgumentException("metadata device of " + port.fileSizeBytes(IoPort.METADATA_FILE)
                + " bytes is smaller than the " + geometry.metadataFileSizeBytes() + " bytes needed");
        }
        try (Arena arena = Arena.ofShared()) { // shared: a port may do the I/O on its own threads
            MemorySegment block = arena.allocate(blockSizeBytes, Math.max(blockSizeBytes, port.alignmentBytes()));
            superblock.encode(block);
            write(port, IoPort.DATA_FILE, 0, block);
            Superblock metadataCopy = superblock;
            if (placement == MetadataPlacement.SEPARATE) {
                metadataCopy = superblock.withRole(DeviceRole.METADATA);
                metadataCopy.encode(block);
                write(port, IoPort.METADATA_FILE, 0, block);
            }
            metadataCopy.encode(block);
            write(port, IoPort.METADATA_FILE, geometry.backupSuperblockOffsetBytes(), block);
            MemorySegment zeros = arena.allocate(2L * blockSizeBytes, Math.max(blockSizeBytes, port.alignmentBytes()));
            for (long group = 0; group < geometry.groupCount(); group++) {
                write(port, IoPort.METADATA_FILE, geometry.imdPairOffsetBytes(group), zeros);
            }
            fsync(port, IoPort.DATA_FILE);
            fsync(port, IoPort.METADATA_FILE);
        }
        return superblock;
    }

    /**
     * The size, rounded up to 4 KiB, of the separate metadata file of the volume that
     * {@link #format} makes of a data file of {@code dataFileBytes}.
     */
    public static long separateMetadataFileBytes(long dataFileBytes, int blockSizeBytes) {
        long blocks = Geometry.dataBlocksFitting(dataFileBytes, blockSizeBytes, MetadataPlacement.SEPARATE);
        long neededBytes = Geometry.of(blockSizeBytes, blocks, MetadataPlacement.SEPARATE).metadataFileSizeBytes();
        return (neededBytes + 4095) / 4096 * 4096;
    }

    private static void write(IoPort port, int file, long offsetBytes, MemorySegment block) throws IOException {
        if (!port.prepareWrite(file, offsetBytes, block, 0, 0)) {
            throw new IOException("io port queue full while formatting");
        }
        expect(port, block.byteSize(), "write at offset " + offsetBytes);
    }

    private static void fsync(IoPort port, int file) throws IOException {
        if (!port.prepareFsync(file, 0, 0)) {
            throw new IOException("io port queue full while formatting");
        }
        expect(port, 0, "fsync");
    }

    private static void expect(IoPort port, long expected, String what) throws IOException {
        int[] result = {Integer.MIN_VALUE};
        while (result[0] == Integer.MIN_VALUE) {
            port.submitAndReap(1, (userData, res) -> result[0] = res);
        }
        if (result[0] != expected) {
            throw new IOException("format " + what + " failed: result " + result[0]);
        }
    }
}
