package dev.csum.format;

import dev.csum.checksum.ChecksumAlgorithm;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.UUID;

/**
 * Creates a volume: writes superblocks and makes every imd block read as all-zero
 * ({@link ImdValidity#EMPTY}), never touching the data area, then fsyncs.
 *
 * <p>Regular files are cut to length 0 and re-extended, so every imd block (and the data area) is
 * a hole: formatting 64 GiB writes two or three blocks. On a block device the imd pairs are
 * overwritten with zeros (interleaved: one {@code 2 × blockSize} write per group; separate: the
 * metadata device in 1 MiB sequential writes). Format discards a device's previous contents: unless
 * {@link Request#force()} is set it refuses, before writing anything, a device that holds a volume,
 * a known signature or non-zero bytes near either end ({@link ExistingContent}).
 */
public final class VolumeFormatter {

    /** Zero-fill write size for a separate metadata block device. */
    private static final int ZERO_CHUNK_BYTES = 1 << 20;

    private VolumeFormatter() {
    }

    /**
     * What to format.
     *
     * @param dataPath          the data device (a regular file, created if absent, or a block device)
     * @param metadataPathOrNull a separate metadata device, or null for interleaved metadata
     * @param sizeBytes         data device size to use, or -1 for the existing file's or device's size
     * @param blockSizeBytes    512 or 4096
     * @param checksum          the data blocks' checksum algorithm
     * @param force             overwrite whatever the devices hold
     */
    public record Request(Path dataPath, Path metadataPathOrNull, long sizeBytes, int blockSizeBytes,
                          ChecksumAlgorithm checksum, boolean force) {
    }

