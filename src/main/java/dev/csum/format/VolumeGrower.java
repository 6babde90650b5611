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
 * Grows a closed volume of format version 2 in place to a larger device (docs/FORMAT.md §7.2): the
 * groups keep their places, so every old block, imd pair and checksum stays valid; the volume gains
 * data blocks (and groups), the tuple log (its length kept) and the backup superblock move to the new
 * end. A regular file is extended to the size asked; a block device must already hold it.
 *
 * <p>Checks everything before the first write, takes the volume lock (exclusive, every device), then
 * writes in the order of {@link GrowWrites}: settle the log (nothing left to replay, the log sequence
 * ceiling carried), zero every block that changes role but the old backup, write the new backup,
 * zero the old backup, then the metadata device's primary — the commit — and, separate, the data
 * device's. A crash before the commit leaves the old volume, one after it the new
 * ({@link VolumeLabel} takes a separate data device's pre-grow superblock for the metadata device's
 * copy). Shrinking is refused. Online growth (of an open volume) is not implemented.
 */
public final class VolumeGrower {
    /** {@link Request#sizeBytes()} meaning "the device's size now". */
    public static final long WHOLE_DEVICE = 0;

    private VolumeGrower() {
    }

    /**
     * What to grow.
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

    /** The last step a grow takes: {@link #DONE}, or an earlier one to leave it as a crash would (tests). */
    enum Step {
        /** The log settled and the ceiling carried (devices grown): the old volume. */
        SETTLED,
        /** Every block changing role zeroed but the old backup, synced: the old volume. */
        ZEROED,
        /** The new backup superblock written and synced: the old volume. */
        BACKUP_WRITTEN,
        /** The old backup superblock zeroed: the old volume, without its backup. */
        OLD_BACKUP_ZEROED,
        /** The metadata device's (interleaved: the device's) primary superblock is the new one: the new volume. */
        COMMITTED,
        /** Every primary superblock the new one. */
        DONE
    }

    /**
     * Grows the volume of {@code request}, or leaves it as it is (writing nothing) when the size gives
     * it no more data blocks than it has, and returns the data device's superblock.
     *
     * @throws IllegalArgumentException for a size below the volume's (shrinking), a regular file longer
     *                                  than the size asked, a block device shorter than it, a metadata
     *                                  block device without room, the metadata device being the data device
     * @throws InvalidVolumeException   when the devices are not a volume this build writes (as open refuses
     *                                  them; a format version 1 volume: convert it first)
     * @throws IllegalStateException    when this process has the volume open
     * @throws IOException              when a device cannot be read or written, or another process has it open
     */
    public static Superblock grow(Request request, LogSettler settler) throws IOException {
        return grow(request, settler, Step.DONE);
    }

    static Superblock grow(Request request, LogSettler settler, Step lastStep) throws IOException {
        Path data = existing(request.dataPath(), "data device");
        Path metadata = request.metadataPathOrNull() == null ? null : existing(request.metadataPathOrNull(), "metadata device");
        if (metadata != null && Files.isSameFile(data, metadata)) {
            throw new IllegalArgumentException("the metadata device must differ from the data device: " + metadata + " is " + data);
        }
        GrowPlan unlocked = GrowPlan.of(VolumeLabel.read(data, metadata).superblock(), request.sizeBytes(), data, metadata);
        if (unlocked.unchanged() && !unlocked.cutsPastTheEnd()) {
            return unlocked.before();
        }
        try (DeviceLock dataLock = DeviceLock.acquire(data, "data device", DeviceLock.Mode.EXCLUSIVE, false);
             DeviceLock metadataLock = metadata == null ? null
                 : DeviceLock.acquire(metadata, "metadata device", DeviceLock.Mode.EXCLUSIVE, false)) {
            VolumeLabel.Opened label = VolumeLabel.read(data, metadata); // again, under the lock
            GrowPlan plan = GrowPlan.of(label.superblock(), request.sizeBytes(), data, metadata);
            if (plan.unchanged()) {
                plan.resizeFilesBeforeCommit(data, metadata);
                return plan.before();
            }
            if (label.usedBackup()) {
                VolumeLabel.restorePrimaries(label, data, metadata);
            }
            plan.resizeFilesBeforeCommit(data, metadata);
            try (IoPort port = FileChannelIoPort.open(data, metadata, 32, false, plan.before().blockSizeBytes())) {
                GrowWrites.FastZeroing holes = (fileIndex, offsetBytes, lengthBytes) -> BlockDeviceZeroing.zero(
                    fileIndex == IoPort.DATA_FILE || metadata == null ? data : metadata, offsetBytes, lengthBytes);
                return GrowWrites.run(port, plan.writes(), settler, holes, plan.truncation(data, metadata), lastStep);
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
        Superblock after = GrowPlan.withDataBlocks(before, dataBlocks);
        if (port.fileSizeBytes(IoPort.METADATA_FILE) < after.geometry().metadataFileSizeBytes()) {
            throw new IllegalArgumentException("metadata file of " + port.fileSizeBytes(IoPort.METADATA_FILE)
                + " bytes is smaller than the " + after.geometry().metadataFileSizeBytes() + " bytes needed");
        }
        return GrowWrites.run(port, new GrowWrites.Plan(before, after, Long.MAX_VALUE, Long.MAX_VALUE), settler,
            GrowWrites.FastZeroing.NONE, GrowWrites.Truncation.NONE, lastStep);
    }

    /**
     * Whether {@code older} is the superblock {@code newer} was resized from: of the same format
     * version and equal in every field but the data block count. What a separate data device holds
     * after a crash between a resize's two primary superblock writes ({@link VolumeLabel}, FORMAT.md §6).
     */
    static boolean resizedFrom(Superblock newer, Superblock older) {
        return older.formatVersion() == newer.formatVersion() && older.dataBlockCount() != newer.dataBlockCount()
                && older.equals(GrowPlan.withDataBlocks(newer, older.dataBlockCount()));
    }

    private static Path existing(Path path, String role) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, role + " does not exist");
        }
        return path;
    }
}
