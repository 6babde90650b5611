package dev.csum.format;

import dev.csum.io.DeviceLock;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Converts a volume of format version 1 to version 2 in place (docs/FORMAT.md §7, "Converting a
 * version 1 volume"): the groups, imd pairs and data stay exactly where they are; a tuple log region
 * is added where version 2 puts it — right after the last group (interleaved) or the last imd pair
 * (separate, on the metadata device), where version 1 kept its backup superblock — and the backup
 * superblock moves to right after the log. A regular file grows (the new part is a hole); a block
 * device must already have the room, else convert refuses before writing anything.
 *
 * <p>Writes, in this order, each step synced before the next: (1) grow the file; (2) make the log
 * region read as zeros — all of it but its first block, which holds version 1's backup superblock
 * — and, on a regular file, anything after it; (3) write the version 2 backup superblock at its new
 * place; (4) write the version 2 primary superblock of the metadata device (interleaved: the
 * device) — the commit point — then, separate, the data device's; (5) zero the log's first block
 * (the old version 1 backup). Until (4) the volume is version 1, its primary and its backup where
 * version 1 looks for them untouched; from (4) it is version 2. The {@link Superblock#FLAG_DATA_ZEROED}
 * flag stays clear: blocks a version 1 volume never wrote may hold anything.
 *
 * <p>Like format, convert takes the volume lock (exclusive, every device) and opens every device for
 * writing before its first write, and checks everything first. A damaged primary superblock of the
 * version 1 volume is put back from its copy first (as a writable open would), so that a crash during
 * the conversion never leaves the volume hanging on a backup the conversion moved.
 */
public final class VolumeConverter {

    /** {@link Request#logSizeBytes()} meaning "the default log size" ({@link Geometry#defaultLogBlockCount}). */
    public static final long DEFAULT_LOG_SIZE = VolumeFormatter.DEFAULT_LOG_SIZE;

    private VolumeConverter() {
    }

    /**
     * What to convert.
     *
     * @param dataPath           the volume's data device (interleaved: its only device)
     * @param metadataPathOrNull its separate metadata device, or null for interleaved metadata
     * @param logSizeBytes       the tuple log's size: a multiple of the block size, at least
     *                           {@link Geometry#MIN_LOG_BLOCKS} blocks; or {@link #DEFAULT_LOG_SIZE}
     */
    public record Request(Path dataPath, Path metadataPathOrNull, long logSizeBytes) {
        public Request {
            Objects.requireNonNull(dataPath, "dataPath");
        }
    }

    /** The last step a conversion takes: {@link #DONE}, or an earlier one to leave it as a crash would (tests). */
    enum Step {
        /** The file grown, the log region zeroed and synced: still version 1. */
        LOG_ZEROED,
        /** The version 2 backup superblock written and synced: still version 1. */
        BACKUP_WRITTEN,
        /** The metadata device's (interleaved: the device's) primary superblock is version 2: version 2. */
        COMMITTED,
        /** Every primary superblock of version 2 and the old backup zeroed. */
        DONE
    }

    /**
     * Converts the version 1 volume of {@code request} to version 2, or leaves a volume of version 2
     * as it is (writing nothing), and returns the data device's superblock.
     *
     * @throws IllegalArgumentException for a log size that is not whole blocks or below the minimum, a
     *                                  block device without room for the log, a log size that differs
     *                                  from an already version 2 volume's, the metadata device being the data device
     * @throws InvalidVolumeException   when the devices are not a volume this build reads (as open refuses them)
     * @throws IllegalStateException    when this process has the volume open
     * @throws IOException              when a device cannot be read or written, or another process has it open
     */
    public static Superblock convert(Request request) throws IOException {
        return convert(request, CrashStateResolver.NONE, BlockDeviceZeroing::zero, Step.DONE);
    }

    /**
     * {@link #convert(Request)}, with the version 1 volume's crash states resolved by
     * {@code resolver} first, under the lock, before anything else is written.
     */
    public static Superblock convert(Request request, CrashStateResolver resolver) throws IOException {
        return convert(request, resolver, BlockDeviceZeroing::zero, Step.DONE);
    }

    /**
     * Resolves a version 1 volume's crash states in place before it is converted (the engine's
     * recovery code, given by the API layer: FORMAT.md §7.1). Runs with the volume locked; opens the
     * devices itself.
     */
    @FunctionalInterface
    public interface CrashStateResolver {
        /** Leaves the pairs as they are (tests of the conversion steps alone). */
        CrashStateResolver NONE = (versionOne, dataPath, metadataPathOrNull) -> 0;

        /** Resolves the crash states of {@code versionOne}; returns the groups rewritten. */
        int resolve(Superblock versionOne, Path dataPath, Path metadataPathOrNull) throws IOException;
    }

    /** {@link #convert(Request)} zeroing with {@code zeroing}, stopping after {@code lastStep} as a crash would. */
    static Superblock convert(Request request, VolumeFormatter.FastZeroing zeroing, Step lastStep) throws IOException {
        return convert(request, CrashStateResolver.NONE, zeroing, lastStep);
    }

    private static Superblock convert(Request request, CrashStateResolver resolver, VolumeFormatter.FastZeroing zeroing,
                                      Step lastStep) throws IOException {
        Path data = existing(request.dataPath(), "data device");
        Path metadata = request.metadataPathOrNull() == null ? null : existing(request.metadataPathOrNull(), "metadata device");
        if (metadata != null && Files.isSameFile(data, metadata)) {
            throw new IllegalArgumentException("the metadata device must differ from the data device: " + metadata + " is " + data);
        }
        VolumeLabel.Opened unlocked = VolumeLabel.read(data, metadata);
        if (unlocked.superblock().formatVersion() != Superblock.FORMAT_VERSION_1) {
            return alreadyConverted(unlocked.superblock(), request);
        }
        Plan.of(unlocked.superblock(), request, metadata == null ? data : metadata); // refuse what cannot be done before locking
        try (DeviceLock dataLock = DeviceLock.acquire(data, "data device", DeviceLock.Mode.EXCLUSIVE, false);
             DeviceLock metadataLock = metadata == null ? null
                 : DeviceLock.acquire(metadata, "metadata device", DeviceLock.Mode.EXCLUSIVE, false)) {
            VolumeLabel.Opened label = VolumeLabel.read(data, metadata); // again, under the lock
            if (label.superblock().formatVersion() != Superblock.FORMAT_VERSION_1) {
                return alreadyConverted(label.superblock(), request);
            }
            Plan plan = Plan.of(label.superblock(), request, metadata == null ? data : metadata);
            if (label.usedBackup()) {
                VolumeLabel.restorePrimaries(label, data, metadata);
            }
            resolver.resolve(label.superblock(), data, metadata);
            try (FileChannel dataChannel = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 FileChannel metadataChannel = metadata == null ? null
                     : FileChannel.open(metadata, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                return plan.run(dataChannel, metadataChannel == null ? dataChannel : metadataChannel, zeroing, lastStep);
            }
        }
    }

    /**
     * Whether {@code version1} is the superblock of format version 1 that converting gives
     * {@code version2}: the same volume, geometry and role, no flags (a converted volume never has
     * {@link Superblock#FLAG_DATA_ZEROED}). What a data device of a separate volume holds after a
     * crash between the two primary superblock writes ({@link VolumeLabel}).
     */
    static boolean convertedFrom(Superblock version2, Superblock version1) {
        return version2.formatVersion() == Superblock.FORMAT_VERSION && version2.flags() == 0
                && version1.equals(new Superblock(Superblock.FORMAT_VERSION_1, version2.volumeUuid(), version2.blockSizeBytes(),
                        version2.checksum(), version2.dataBlockCount(), version2.placement(), version2.role(), 0, 0));
    }

    private static Superblock alreadyConverted(Superblock superblock, Request request) {
        long logBytes = superblock.logBlockCount() * superblock.blockSizeBytes();
        if (request.logSizeBytes() != DEFAULT_LOG_SIZE && request.logSizeBytes() != logBytes) {
            throw new IllegalArgumentException(request.dataPath() + " is already format version " + superblock.formatVersion()
                    + ", with a tuple log of " + logBytes + " bytes; convert does not resize a log");
        }
        return superblock;
    }

    private static Path existing(Path path, String role) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, role + " does not exist");
        }
        return path;
    }

    /**
     * The conversion of one version 1 volume, checked against its devices before anything is written.
     *
     * @param version1     the data device's superblock now
     * @param version2     the data device's superblock after
     * @param target       the device that gets the log (the metadata device; interleaved: the device)
     * @param blockDevice  whether {@code target} is a block device (it cannot grow)
     * @param sizeBytes    {@code target}'s size now
     */
    private record Plan(Superblock version1, Superblock version2, Path target, boolean blockDevice, long sizeBytes) {

        static Plan of(Superblock version1, Request request, Path target) throws IOException {
            int blockSize = version1.blockSizeBytes();
            VolumeFormatter.checkLogSize(request.logSizeBytes(), blockSize);
            long logBlocks = request.logSizeBytes() == DEFAULT_LOG_SIZE
                    ? Geometry.defaultLogBlockCount(blockSize, version1.dataBlockCount()) : request.logSizeBytes() / blockSize;
            Superblock version2 = new Superblock(Superblock.FORMAT_VERSION, version1.volumeUuid(), blockSize, version1.checksum(),
                    version1.dataBlockCount(), version1.placement(), version1.role(), 0, logBlocks);
            boolean blockDevice = VolumeFiles.isBlockDevice(target);
            if (!blockDevice && !Files.isRegularFile(target)) {
                throw new IllegalArgumentException(target + " is neither a regular file nor a block device");
            }
            long sizeBytes;
            try (FileChannel channel = FileChannel.open(target)) {
                sizeBytes = VolumeFiles.sizeBytes(channel, target);
            }
            Geometry after = version2.geometry();
            if (after.logOffsetBytes() != version1.geometry().backupSuperblockOffsetBytes()) {
                throw new AssertionError("the log must start where version 1 kept its backup superblock: " + after);
            }
            long neededBytes = after.metadataFileSizeBytes();
            if (blockDevice && sizeBytes < neededBytes) {
                throw new IllegalArgumentException("block device " + target + " has " + sizeBytes + " bytes; format version 2 needs "
                        + neededBytes + " (" + (neededBytes - sizeBytes) + " more, for a tuple log of " + logBlocks * blockSize
                        + " bytes after the last " + (version1.placement() == MetadataPlacement.INTERLEAVED ? "group" : "metadata pair")
                        + " and the backup superblock after it); nothing written");
            }
            return new Plan(version1, version2, target, blockDevice, sizeBytes);
        }

        /** Writes the conversion: see the class comment for the order and why. */
        Superblock run(FileChannel dataChannel, FileChannel targetChannel, VolumeFormatter.FastZeroing zeroing, Step lastStep)
                throws IOException {
            Geometry after = version2.geometry();
            int blockSize = version2.blockSizeBytes();
            long oldBackupBytes = after.logOffsetBytes();
            // (1) A regular file grows: the new part is a hole, reading as zeros.
            if (!blockDevice && sizeBytes < after.metadataFileSizeBytes()) {
                VolumeFiles.setLength(target, after.metadataFileSizeBytes());
            }
            // (2) Zeros in the log region but its first block (version 1's backup, which a version 1
            // reader still uses), and on a file in anything after it that predates the growth (an
            // earlier, interrupted conversion's backup superblock, version 1's unused last blocks).
            long zeroFrom = oldBackupBytes + blockSize;
            long zeroTo = blockDevice ? after.backupSuperblockOffsetBytes() : sizeBytes;
            if (zeroTo > zeroFrom && !zeroing.zero(target, zeroFrom, zeroTo - zeroFrom)) {
                VolumeFormatter.zeroRange(targetChannel, zeroFrom, zeroTo);
            }
            targetChannel.force(true);
            if (lastStep == Step.LOG_ZEROED) {
                return version1;
            }
            // (3) The version 2 backup, at its new place; the version 1 primary still rules.
            Superblock onTarget = version2.withRole(version2.role() == DeviceRole.DATA ? DeviceRole.METADATA : version2.role());
            writeSuperblock(targetChannel, after.backupSuperblockOffsetBytes(), onTarget);
            if (lastStep == Step.BACKUP_WRITTEN) {
                return version1;
            }
            // (4) The commit: the primary of the device holding the log; then the data device's.
            writeSuperblock(targetChannel, 0, onTarget);
            if (lastStep == Step.COMMITTED) {
                return version2;
            }
            if (targetChannel != dataChannel) {
                writeSuperblock(dataChannel, 0, version2);
            }
            // (5) The old backup, now the log's first block: zeros, as format leaves a log.
            VolumeFiles.write(targetChannel, oldBackupBytes, MemorySegment.ofArray(new byte[blockSize]));
            targetChannel.force(true);
            return version2;
        }

        private static void writeSuperblock(FileChannel channel, long offsetBytes, Superblock superblock) throws IOException {
            MemorySegment block = MemorySegment.ofArray(new byte[superblock.blockSizeBytes()]);
            superblock.encode(block);
            VolumeFiles.write(channel, offsetBytes, block);
            channel.force(true);
        }
    }
}
