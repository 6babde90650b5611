package dev.csum.format;

import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.io.DeviceLock;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.UUID;

/**
 * Creates a volume of format version 2: writes superblocks and makes every imd block read as
 * all-zero ({@link ImdValidity#EMPTY}) and the tuple log region hold no record, then fsyncs. The data
 * area is never written; where it can be made to read as zeros without writing it, it is, and the
 * superblock says so ({@link Superblock#FLAG_DATA_ZEROED}).
 *
 * <p>Regular files are cut to length 0 and re-extended, so every block between the superblocks
 * (imd pairs, log, data area) reads as zeros, and the data area is zeroed; how the file is then
 * allocated is {@link Request#allocation()}'s choice ({@link FileAllocation}): holes (formatting 64
 * GiB writes two or three blocks), reserved extents (one {@code fallocate}), or zeros written. On a block device everything between the superblocks is
 * zeroed by the device itself when it can ({@code fallocate(PUNCH_HOLE | KEEP_SIZE)}: write-zeroes or
 * a discard that zeroes, which the kernel refuses rather than emulate), and the data area is then
 * zeroed too; otherwise the imd pairs and the log are overwritten with zeros (interleaved: one
 * {@code 2 × blockSize} write per group and the log in 1 MiB writes; separate: the metadata device in
 * 1 MiB sequential writes) and the data area is left as it was, the flag clear. Format discards a
 * device's previous contents: unless {@link Request#force()} is set it refuses, before writing
 * anything, a device that holds a volume, a known signature or non-zero bytes near either end
 * ({@link ExistingContent}).
 *
 * <p>Format takes the same lock as opening a volume ({@link DeviceLock}, exclusive, on every
 * device), so it refuses a volume that any process has open, {@code force} or not, and it opens
 * every device for writing before it writes the first byte to any of them.
 */
public final class VolumeFormatter {

    /** {@link Request#sizeBytes()} meaning "the existing file's or device's size". */
    public static final long EXISTING_SIZE = -1;

    /** {@link Request#logSizeBytes()} meaning "the default log size" ({@link Geometry#defaultLogBlockCount}). */
    public static final long DEFAULT_LOG_SIZE = 0;

