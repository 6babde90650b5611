package dev.csum.format;

import dev.csum.io.DeviceLock;
import dev.csum.io.FileChannelIoPort;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Resizes a closed volume of format version 2 in place (docs/FORMAT.md §7.2 growing, §7.3 shrinking):
 * the groups keep their places, so every block kept, imd pair and checksum stays valid; the volume
 * gains or loses data blocks (and groups) at its end, and the tuple log (its length kept) and the
 * backup superblock move to the new end. A regular file becomes the size asked (extended, or cut past
 * the volume); a block device must already hold it. A shrink is refused unless every block it cuts off
 * was never written.
 *
 * <p>Checks everything it can before the first write, takes the volume lock (exclusive, every
 * device), then writes in the order of {@link ResizeWrites}, the metadata device's primary superblock
 * being the commit: a crash leaves the old volume or the new one ({@link VolumeLabel} takes a separate
 * data device's superblock of the other size for the metadata device's copy). Online resizing (of an
 * open volume) is not implemented.
 */
public final class VolumeResizer {
    /** {@link Request#sizeBytes()} meaning "the device's size now". */
    public static final long WHOLE_DEVICE = 0;

    private VolumeResizer() {
    }

    /**
     * What to resize.
     *
     * @param dataPath           the volume's data device (interleaved: its only device)
     * @param metadataPathOrNull its separate metadata device, or null for interleaved metadata
     * @param sizeBytes          the data device's new size in bytes, or {@link #WHOLE_DEVICE}
     */
    public record Request(Path dataPath, Path metadataPathOrNull, long sizeBytes) {
        public Request {
            Objects.requireNonNull(dataPath, "dataPath");
            if (sizeBytes < 0) {
                throw new IllegalArgumentException("size must be positive, or 0 for the device's size; was " + sizeBytes);
            }
        }
    }

    /**
     * The log after {@link LogSettler#settle}: nothing in it to replay.
     *
     * @param storedCeiling the log sequence ceiling the old superblock copies hold (0: none)
     * @param nextSequence  the sequence the next record would get (FORMAT.md §8.1)
     */
    public record SettledLog(long storedCeiling, long nextSequence) {
    }

    /**
     * Recovers a volume's log in place so that nothing remains to replay, and says where its sequences
     * stand (the engine's recovery, given by the API layer). Runs with the volume locked, on a port over
     * its devices; must refuse (throw) unless a recovery would then replay nothing.
     */
    @FunctionalInterface
    public interface LogSettler {
        SettledLog settle(IoPort port, Superblock superblock) throws IOException;
    }

    /**
     * The last step a resize takes: {@link #DONE}, or an earlier one to leave it as a crash would
     * (tests). A grow takes them in declaration order; a shrink SETTLED, ZEROED, COMMITTED,
     * OLD_BACKUP_ZEROED, BACKUP_WRITTEN, DONE (its commit comes before the backups move).
     */
    enum Step {
        /** The log settled and the ceiling carried (a grow's files extended): the old volume. */
        SETTLED,
        /** Grow: every block changing role zeroed but the old backup. Shrink: the new log and backup's blocks zeroed. The old volume. */
        ZEROED,
        /** The new backup superblock written and synced: grow, the old volume; shrink, the new. */
        BACKUP_WRITTEN,
        /** The old backup superblock zeroed (a shrunk file: cut): grow, the old volume without its backup; shrink, the new. */
        OLD_BACKUP_ZEROED,
        /** The metadata device's (interleaved: the device's) primary superblock is the new one: the new volume. */
        COMMITTED,
        /** Every primary superblock the new one (a shrunk data file cut). */
        DONE
    }

    /**
     * Resizes the volume of {@code request}, or leaves it as it is (writing nothing but cutting a
     * regular file's end past the volume) when the size gives it as many data blocks as it has, and
     * returns the data device's superblock.
     *
     * @throws IllegalArgumentException for a shrink that would cut off a block that was written (found
     *                                  after the log is settled: nothing is cut), a size holding no data
     *                                  block, a block device shorter than the size, a metadata block
     *                                  device without room, the metadata device being the data device
     * @throws InvalidVolumeException   when the devices are not a volume this build writes (as open refuses
     *                                  them; a format version 1 volume: convert it first)
     * @throws IllegalStateException    when this process has the volume open
     * @throws IOException              when a device cannot be read or written, or another process has it open
     */
    public static Superblock resize(Request request, LogSettler settler) throws IOException {
        return resize(request, settler, Step.DONE);
    }

