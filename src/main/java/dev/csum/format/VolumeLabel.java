package dev.csum.format;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads and validates a volume's superblocks before it is opened: the read-only half of open.
 * It never writes: every refusal leaves the devices byte for byte as they were.
 *
 * <p>Fallback rules (docs/FORMAT.md, "Opening"): when a primary superblock is invalid, the backup
 * at the end of the metadata area is used if it is intact, with a warning. For interleaved volumes
 * the backup is found without the primary by trying the last three blocks of each block size (format
 * leaves at most two unused blocks at the end). A separate data device has no backup of its own:
 * the metadata device's superblock stands in for a damaged one, but only if the damaged block still
 * carries a recognisable magic (at most {@value #MAX_MAGIC_BITS_DAMAGED} bits off), so a device that
 * was never a volume is not adopted.
 */
public final class VolumeLabel {

    /** What {@link #read} found. */
    public record Opened(Superblock superblock, boolean usedBackup, List<String> warnings) {
        public Opened {
            Objects.requireNonNull(superblock, "superblock");
            warnings = List.copyOf(warnings);
        }
    }

    /** Bytes read for a primary superblock: enough for either block size. */
    private static final int SUPERBLOCK_READ_BYTES = 4096;
    static final int MAX_MAGIC_BITS_DAMAGED = 4;
    /** Format leaves at most 2 unused whole blocks after an interleaved backup superblock. */
    private static final int BACKUP_SEARCH_BLOCKS = 3;

    private VolumeLabel() {
    }

    /**
     * Validates the volume on {@code dataPath} (with its separate metadata device, if it has one)
     * and returns the data device's superblock. Writes nothing.
     *
     * @param metadataPathOrNull the metadata device of a separate-metadata volume; null for interleaved
     * @throws InvalidVolumeException when the devices are not a usable volume; the message says why
     * @throws IOException            when a device cannot be read
     */
    public static Opened read(Path dataPath, Path metadataPathOrNull) throws IOException {
        Objects.requireNonNull(dataPath, "dataPath");
        List<String> warnings = new ArrayList<>();
        try (FileChannel data = openForReading(dataPath)) {
            long dataSize = VolumeFiles.sizeBytes(data, dataPath);
            if (metadataPathOrNull == null) {
                return readCombined(dataPath, data, dataSize, warnings);
            }
            if (Files.isSameFile(dataPath, metadataPathOrNull)) {
                throw new InvalidVolumeException(metadataPathOrNull + ": the metadata device is the data device itself");
            }
            try (FileChannel metadata = openForReading(metadataPathOrNull)) {
                long metadataSize = VolumeFiles.sizeBytes(metadata, metadataPathOrNull);
                return readSeparate(dataPath, data, dataSize, metadataPathOrNull, metadata, metadataSize, warnings);
            }
        }
    }

    private static FileChannel openForReading(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            throw new InvalidVolumeException(path + ": is a directory, not a file or block device");
        }
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new InvalidVolumeException(path + ": no such file or device", e);
        }
    }

    private static Opened readCombined(Path path, FileChannel channel, long size, List<String> warnings) throws IOException {
        Candidate primary = decodeAt(channel, 0, SUPERBLOCK_READ_BYTES);
        Superblock superblock;
        boolean usedBackup;
        if (primary.valid()) {
            superblock = primary.superblock;
            requireRole(path, superblock, DeviceRole.COMBINED, false);
            requireSize(path, size, superblock.geometry().dataFileSizeBytes());
            checkBackup(path, channel, superblock, warnings);
            usedBackup = false;
        } else {
            Located backup = searchBackup(channel, size);
            if (backup == null) {
                throw primary.refusal(path);
            }
            superblock = backup.superblock;
            requireRole(path, superblock, DeviceRole.COMBINED, false);
            requireSize(path, size, superblock.geometry().dataFileSizeBytes());
            warnings.add(path + ": primary superblock invalid (" + primary.error.getMessage() + "); using the backup at byte " + backup.offsetBytes);
            usedBackup = true;
        }
        return new Opened(superblock, usedBackup, warnings);
    }

    private static Opened readSeparate(Path dataPath, FileChannel data, long dataSize,
                                       Path metadataPath, FileChannel metadata, long metadataSize,
                                       List<String> warnings) throws IOException {
        Candidate dataPrimary = decodeAt(data, 0, SUPERBLOCK_READ_BYTES);
        Candidate metadataPrimary = decodeAt(metadata, 0, SUPERBLOCK_READ_BYTES);
        if (dataPrimary.valid()) {
            requireRole(dataPath, dataPrimary.superblock, DeviceRole.DATA, true);
        }
        if (metadataPrimary.valid()) {
            requireRole(metadataPath, metadataPrimary.superblock, DeviceRole.METADATA, true);
        }
        boolean usedBackup = false;

        Superblock metadataSuperblock;
        if (metadataPrimary.valid()) {
            metadataSuperblock = metadataPrimary.superblock;
            if (metadataSize >= metadataSuperblock.geometry().metadataFileSizeBytes()) {
                checkBackup(metadataPath, metadata, metadataSuperblock, warnings);
            }
        } else {
            Located backup = null;
            if (dataPrimary.valid()) {
                long offset = dataPrimary.superblock.geometry().backupSuperblockOffsetBytes();
                Candidate candidate = decodeAt(metadata, offset, dataPrimary.superblock.blockSizeBytes());
                if (candidate.valid()) {
                    backup = new Located(candidate.superblock, offset);
                }
            }
            if (backup == null) {
                backup = searchBackup(metadata, metadataSize);
            }
            if (backup == null) {
                throw metadataPrimary.refusal(metadataPath);
            }
            requireRole(metadataPath, backup.superblock, DeviceRole.METADATA, true);
            metadataSuperblock = backup.superblock;
            usedBackup = true;
            warnings.add(metadataPath + ": primary superblock invalid (" + metadataPrimary.error.getMessage()
                    + "); using the backup at byte " + backup.offsetBytes);
        }

        Superblock dataSuperblock;
        if (dataPrimary.valid()) {
            dataSuperblock = dataPrimary.superblock;
        } else {
            if (!dataPrimary.magicRecognisable()) {
                throw dataPrimary.refusal(dataPath);
            }
            dataSuperblock = metadataSuperblock.withRole(DeviceRole.DATA);
            usedBackup = true;
            warnings.add(dataPath + ": superblock invalid (" + dataPrimary.error.getMessage()
                    + "); using the metadata device's copy");
        }

        if (!dataSuperblock.volumeUuid().equals(metadataSuperblock.volumeUuid())) {
            throw new InvalidVolumeException("metadata device " + metadataPath + " belongs to volume " + metadataSuperblock.volumeUuid()
                    + ", data device " + dataPath + " to " + dataSuperblock.volumeUuid());
        }
        if (!dataSuperblock.withRole(DeviceRole.METADATA).equals(metadataSuperblock)) {
            throw new InvalidVolumeException("the superblocks of data device " + dataPath + " and metadata device " + metadataPath
                    + " disagree: " + dataSuperblock + " vs " + metadataSuperblock);
        }
        Geometry geometry = dataSuperblock.geometry();
        requireSize(dataPath, dataSize, geometry.dataFileSizeBytes());
        requireSize(metadataPath, metadataSize, geometry.metadataFileSizeBytes());
        return new Opened(dataSuperblock, usedBackup, warnings);
    }

    private static void requireRole(Path path, Superblock superblock, DeviceRole expected, boolean separateRequested)
            throws InvalidVolumeException {
        if (superblock.role() == expected) {
            return;
        }
        String volume = "volume " + superblock.volumeUuid();
        throw new InvalidVolumeException(switch (superblock.role()) {
            case COMBINED -> path + ": " + volume + " keeps its metadata interleaved; open it without a metadata device";
            case DATA -> separateRequested
                    ? path + ": is the data device of " + volume + ", not a metadata device"
                    : path + ": " + volume + " keeps its metadata on a separate device; give the metadata device's path too";
            case METADATA -> path + ": is the metadata device of " + volume + "; pass it as the metadata path with its data device";
        });
    }

    private static void requireSize(Path path, long sizeBytes, long neededBytes) throws InvalidVolumeException {
        if (sizeBytes < neededBytes) {
            throw new InvalidVolumeException(path + ": truncated: device is " + sizeBytes + " bytes, volume needs " + neededBytes);
        }
    }

    /** Warns (never fails) when the backup of a sound primary is missing, damaged or different. */
    private static void checkBackup(Path path, FileChannel channel, Superblock primary, List<String> warnings) throws IOException {
        long offset = primary.geometry().backupSuperblockOffsetBytes();
        Candidate backup = decodeAt(channel, offset, primary.blockSizeBytes());
        if (!backup.valid()) {
            warnings.add(path + ": backup superblock at byte " + offset + " invalid (" + backup.error.getMessage() + ")");
        } else if (!backup.superblock.equals(primary)) {
            warnings.add(path + ": backup superblock at byte " + offset + " differs from the primary");
        }
    }

    /**
     * Looks for an interleaved or metadata backup superblock without knowing the geometry: it sits
     * in one of the last {@value #BACKUP_SEARCH_BLOCKS} whole blocks, and its own geometry must put
     * it exactly where it was found. Returns null when there is none.
     */
    static Located searchBackup(FileChannel channel, long sizeBytes) throws IOException {
        for (int blockSize : new int[] {4096, 512}) {
            long end = sizeBytes / blockSize * blockSize;
            for (int k = 1; k <= BACKUP_SEARCH_BLOCKS; k++) {
                long offset = end - (long) k * blockSize;
                if (offset < blockSize) {
                    break;
                }
                Candidate candidate = decodeAt(channel, offset, blockSize);
                if (candidate.valid() && candidate.superblock.blockSizeBytes() == blockSize
                        && candidate.superblock.role() != DeviceRole.DATA
                        && candidate.superblock.geometry().backupSuperblockOffsetBytes() == offset) {
                    return new Located(candidate.superblock, offset);
                }
            }
        }
        return null;
    }

    /** A valid primary or backup superblock on {@code channel}, or null: used by format to refuse overwriting a volume. */
    static Superblock existingVolume(FileChannel channel, long sizeBytes) throws IOException {
        Candidate primary = decodeAt(channel, 0, SUPERBLOCK_READ_BYTES);
        if (primary.valid()) {
            return primary.superblock;
        }
        Located backup = searchBackup(channel, sizeBytes);
        return backup == null ? null : backup.superblock;
    }

    private static Candidate decodeAt(FileChannel channel, long offset, int length) throws IOException {
        MemorySegment bytes = VolumeFiles.read(channel, offset, length);
        long magic = bytes.byteSize() >= Long.BYTES
                ? bytes.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0) : 0;
        try {
            return new Candidate(Superblock.decode(bytes), null, magic);
        } catch (InvalidVolumeException e) {
            return new Candidate(null, e, magic);
        }
    }

    record Located(Superblock superblock, long offsetBytes) {
    }

    private record Candidate(Superblock superblock, InvalidVolumeException error, long storedMagic) {
        boolean valid() {
            return superblock != null;
        }

        boolean magicRecognisable() {
            return VolumeFiles.bitsDiffering(storedMagic, Superblock.MAGIC) <= MAX_MAGIC_BITS_DAMAGED;
        }

        InvalidVolumeException refusal(Path path) {
            return new InvalidVolumeException(path + ": " + error.getMessage(), error);
        }
    }
}
