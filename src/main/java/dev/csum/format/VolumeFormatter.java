package dev.csum.format;

import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.io.DeviceLock;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 *
 * <p>Format takes the same lock as opening a volume ({@link DeviceLock}, exclusive, on every
 * device), so it refuses a volume that any process has open, {@code force} or not, and it opens
 * every device for writing before it writes the first byte to any of them.
 */
public final class VolumeFormatter {

    /** {@link Request#sizeBytes()} meaning "the existing file's or device's size". */
    public static final long EXISTING_SIZE = -1;

    /** Zero-fill write size for a separate metadata block device. */
    private static final int ZERO_CHUNK_BYTES = 1 << 20;

    private VolumeFormatter() {
    }

    /**
     * What to format.
     *
     * @param dataPath          the data device (a regular file, created if absent, or a block device)
     * @param metadataPathOrNull a separate metadata device, or null for interleaved metadata
     * @param sizeBytes         data device size to use, or {@link #EXISTING_SIZE} for the existing file's or device's size
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
        if (request.sizeBytes() != EXISTING_SIZE && request.sizeBytes() <= 0) {
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
        if (request.sizeBytes() == EXISTING_SIZE) {
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
        // Refuse what must not be overwritten before anything is created or locked ...
        refuseUnlessEmpty(request, data, metadata);
        // ... then lock each device (creating a missing file) and open it for writing before the
        // first byte is written: a device another process (or this one) has open, or one that
        // cannot be written, stops the format with every device as it was. The contents are
        // checked again under the lock, in case they changed in between.
        try (DeviceLock dataLock = DeviceLock.acquire(dataPath, "data device", DeviceLock.Mode.EXCLUSIVE, true);
             DeviceLock metadataLock = metadataPath == null ? null
                 : DeviceLock.acquire(metadataPath, "metadata device", DeviceLock.Mode.EXCLUSIVE, true)) {
            refuseUnlessEmpty(request, data, metadata);
            try (FileChannel dataChannel = data.openForWriting();
                 FileChannel metadataChannel = metadata == null ? null : metadata.openForWriting()) {
                // Everything checked and open: from here on, write.
                if (metadata == null) {
                    data.clear(dataChannel, dataSize);
                    if (data.blockDevice) {
                        zeroInterleavedPairs(dataChannel, geometry);
                    }
                    writeSuperblocks(dataChannel, superblock, true);
                    dataChannel.force(true);
                } else {
                    metadata.clear(metadataChannel, geometry.metadataFileSizeBytes());
                    data.clear(dataChannel, dataSize);
                    if (metadata.blockDevice) {
                        zeroRange(metadataChannel, blockSize, geometry.backupSuperblockOffsetBytes());
                    }
                    writeSuperblocks(metadataChannel, superblock.withRole(DeviceRole.METADATA), true);
                    metadataChannel.force(true);
                    writeSuperblocks(dataChannel, superblock, false);
                    dataChannel.force(true);
                }
            }
        }
        return superblock;
    }

    private static void refuseUnlessEmpty(Request request, Target data, Target metadata) throws IOException {
        if (!request.force()) {
            data.refuseUnlessEmpty();
            if (metadata != null) {
                metadata.refuseUnlessEmpty();
            }
        }
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

        /** Opens the device for reading and writing, changing nothing. */
        FileChannel openForWriting() throws IOException {
            return FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }

        /**
         * Discards a regular file's old contents: it becomes all holes of {@code lengthBytes}. A block
         * device keeps its size (format overwrites what it must).
         */
        void clear(FileChannel channel, long lengthBytes) throws IOException {
            if (blockDevice) {
                return;
            }
            channel.truncate(0);
            try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
                // Another descriptor of the locked file: the volume lock is an open-file-description
                // lock, which closing this one leaves in place (a POSIX record lock would be dropped).
                file.setLength(lengthBytes);
            }
        }
    }
}