    static Superblock resize(Request request, LogSettler settler, Step lastStep) throws IOException {
        Path data = existing(request.dataPath(), "data device");
        Path metadata = request.metadataPathOrNull() == null ? null : existing(request.metadataPathOrNull(), "metadata device");
        if (metadata != null && Files.isSameFile(data, metadata)) {
            throw new IllegalArgumentException("the metadata device must differ from the data device: " + metadata + " is " + data);
        }
        ResizePlan unlocked = ResizePlan.of(VolumeLabel.read(data, metadata).superblock(), request.sizeBytes(), data, metadata);
        if (unlocked.unchanged() && !unlocked.cutsPastTheEnd()) {
            return unlocked.before();
        }
        try (DeviceLock dataLock = DeviceLock.acquire(data, "data device", DeviceLock.Mode.EXCLUSIVE, false);
             DeviceLock metadataLock = metadata == null ? null
                 : DeviceLock.acquire(metadata, "metadata device", DeviceLock.Mode.EXCLUSIVE, false)) {
            VolumeLabel.Opened label = VolumeLabel.read(data, metadata); // again, under the lock
            ResizePlan plan = ResizePlan.of(label.superblock(), request.sizeBytes(), data, metadata);
            if (plan.unchanged()) {
                plan.resizeFilesBeforeCommit(data, metadata);
                return plan.before();
            }
            if (label.usedBackup()) {
                VolumeLabel.restorePrimaries(label, data, metadata);
            }
            plan.resizeFilesBeforeCommit(data, metadata);
            try (IoPort port = FileChannelIoPort.open(data, metadata, 32, false, plan.before().ioUnitBytes())) {
                ResizeWrites.FastZeroing holes = (fileIndex, offsetBytes, lengthBytes) -> BlockDeviceZeroing.zero(
                    fileIndex == IoPort.DATA_FILE || metadata == null ? data : metadata, offsetBytes, lengthBytes);
                return ResizeWrites.run(port, plan.writes(), settler, holes, plan.truncation(data, metadata), lastStep);
            }
        }
    }

    /**
     * Resizes the volume on {@code port} (a simulated disk, whose files are fixed-size) to the most
     * data blocks {@code dataSizeBytes} of data file hold with the volume's log length ({@link
     * #WHOLE_DEVICE}: the port's data file). No lock, nothing restored: the port's owner is the only
     * user, and the primary superblock must be valid. A shrink zeros the old backup superblock (the
     * port's files keep their size). Returns the data device's superblock, unchanged when the block
     * count is.
     */
    public static Superblock resizeOnPort(IoPort port, long dataSizeBytes, LogSettler settler) throws IOException {
        return resizeOnPort(port, dataSizeBytes, settler, Step.DONE);
    }

    static Superblock resizeOnPort(IoPort port, long dataSizeBytes, LogSettler settler, Step lastStep) throws IOException {
        Superblock before = PortSuperblock.read(port);
        before.refuseWritableOpen();
        long size = dataSizeBytes == WHOLE_DEVICE ? port.fileSizeBytes(IoPort.DATA_FILE) : dataSizeBytes;
        if (size > port.fileSizeBytes(IoPort.DATA_FILE)) {
            throw new IllegalArgumentException(size + " bytes asked of a data file of " + port.fileSizeBytes(IoPort.DATA_FILE));
        }
        long dataBlocks = Geometry.dataBlocksFitting(size, before.blockSizeBytes(), before.placement(), before.logBlockCount());
        if (dataBlocks == before.dataBlockCount() || dataBlocks < 1) {
            return before;
        }
        Superblock after = ResizePlan.withDataBlocks(before, dataBlocks);
        if (port.fileSizeBytes(IoPort.METADATA_FILE) < after.geometry().metadataFileSizeBytes()) {
            throw new IllegalArgumentException("metadata file of " + port.fileSizeBytes(IoPort.METADATA_FILE)
                + " bytes is smaller than the " + after.geometry().metadataFileSizeBytes() + " bytes needed");
        }
        return ResizeWrites.run(port, new ResizeWrites.Plan(before, after, Long.MAX_VALUE, Long.MAX_VALUE), settler,
            ResizeWrites.FastZeroing.NONE, ResizeWrites.Truncation.NONE, lastStep);
    }

    /**
     * Whether {@code older} is the superblock {@code newer} was resized from: of the same format
     * version and equal in every field but the data block count. What a separate data device holds
     * after a crash between a resize's two primary superblock writes ({@link VolumeLabel}, FORMAT.md §6).
     */
    static boolean resizedFrom(Superblock newer, Superblock older) {
        return older.formatVersion() == newer.formatVersion() && older.dataBlockCount() != newer.dataBlockCount()
                && older.equals(ResizePlan.withDataBlocks(newer, older.dataBlockCount()));
    }

    private static Path existing(Path path, String role) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, role + " does not exist");
        }
        return path;
    }
}
