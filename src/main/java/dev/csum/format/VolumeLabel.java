package dev.csum.format;

import dev.csum.format.SuperblockCopies.Candidate;
import dev.csum.format.SuperblockCopies.Located;
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
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Reads and validates a volume's superblocks before it is opened ({@link #read}: writes nothing, every
 * refusal leaves the devices byte for byte as they were), and, for a writable open, puts back a
 * damaged primary superblock ({@link #restorePrimaries}: the only method here that writes).
 *
 * <p>Damaged or refused (docs/FORMAT.md §6): only a primary superblock that is
 * {@link SuperblockValidity#DAMAGED} (its checksum fails or cannot be checked) is stood in for by a
 * copy, with a warning. One that is intact but {@link SuperblockValidity#UNSUPPORTED} (another
 * format version, unknown flags, a field out of range), or intact and valid but of the wrong role or
 * another volume, is a refusal: it is what some writer meant to store, and csum must neither
 * overwrite it nor open the device as something else. For interleaved volumes the backup is found
 * without the primary by trying the last four blocks of each block size (format leaves at most three
 * unused blocks at the end); an intact backup of another version found there is a refusal too. A
 * separate data device has no backup of its own: the metadata device's superblock stands in for a
 * damaged one only if the damaged block is still recognisably a copy of it (magic at most
 * {@value #MAX_MAGIC_BITS_DAMAGED} bits off, fields at most {@value #MAX_FIELD_BITS_DAMAGED} bits off),
 * so neither a device that was never a volume nor another volume's damaged superblock is adopted.
 */
public final class VolumeLabel {

    /**
     * What {@link #read} found.
     *
     * @param superblock       the data device's superblock (role combined or data)
     * @param damagedPrimaries the devices, by role, whose primary superblock was damaged and stood in
     *                         for by a copy: {@link DeviceRole#COMBINED} (the interleaved device, by
     *                         its backup), {@link DeviceRole#METADATA} (by its backup),
     *                         {@link DeviceRole#DATA} (by the metadata device's copy; also when it is
     *                         still the version 1 superblock an interrupted {@link VolumeConverter
     *                         conversion} or {@link VolumeResizer resize} left); empty when every primary was valid.
     *                         {@link #restorePrimaries} rewrites them.
     * @param warnings         one line per problem found and worked around
     */
    public record Opened(Superblock superblock, Set<DeviceRole> damagedPrimaries, List<String> warnings) {
        public Opened {
            Objects.requireNonNull(superblock, "superblock");
            if (superblock.role() == DeviceRole.METADATA) {
                throw new IllegalArgumentException("Opened holds the data device's superblock, not the metadata device's");
            }
            damagedPrimaries = damagedPrimaries.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(damagedPrimaries));
            for (DeviceRole role : damagedPrimaries) {
                if (!role.fits(superblock.placement())) {
                    throw new IllegalArgumentException("a " + superblock.placement() + " volume has no " + role + " device");
                }
            }
            warnings = List.copyOf(warnings);
        }

        /** Whether a damaged primary superblock was stood in for by a backup or the metadata device's copy. */
        public boolean usedBackup() {
            return !damagedPrimaries.isEmpty();
        }
    }

    static final int MAX_MAGIC_BITS_DAMAGED = 4;
    /**
     * Bits of the encoded fields (checksum aside) in which a damaged data-device superblock may differ
     * from the metadata device's copy and still be taken for a damaged copy of it. Another volume's
     * superblock differs in its random UUID alone by about 64 bits.
     */
    static final int MAX_FIELD_BITS_DAMAGED = 16;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** The 8-byte word at {@link Superblock#CHECKSUM_OFFSET} with the checksum (its low 4 bytes, little-endian) masked out. */
    private static final long CHECKSUM_WORD_MASK = 0xFFFF_FFFF_0000_0000L;

    static {
        assert Superblock.CHECKSUM_OFFSET % Long.BYTES == 0 && Superblock.ENCODED_BYTES % Long.BYTES == 0
                && Superblock.ENCODED_BYTES_V1 % Long.BYTES == 0;
    }

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

    /**
     * Puts back each primary superblock {@link #read} found damaged ({@link Opened#damagedPrimaries()}):
     * writes the volume's superblock as that device sees it ({@link Superblock#withRole}) over its
     * block 0, fsyncs, then reads the block back and decodes it. Writes nothing else, and nothing when
     * no primary was damaged.
     *
     * <p>For a writable open only, with the paths {@code opened} was read from, after the volume lock
     * is taken and before the devices are opened for I/O: nothing else may be writing them. Block 0 is
     * read again first and must still be damaged: one found valid and equal to what would be written
     * is left alone (restored already), a data device's version 1 superblock that a conversion
     * left behind is replaced ({@link VolumeConverter}), and anything else intact is refused, not overwritten. The read
     * back checks the bytes the kernel now holds for block 0, after the fsync.
     *
     * @param metadataPathOrNull the metadata device of a separate-metadata volume; null for interleaved
     * @return one warning line per device restored ("restored the primary superblock of PATH from the backup")
     * @throws InvalidVolumeException when a damaged block 0 has since become an intact superblock of another kind
     * @throws IOException            when a device cannot be written, or the block read back is not the one written
     */
    public static List<String> restorePrimaries(Opened opened, Path dataPath, Path metadataPathOrNull) throws IOException {
        Objects.requireNonNull(opened, "opened");
        Objects.requireNonNull(dataPath, "dataPath");
        if ((metadataPathOrNull == null) != (opened.superblock().placement() == MetadataPlacement.INTERLEAVED)) {
            throw new IllegalArgumentException("a " + opened.superblock().placement() + " volume "
                    + (metadataPathOrNull == null ? "needs" : "has no") + " metadata device");
        }
        List<String> restored = new ArrayList<>();
        for (DeviceRole role : opened.damagedPrimaries()) {
            Path path = role == DeviceRole.METADATA ? metadataPathOrNull : dataPath;
            if (restorePrimary(path, opened.superblock().withRole(role))) {
                restored.add("restored the primary superblock of " + path + " from "
                        + (role == DeviceRole.DATA ? "the metadata device's copy" : "the backup"));
            }
        }
        return restored;
    }

    /** Writes {@code expected} over the damaged block 0 of {@code path}; false when it is there already. */
    private static boolean restorePrimary(Path path, Superblock expected) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            Candidate before = SuperblockCopies.decodeAt(channel, 0, SuperblockCopies.PRIMARY_READ_BYTES);
            if (before.valid() && before.superblock().equals(expected)) {
                return false;
            }
            if (before.validity() != SuperblockValidity.DAMAGED
                    && !(before.valid() && (VolumeConverter.convertedFrom(expected, before.superblock())
                        || VolumeResizer.resizedFrom(expected, before.superblock())))) {
                throw new InvalidVolumeException(path + ": not restoring the primary superblock: block 0 is no longer damaged but "
                        + (before.valid() ? "holds " + before.superblock() : before.problem().getMessage()));
            }
            MemorySegment block = MemorySegment.ofArray(new byte[expected.blockSizeBytes()]);
            expected.encode(block);
            VolumeFiles.write(channel, 0, block);
            channel.force(true);
            Candidate after = SuperblockCopies.decodeAt(channel, 0, expected.blockSizeBytes());
            if (!after.valid() || !after.superblock().equals(expected)) {
                throw new IOException(path + ": restoring the primary superblock failed: read back "
                        + (after.valid() ? after.superblock() : after.problem().getMessage()) + ", wrote " + expected);
            }
            return true;
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
        Candidate primary = SuperblockCopies.decodeAt(channel, 0, SuperblockCopies.PRIMARY_READ_BYTES);
        primary.refuseUnlessValidOrDamaged(path);
        if (primary.valid()) {
            Superblock superblock = primary.superblock();
            requireRole(path, superblock, DeviceRole.COMBINED, false);
            requireSize(path, size, superblock.geometry().dataFileSizeBytes());
            checkBackup(path, channel, superblock, warnings);
            return new Opened(superblock, Set.of(), warnings);
        }
        Located backup = SuperblockCopies.searchBackup(channel, size);
        if (backup == null) {
            throw primary.refusal(path);
        }
        Superblock superblock = backup.requireValid(path, primary);
        requireRole(path, superblock, DeviceRole.COMBINED, false);
        requireSize(path, size, superblock.geometry().dataFileSizeBytes());
        warnings.add(path + ": primary superblock invalid (" + primary.problem().getMessage() + "); using the backup at byte " + backup.offsetBytes());
        return new Opened(superblock, EnumSet.of(DeviceRole.COMBINED), warnings);
    }

    private static Opened readSeparate(Path dataPath, FileChannel data, long dataSize,
                                       Path metadataPath, FileChannel metadata, long metadataSize,
                                       List<String> warnings) throws IOException {
        Candidate dataPrimary = SuperblockCopies.decodeAt(data, 0, SuperblockCopies.PRIMARY_READ_BYTES);
        Candidate metadataPrimary = SuperblockCopies.decodeAt(metadata, 0, SuperblockCopies.PRIMARY_READ_BYTES);
        dataPrimary.refuseUnlessValidOrDamaged(dataPath);
        metadataPrimary.refuseUnlessValidOrDamaged(metadataPath);
        if (dataPrimary.valid()) {
            requireRole(dataPath, dataPrimary.superblock(), DeviceRole.DATA, true);
        }
        if (metadataPrimary.valid()) {
            requireRole(metadataPath, metadataPrimary.superblock(), DeviceRole.METADATA, true);
        }
        Set<DeviceRole> damaged = EnumSet.noneOf(DeviceRole.class);

        Superblock metadataSuperblock;
        if (metadataPrimary.valid()) {
            metadataSuperblock = metadataPrimary.superblock();
            if (metadataSize >= metadataSuperblock.geometry().metadataFileSizeBytes()) {
                checkBackup(metadataPath, metadata, metadataSuperblock, warnings);
            }
        } else {
            Located backup = null;
            if (dataPrimary.valid()) {
                long offset = dataPrimary.superblock().geometry().backupSuperblockOffsetBytes();
                Candidate candidate = SuperblockCopies.decodeAt(metadata, offset, dataPrimary.superblock().blockSizeBytes());
                if (candidate.validity() != SuperblockValidity.DAMAGED) {
                    backup = new Located(candidate, offset);
                }
            }
            if (backup == null) {
                backup = SuperblockCopies.searchBackup(metadata, metadataSize);
            }
            if (backup == null) {
                throw metadataPrimary.refusal(metadataPath);
            }
            metadataSuperblock = backup.requireValid(metadataPath, metadataPrimary);
            requireRole(metadataPath, metadataSuperblock, DeviceRole.METADATA, true);
            damaged.add(DeviceRole.METADATA);
            warnings.add(metadataPath + ": primary superblock invalid (" + metadataPrimary.problem().getMessage()
                    + "); using the backup at byte " + backup.offsetBytes());
        }

        Superblock dataSuperblock;
        if (dataPrimary.valid() && VolumeConverter.convertedFrom(metadataSuperblock.withRole(DeviceRole.DATA), dataPrimary.superblock())) {
            // A conversion committed (the metadata device's primary is version 2) and crashed before
            // the data device's: the volume is version 2, the data device's block 0 outdated.
            dataSuperblock = metadataSuperblock.withRole(DeviceRole.DATA);
            damaged.add(DeviceRole.DATA);
            warnings.add(dataPath + ": superblock of format version 1, the metadata device's of version 2 (a conversion was"
                    + " interrupted); using the metadata device's copy");
        } else if (dataPrimary.valid() && VolumeResizer.resizedFrom(metadataSuperblock.withRole(DeviceRole.DATA), dataPrimary.superblock())) {
            // A resize committed (the metadata device's superblock is the new one) and crashed before
            // the data device's primary: the volume is the new one, the data device's block 0 outdated.
            dataSuperblock = metadataSuperblock.withRole(DeviceRole.DATA);
            damaged.add(DeviceRole.DATA);
            warnings.add(dataPath + ": superblock of " + dataPrimary.superblock().dataBlockCount() + " data blocks, the metadata"
                    + " device's of " + dataSuperblock.dataBlockCount() + " (a resize was interrupted); using the metadata device's copy");
        } else if (dataPrimary.valid()) {
            dataSuperblock = dataPrimary.superblock();
        } else {
            dataSuperblock = metadataSuperblock.withRole(DeviceRole.DATA);
            requireDamagedCopyOf(dataPath, dataPrimary, dataSuperblock, metadataPath);
            damaged.add(DeviceRole.DATA);
            warnings.add(dataPath + ": superblock invalid (" + dataPrimary.problem().getMessage()
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
        return new Opened(dataSuperblock, damaged, warnings);
    }

    /**
     * Refuses to stand {@code expected} (the metadata device's superblock as the data device sees it)
     * in for the damaged data-device superblock {@code damaged} unless the damaged block is still
     * recognisably a copy of it: its magic at most {@value #MAX_MAGIC_BITS_DAMAGED} bits off and its
     * encoded fields (the checksum aside; 128 bytes in version 2, 64 in version 1) at most
     * {@value #MAX_FIELD_BITS_DAMAGED} bits off. A device
     * that was never a volume fails the first; another volume's damaged superblock (an interleaved
     * device passed with a stranger's metadata device, say) fails the second on its UUID alone.
     */
    private static void requireDamagedCopyOf(Path dataPath, Candidate damaged, Superblock expected, Path metadataPath)
            throws InvalidVolumeException {
        MemorySegment found = damaged.bytes();
        int encodedBytes = expected.encodedBytes();
        if (found.byteSize() < encodedBytes
                || VolumeFiles.bitsDiffering(found.get(U64, Superblock.MAGIC_OFFSET), Superblock.MAGIC) > MAX_MAGIC_BITS_DAMAGED) {
            throw damaged.refusal(dataPath);
        }
        MemorySegment copy = MemorySegment.ofArray(new byte[expected.blockSizeBytes()]);
        expected.encode(copy);
        int bitsDiffering = 0;
        for (long offset = 0; offset < encodedBytes; offset += Long.BYTES) {
            long mask = offset == Superblock.CHECKSUM_OFFSET ? CHECKSUM_WORD_MASK : -1L;
            bitsDiffering += VolumeFiles.bitsDiffering(found.get(U64, offset) & mask, copy.get(U64, offset) & mask);
        }
        if (bitsDiffering > MAX_FIELD_BITS_DAMAGED) {
            throw new InvalidVolumeException(dataPath + ": superblock invalid (" + damaged.problem().getMessage()
                    + ") and not a damaged copy of metadata device " + metadataPath + "'s (volume " + expected.volumeUuid() + "): "
                    + bitsDiffering + " bits of its fields differ; refusing to stand that copy in for it", damaged.problem());
        }
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
        Candidate backup = SuperblockCopies.decodeAt(channel, offset, primary.blockSizeBytes());
        if (!backup.valid()) {
            warnings.add(path + ": backup superblock at byte " + offset + " invalid (" + backup.problem().getMessage() + ")");
        } else if (!backup.superblock().equals(primary)) {
            warnings.add(path + ": backup superblock at byte " + offset + " differs from the primary");
        }
    }
}