    /**
     * Formats a new volume with a fresh random UUID and returns the data device's superblock.
     * Every argument is validated before the first write.
     *
     * @throws IllegalArgumentException for invalid arguments (bad block size, too small, ...)
     * @throws InvalidVolumeException   when a device holds anything (a volume, a file system, data) and force is not set
     * @throws IOException              when a device cannot be read or written
     */
    public static Superblock format(Request request) throws IOException {
        Objects.requireNonNull(request, "request");
        Path dataPath = Objects.requireNonNull(request.dataPath(), "dataPath");
        Path metadataPath = request.metadataPathOrNull();
        Objects.requireNonNull(request.checksum(), "checksum");
        int blockSize = request.blockSizeBytes();
        if (!Geometry.isSupportedBlockSize(blockSize)) {
            throw new IllegalArgumentException("block size must be 512 or 4096 bytes, got " + blockSize);
        }
        if (request.sizeBytes() != -1 && request.sizeBytes() <= 0) {
            throw new IllegalArgumentException("size must be positive, or -1 for the existing size; got " + request.sizeBytes());
        }
        MetadataPlacement placement = metadataPath == null ? MetadataPlacement.INTERLEAVED : MetadataPlacement.SEPARATE;
        if (metadataPath != null && dataPath.toAbsolutePath().normalize().equals(metadataPath.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("the metadata device must differ from the data device: " + dataPath);
        }
        if (metadataPath != null && Files.exists(dataPath) && Files.exists(metadataPath) && Files.isSameFile(dataPath, metadataPath)) {
            throw new IllegalArgumentException("the metadata device must differ from the data device: " + metadataPath + " is " + dataPath);
        }
        Target data = Target.inspect(dataPath, "data device");
        Target metadata = metadataPath == null ? null : Target.inspect(metadataPath, "metadata device");

        long dataSize;
        if (request.sizeBytes() == -1) {
            if (!data.exists) {
                throw new IllegalArgumentException(dataPath + " does not exist: give a size to create it");
            }
            dataSize = data.sizeBytes;
        } else {
            dataSize = request.sizeBytes();
            if (data.blockDevice && dataSize > data.sizeBytes) {
                throw new IllegalArgumentException("size " + dataSize + " exceeds block device " + dataPath + " (" + data.sizeBytes + " bytes)");
            }
        }
        long dataBlocks = Geometry.dataBlocksFitting(dataSize, blockSize, placement);
        int tuples = Geometry.tuplesPerGroup(blockSize);
        if (dataBlocks < tuples) {
            long minimum = Geometry.of(blockSize, tuples, placement).dataFileSizeBytes();
            throw new IllegalArgumentException("size " + dataSize + " bytes is too small: a volume of " + blockSize
                    + "-byte blocks needs at least one full group, " + minimum + " bytes");
        }
        Superblock superblock = new Superblock(Superblock.FORMAT_VERSION, UUID.randomUUID(), blockSize, request.checksum(),
                dataBlocks, placement, metadataPath == null ? DeviceRole.COMBINED : DeviceRole.DATA, 0);
        Geometry geometry = superblock.geometry();
        if (metadata != null && metadata.blockDevice && metadata.sizeBytes < geometry.metadataFileSizeBytes()) {
            throw new IllegalArgumentException("metadata device " + metadataPath + " has " + metadata.sizeBytes
                    + " bytes; this volume needs " + geometry.metadataFileSizeBytes());
        }
        if (!request.force()) {
            data.refuseUnlessEmpty();
            if (metadata != null) {
                metadata.refuseUnlessEmpty();
            }
        }

        // Validation done: from here on, write.
        if (metadata == null) {
            try (FileChannel channel = data.openForFormat(dataSize)) {
                if (data.blockDevice) {
                    zeroInterleavedPairs(channel, geometry);
                }
                writeSuperblocks(channel, superblock, true);
                channel.force(true);
            }
        } else {
            try (FileChannel metadataChannel = metadata.openForFormat(geometry.metadataFileSizeBytes());
                 FileChannel dataChannel = data.openForFormat(dataSize)) {
                if (metadata.blockDevice) {
                    zeroRange(metadataChannel, blockSize, geometry.backupSuperblockOffsetBytes());
                }
                writeSuperblocks(metadataChannel, superblock.withRole(DeviceRole.METADATA), true);
                metadataChannel.force(true);
                writeSuperblocks(dataChannel, superblock, false);
                dataChannel.force(true);
            }
        }
        return superblock;
    }

    /** Backup first, primary last: a device with a primary superblock is completely formatted. */
    private static void writeSuperblocks(FileChannel channel, Superblock superblock, boolean withBackup) throws IOException {
        MemorySegment block = MemorySegment.ofArray(new byte[superblock.blockSizeBytes()]);
        superblock.encode(block);
        if (withBackup) {
            VolumeFiles.write(channel, superblock.geometry().backupSuperblockOffsetBytes(), block);
            channel.force(false);
        }
        VolumeFiles.write(channel, 0, block);
    }

    private static void zeroInterleavedPairs(FileChannel channel, Geometry geometry) throws IOException {
        MemorySegment zeros = MemorySegment.ofArray(new byte[2 * geometry.blockSizeBytes()]);
        for (long group = 0; group < geometry.groupCount(); group++) {
            VolumeFiles.write(channel, geometry.imdPairOffsetBytes(group), zeros);
        }
    }

    private static void zeroRange(FileChannel channel, long fromBytes, long toBytes) throws IOException {
        MemorySegment zeros = MemorySegment.ofArray(new byte[ZERO_CHUNK_BYTES]);
        for (long offset = fromBytes; offset < toBytes; offset += ZERO_CHUNK_BYTES) {
            VolumeFiles.write(channel, offset, zeros.asSlice(0, Math.min(ZERO_CHUNK_BYTES, toBytes - offset)));
        }
    }

    /** A device to format, inspected before anything is written. */
    private record Target(Path path, String role, boolean exists, boolean blockDevice, long sizeBytes) {

        static Target inspect(Path path, String role) throws IOException {
            if (!Files.exists(path)) {
                Path parent = path.toAbsolutePath().getParent();
                if (parent == null || !Files.isDirectory(parent)) {
                    throw new IllegalArgumentException(role + " " + path + ": directory " + parent + " does not exist");
                }
                return new Target(path, role, false, false, 0);
            }
            boolean blockDevice = VolumeFiles.isBlockDevice(path);
            if (!blockDevice && !Files.isRegularFile(path)) {
                throw new IllegalArgumentException(role + " " + path + " is neither a regular file nor a block device");
            }
            try (FileChannel channel = FileChannel.open(path)) {
                return new Target(path, role, true, blockDevice, VolumeFiles.sizeBytes(channel, path));
            }
        }

        void refuseUnlessEmpty() throws IOException {
            if (exists) {
                ExistingContent.refuseUnlessEmpty(role, path, sizeBytes);
            }
        }

        /** Opens for writing; a regular file becomes all holes of {@code lengthBytes} (its old contents are discarded). */
        FileChannel openForFormat(long lengthBytes) throws IOException {
            if (blockDevice) {
                return FileChannel.open(path, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE);
            }
            try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
                file.setLength(0);
                file.setLength(lengthBytes);
            }
            return FileChannel.open(path, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE);
        }
    }
}