    /** Zero-fill write size for a log or a separate metadata block device. */
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
     * @param logSizeBytes      the tuple log's size: a multiple of the block size, at least
     *                          {@link Geometry#MIN_LOG_BLOCKS} blocks; or {@link #DEFAULT_LOG_SIZE}
     * @param allocation        how each regular file is laid out ({@link FileAllocation}); block
     *                          devices take only {@link FileAllocation#AUTO}
     * @param logBlockBytes     the log's block: 512, the block size, or {@link LogBlockChoice#AUTO}
     *                          ({@link LogBlockChoice#logSectorsFlag})
     */
    public record Request(Path dataPath, Path metadataPathOrNull, long sizeBytes, int blockSizeBytes,
                          ChecksumAlgorithm checksum, boolean force, long logSizeBytes, FileAllocation allocation,
                          int logBlockBytes) {

        /** Checks that an allocation is given ({@link FileAllocation#AUTO} for the default). */
        public Request {
            Objects.requireNonNull(allocation, "allocation");
        }

        /** A request with the default log block ({@link LogBlockChoice#AUTO}). */
        public Request(Path dataPath, Path metadataPathOrNull, long sizeBytes, int blockSizeBytes,
                       ChecksumAlgorithm checksum, boolean force, long logSizeBytes, FileAllocation allocation) {
            this(dataPath, metadataPathOrNull, sizeBytes, blockSizeBytes, checksum, force, logSizeBytes, allocation,
                LogBlockChoice.AUTO);
        }

        /** A request with the default allocation ({@link FileAllocation#AUTO}). */
        public Request(Path dataPath, Path metadataPathOrNull, long sizeBytes, int blockSizeBytes,
                       ChecksumAlgorithm checksum, boolean force, long logSizeBytes) {
            this(dataPath, metadataPathOrNull, sizeBytes, blockSizeBytes, checksum, force, logSizeBytes, FileAllocation.AUTO);
        }

        /** A request for a log of the default size, with the default allocation. */
        public Request(Path dataPath, Path metadataPathOrNull, long sizeBytes, int blockSizeBytes,
                       ChecksumAlgorithm checksum, boolean force) {
            this(dataPath, metadataPathOrNull, sizeBytes, blockSizeBytes, checksum, force, DEFAULT_LOG_SIZE);
        }
    }

    /** Zeroes a range of a block device without writing it, if the device can: {@link BlockDeviceZeroing}. */
    @FunctionalInterface
    interface FastZeroing {
        /** Whether {@code [offsetBytes, offsetBytes + lengthBytes)} of {@code device} now reads as zeros. */
        boolean zero(Path device, long offsetBytes, long lengthBytes);
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
        return format(request, BlockDeviceZeroing::zero);
    }

    /** {@link #format(Request)} zeroing block devices with {@code zeroing} (tests: one that cannot). */
    static Superblock format(Request request, FastZeroing zeroing) throws IOException {
        Objects.requireNonNull(request, "request");
        Path dataPath = Objects.requireNonNull(request.dataPath(), "dataPath");
        Path metadataPath = request.metadataPathOrNull();
        Objects.requireNonNull(request.checksum(), "checksum");
        int blockSize = request.blockSizeBytes();
        if (!Geometry.isSupportedBlockSize(blockSize)) {
            throw new IllegalArgumentException("block size must be 512 or 4096 bytes, got " + blockSize);
        }
        LogBlockChoice.requireValid(blockSize, request.logBlockBytes());
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
        Geometry geometry = layout(request, dataSize, placement);
        if (metadata != null && metadata.blockDevice && metadata.sizeBytes < geometry.metadataFileSizeBytes()) {
            throw new IllegalArgumentException("metadata device " + metadataPath + " has " + metadata.sizeBytes
                    + " bytes; this volume needs " + geometry.metadataFileSizeBytes());
        }
        FileAllocation dataAllocation = data.allocation(request.allocation(), blockSize, dataSize);
        FileAllocation metadataAllocation = metadata == null ? null
            : metadata.allocation(request.allocation(), blockSize, geometry.metadataFileSizeBytes());
        // Refuse what must not be overwritten before anything is created or locked ...
        refuseUnlessEmpty(request, data, metadata);
        Superblock superblock;
        // ... then lock each device (creating a missing file) and open it for writing before the
        // first byte is written: a device another process (or this one) has open, or one that
        // cannot be written, stops the format with every device as it was. The contents are
        // checked again under the lock, in case they changed in between.
        try (DeviceLock dataLock = DeviceLock.acquire(dataPath, "data device", DeviceLock.Mode.EXCLUSIVE, true);
             DeviceLock metadataLock = metadataPath == null ? null
                 : DeviceLock.acquire(metadataPath, "metadata device", DeviceLock.Mode.EXCLUSIVE, true)) {
            refuseUnlessEmpty(request, data, metadata);
            // The log's block, from the direct I/O the metadata device takes: refused here, before the
            // first write, when 512 was asked for a device that needs more.
            int logSectorsFlag = LogBlockChoice.logSectorsFlag(blockSize, request.logBlockBytes(),
                DirectIoProbe.alignmentBytes(metadata == null ? dataPath : metadataPath));
            try (FileChannel dataChannel = data.openForWriting();
                 FileChannel metadataChannel = metadata == null ? null : metadata.openForWriting()) {
                // Everything checked and open: from here on, write.
                boolean dataZeroed;
                if (metadata == null) {
                    // Regular file: all holes. Block device: zeroed between the superblocks, or pairs and log written.
                    data.clear(dataChannel, dataSize, dataAllocation);
                    dataZeroed = !data.blockDevice || zeroing.zero(dataPath, blockSize, geometry.backupSuperblockOffsetBytes() - blockSize);
                    if (!dataZeroed) {
                        zeroInterleavedPairs(dataChannel, geometry);
                        zeroRange(dataChannel, geometry.logOffsetBytes(), geometry.backupSuperblockOffsetBytes());
                    }
                } else {
                    metadata.clear(metadataChannel, geometry.metadataFileSizeBytes(), metadataAllocation);
                    data.clear(dataChannel, dataSize, dataAllocation);
                    if (metadata.blockDevice && !zeroing.zero(metadataPath, blockSize, geometry.backupSuperblockOffsetBytes() - blockSize)) {
                        zeroRange(metadataChannel, blockSize, geometry.backupSuperblockOffsetBytes());
                    }
                    dataZeroed = !data.blockDevice || zeroing.zero(dataPath, blockSize, geometry.dataFileSizeBytes() - blockSize);
                }
                Target logTarget = metadata == null ? data : metadata;
                FileAllocation logAllocation = metadata == null ? dataAllocation : metadataAllocation;
                if (logSectorsFlag != 0 && !logTarget.blockDevice && logAllocation != FileAllocation.ZEROED) {
                    // Written zeros, not a hole or an unwritten extent: ext4 takes a direct write smaller
                    // than its block there only after draining the file's direct I/O in flight, and a
                    // 512-byte record is one (PERFORMANCE.md, "512-byte log blocks"). The region is all
                    // written within the log's first lap anyway.
                    zeroRange(metadata == null ? dataChannel : metadataChannel, geometry.logOffsetBytes(),
                        geometry.backupSuperblockOffsetBytes());
                }
                superblock = new Superblock(Superblock.FORMAT_VERSION, UUID.randomUUID(), blockSize, request.checksum(),
                        geometry.dataBlockCount(), placement, metadata == null ? DeviceRole.COMBINED : DeviceRole.DATA,
                        (dataZeroed ? Superblock.FLAG_DATA_ZEROED : 0) | logSectorsFlag, geometry.logBlockCount());
                if (metadata == null) {
                    writeSuperblocks(dataChannel, superblock, true);
                    dataChannel.force(true);
                } else {
                    writeSuperblocks(metadataChannel, superblock.withRole(DeviceRole.METADATA), true);
                    metadataChannel.force(true);
                    writeSuperblocks(dataChannel, superblock, false);
                    dataChannel.force(true);
                }
            }
        }
        return superblock;
    }

    /**
     * The layout of the new volume on a data device of {@code dataSizeBytes}: as many data blocks as
     * fit with the requested log, or with the default log (which grows with the data). Checks the log
     * size and that at least one full group fits, before any I/O.
     */
    private static Geometry layout(Request request, long dataSizeBytes, MetadataPlacement placement) {
        int blockSize = request.blockSizeBytes();
        long logBytes = request.logSizeBytes();
        checkLogSize(logBytes, blockSize);
        long dataBlocks = logBytes == DEFAULT_LOG_SIZE ? Geometry.dataBlocksFitting(dataSizeBytes, blockSize, placement)
                : Geometry.dataBlocksFitting(dataSizeBytes, blockSize, placement, logBytes / blockSize);
        int tuples = Geometry.tuplesPerGroup(blockSize);
        if (dataBlocks < tuples) {
            long minimum = Geometry.of(blockSize, tuples, placement, logBytes == DEFAULT_LOG_SIZE
                    ? Geometry.defaultLogBlockCount(blockSize, tuples) : logBytes / blockSize).dataFileSizeBytes();
            throw new IllegalArgumentException("size " + dataSizeBytes + " bytes is too small: a volume of " + blockSize
                    + "-byte blocks needs at least one full group" + (placement == MetadataPlacement.INTERLEAVED
                    ? " and its " + (logBytes == DEFAULT_LOG_SIZE ? "smallest default " : "") + "log" : "") + ", " + minimum + " bytes");
        }
        long logBlocks = logBytes == DEFAULT_LOG_SIZE ? Geometry.defaultLogBlockCount(blockSize, dataBlocks) : logBytes / blockSize;
        return Geometry.of(blockSize, dataBlocks, placement, logBlocks);
    }

    /**
     * Refuses a requested log size of {@code logBytes} that is not whole blocks of {@code blockSize}
     * or is below {@link Geometry#MIN_LOG_BLOCKS} blocks; {@link #DEFAULT_LOG_SIZE} passes.
     *
     * @throws IllegalArgumentException naming the size and the rule it breaks
     */
    static void checkLogSize(long logBytes, int blockSize) {
        if (logBytes != DEFAULT_LOG_SIZE && (logBytes < 0 || logBytes % blockSize != 0)) {
            throw new IllegalArgumentException("log size " + logBytes + " bytes is not a multiple of the block size, " + blockSize + " bytes");
        }
        if (logBytes != DEFAULT_LOG_SIZE && logBytes / blockSize < Geometry.MIN_LOG_BLOCKS) {
            throw new IllegalArgumentException("log size " + logBytes + " bytes is below the minimum of " + Geometry.MIN_LOG_BLOCKS
                    + " blocks, " + Geometry.MIN_LOG_BLOCKS * blockSize + " bytes");
        }
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

    /** Writes zeros over {@code [fromBytes, toBytes)}, 1 MiB at a time. */
    static void zeroRange(FileChannel channel, long fromBytes, long toBytes) throws IOException {
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
         * The allocation {@code requested} resolves to for this device holding {@code lengthBytes}
         * ({@link FileAllocation#resolve}), checked before anything is written; null for a block device.
         *
         * @throws IllegalArgumentException for an allocation asked of a block device, not enough free
         *     space, or a reservation without native access
         */
        FileAllocation allocation(FileAllocation requested, int blockSizeBytes, long lengthBytes) throws IOException {
            if (blockDevice) {
                if (requested != FileAllocation.AUTO) {
                    throw new IllegalArgumentException(role + " " + path + " is a block device: allocation "
                        + requested.name().toLowerCase() + " applies to regular files only");
                }
                return null;
            }
            FileAllocation resolved = requested.resolve(path, blockSizeBytes);
            resolved.check(path, lengthBytes, exists ? sizeBytes : 0);
            return resolved;
        }

        /**
         * Discards a regular file's old contents: it becomes {@code lengthBytes} reading as zeros, laid
         * out as {@code allocation} says. A block device keeps its size (format overwrites what it must).
         */
        void clear(FileChannel channel, long lengthBytes, FileAllocation allocation) throws IOException {
            if (blockDevice) {
                return;
            }
            channel.truncate(0);
            VolumeFiles.setLength(path, lengthBytes);
            allocation.apply(path, channel, lengthBytes);
        }
    }
}
