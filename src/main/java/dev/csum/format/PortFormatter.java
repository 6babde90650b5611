package dev.csum.format;

import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.UUID;

/**
 * Formats a volume of format version 2 through an {@link IoPort} (a simulated disk, typically):
 * superblock(s), the backup superblock, every imd pair and the tuple log region zeroed. Synchronous;
 * for small devices.
 *
 * <p>The data area is not written: the port's files must read as zeros there, as a new
 * {@code SimulatedDisk}'s do, and the superblock says so ({@link Superblock#FLAG_DATA_ZEROED}). The
 * imd pairs and the log are written as zeros all the same, so that nothing a port held before can
 * pass for metadata or a log record.
 */
public final class PortFormatter {
    /** Bytes of zeros written at once over the log. */
    private static final int ZERO_CHUNK_BYTES = 1 << 20;

    private PortFormatter() {
    }

    /**
     * Formats the port's files as a volume of as many data blocks as fit, with the log a simulated
     * device gets ({@link #simulatedLogBlockCount}).
     *
     * @return the superblock written (role of the data device)
     */
    public static Superblock format(IoPort port, int blockSizeBytes, ChecksumAlgorithm checksum,
                                    MetadataPlacement placement, UUID uuid) throws IOException {
        return format(port, blockSizeBytes, checksum, placement, uuid,
            simulatedLogBlockCount(port.fileSizeBytes(IoPort.DATA_FILE), blockSizeBytes));
    }

    /**
     * Formats the port's files as a volume of as many data blocks as fit with a log of
     * {@code logBlockCount} blocks.
     *
     * @param logBlockCount the tuple log's length in blocks, at least {@link Geometry#MIN_LOG_BLOCKS}
     * @return the superblock written (role of the data device)
     */
    public static Superblock format(IoPort port, int blockSizeBytes, ChecksumAlgorithm checksum,
                                    MetadataPlacement placement, UUID uuid, long logBlockCount) throws IOException {
        return format(port, blockSizeBytes, checksum, placement, uuid, logBlockCount, LogBlockChoice.AUTO);
    }

    /**
     * As {@link #format(IoPort, int, ChecksumAlgorithm, MetadataPlacement, UUID, long)}, with the log
     * block asked for ({@link LogBlockChoice#logSectorsFlag}: 512, the block size, or
     * {@link LogBlockChoice#AUTO}).
     */
    public static Superblock format(IoPort port, int blockSizeBytes, ChecksumAlgorithm checksum,
                                    MetadataPlacement placement, UUID uuid, long logBlockCount,
                                    int requestedLogBlockBytes) throws IOException {
        long dataBlocks = Geometry.dataBlocksFitting(port.fileSizeBytes(IoPort.DATA_FILE), blockSizeBytes, placement,
            logBlockCount);
        if (dataBlocks < 1) {
            throw new IllegalArgumentException("device of " + port.fileSizeBytes(IoPort.DATA_FILE)
                + " bytes is too small for a volume of " + blockSizeBytes + "-byte blocks and a log of " + logBlockCount
                + " blocks");
        }
        DeviceRole dataRole = placement == MetadataPlacement.INTERLEAVED ? DeviceRole.COMBINED : DeviceRole.DATA;
        Superblock superblock = new Superblock(Superblock.FORMAT_VERSION, uuid, blockSizeBytes, checksum, dataBlocks,
            placement, dataRole, Superblock.FLAG_DATA_ZEROED
                | LogBlockChoice.logSectorsFlag(blockSizeBytes, requestedLogBlockBytes, port.alignmentBytes()), logBlockCount);
        Geometry geometry = superblock.geometry();
        if (port.fileSizeBytes(IoPort.METADATA_FILE) < geometry.metadataFileSizeBytes()) {
            throw new IllegalArgumentException("metadata device of " + port.fileSizeBytes(IoPort.METADATA_FILE)
                + " bytes is smaller than the " + geometry.metadataFileSizeBytes() + " bytes needed");
        }
        try (Arena arena = Arena.ofShared()) { // shared: a port may do the I/O on its own threads
            long alignment = Math.max(blockSizeBytes, port.alignmentBytes());
            MemorySegment block = arena.allocate(blockSizeBytes, alignment);
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
            MemorySegment zeros = arena.allocate(Math.min(ZERO_CHUNK_BYTES, Math.max(2L * blockSizeBytes,
                geometry.logBlockCount() * blockSizeBytes)), alignment);
            for (long group = 0; group < geometry.groupCount(); group++) {
                write(port, IoPort.METADATA_FILE, geometry.imdPairOffsetBytes(group), zeros.asSlice(0, 2L * blockSizeBytes));
            }
            long logEnd = geometry.backupSuperblockOffsetBytes();
            for (long offset = geometry.logOffsetBytes(); offset < logEnd; offset += zeros.byteSize()) {
                write(port, IoPort.METADATA_FILE, offset, zeros.asSlice(0, Math.min(zeros.byteSize(), logEnd - offset)));
            }
            fsync(port, IoPort.DATA_FILE);
            fsync(port, IoPort.METADATA_FILE);
        }
        return superblock;
    }

    /**
     * The log a simulated volume on a data file of {@code dataFileBytes} gets: 1/64 of the file, at
     * least {@link Geometry#MIN_LOG_BLOCKS} blocks. Like the default log ({@link
     * Geometry#defaultLogBlockCount}) without its 256 KiB floor: simulated devices are small, and a
     * small log wraps often.
     */
    public static long simulatedLogBlockCount(long dataFileBytes, int blockSizeBytes) {
        return Math.max(Geometry.MIN_LOG_BLOCKS, dataFileBytes / blockSizeBytes / Geometry.DEFAULT_LOG_DATA_FRACTION);
    }

    /**
     * The size, rounded up to 4 KiB, of the separate metadata file of the volume that
     * {@link #format(IoPort, int, ChecksumAlgorithm, MetadataPlacement, UUID)} makes of a data file of
     * {@code dataFileBytes}.
     */
    public static long separateMetadataFileBytes(long dataFileBytes, int blockSizeBytes) {
        return separateMetadataFileBytes(dataFileBytes, blockSizeBytes, simulatedLogBlockCount(dataFileBytes, blockSizeBytes));
    }

    /**
     * As {@link #separateMetadataFileBytes(long, int)}, for the volume that
     * {@link #format(IoPort, int, ChecksumAlgorithm, MetadataPlacement, UUID, long)} makes with a log
     * of {@code logBlockCount} blocks.
     */
    public static long separateMetadataFileBytes(long dataFileBytes, int blockSizeBytes, long logBlockCount) {
        long blocks = Geometry.dataBlocksFitting(dataFileBytes, blockSizeBytes, MetadataPlacement.SEPARATE);
        long neededBytes = Geometry.of(blockSizeBytes, blocks, MetadataPlacement.SEPARATE, logBlockCount)
            .metadataFileSizeBytes();
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
