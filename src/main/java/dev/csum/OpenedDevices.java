package dev.csum;

import dev.csum.format.Superblock;
import dev.csum.format.VolumeLabel;
import dev.csum.io.DeviceLock;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A volume's devices, validated, locked and open for I/O: what {@link Volume#open} needs before it
 * builds the engine. Opening is where the volume meets other processes and damaged labels, so the
 * order matters and is kept here in one place: validate (clear messages for what is not a volume;
 * a writable open of a format version 1 volume is refused here, before anything is written),
 * lock every device, read the label again under the lock (a format that ran in between would have
 * changed it), restore a damaged primary superblock (writable opens only), then open the I/O port.
 * Anything that fails releases what was taken before it.
 *
 * @param superblock the data device's superblock, read under the lock
 * @param port       the I/O port on the devices
 * @param locks      the device locks, held until the volume closes
 * @param warnings   what opening found (a backup superblock used or restored, io_uring refused)
 */
record OpenedDevices(Superblock superblock, IoPort port, List<DeviceLock> locks, List<String> warnings) {

    static OpenedDevices open(VolumeOptions options) throws IOException {
        Path data = existing(options.dataPath(), "data device");
        Path metadata = options.metadataPath() == null ? null : existing(options.metadataPath(), "metadata device");
        if (metadata != null && Files.isSameFile(data, metadata)) {
            throw new IllegalArgumentException("the metadata device must differ from the data device: " + metadata
                + " is " + data);
        }
        VolumeLabel.Opened unlocked = VolumeLabel.read(data, metadata);
        if (!options.readOnly()) {
            unlocked.superblock().refuseWritableOpen(); // a version 1 volume opens read-only
        }
        DeviceLock.Mode mode = options.readOnly() ? DeviceLock.Mode.SHARED : DeviceLock.Mode.EXCLUSIVE;
        List<DeviceLock> locks = new ArrayList<>(2);
        IoPort port = null;
        try {
            locks.add(DeviceLock.acquire(data, "data device", mode, false));
            if (metadata != null) {
                locks.add(DeviceLock.acquire(metadata, "metadata device", mode, false));
            }
            VolumeLabel.Opened label = VolumeLabel.read(data, metadata);
            List<String> warnings = new ArrayList<>(label.warnings());
            if (!options.readOnly()) {
                label.superblock().refuseWritableOpen(); // before the restore below writes
            }
            if (label.usedBackup() && !options.readOnly()) {
                // Under the exclusive lock: put the primary back, so that the volume no longer hangs
                // on its one remaining copy of the superblock. A read-only open only warns.
                warnings.addAll(VolumeLabel.restorePrimaries(label, data, metadata));
            }
            port = IoPortChoice.open(data, metadata, options, label.superblock().blockSizeBytes(),
                label.superblock().ioUnitBytes(), warnings);
            return new OpenedDevices(label.superblock(), port, List.copyOf(locks), List.copyOf(warnings));
        } catch (IOException | RuntimeException | Error failure) {
            closeQuietly(port, failure);
            for (DeviceLock lock : locks) {
                closeQuietly(lock, failure);
            }
            throw failure;
        }
    }

    /** Closes the port and releases the locks after {@code failure}, adding their own failures to it. */
    void release(Throwable failure) {
        closeQuietly(port, failure);
        for (DeviceLock lock : locks) {
            closeQuietly(lock, failure);
        }
    }

    static Path existing(Path path, String role) throws NoSuchFileException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, role + " does not exist");
        }
        return path;
    }

    private static void closeQuietly(AutoCloseable resource, Throwable failure) {
        if (resource != null) {
            try {
                resource.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }
}
