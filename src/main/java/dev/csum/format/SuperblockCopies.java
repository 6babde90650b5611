package dev.csum.format;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Finding copies of a superblock on a device without knowing its geometry: what lies at block 0,
 * and the backup searched for near the end, each with the verdict of {@link Superblock#inspect}.
 * Reads only. {@link VolumeLabel} decides from them what a device holds; format asks them whether a
 * device already holds a volume ({@link ExistingContent}).
 */
final class SuperblockCopies {
    /**
     * Bytes read for a primary superblock: enough to check the checksum of a superblock of any
     * version, and so to tell a damaged one from one of another version.
     */
    static final int PRIMARY_READ_BYTES = Superblock.MAX_BLOCK_BYTES_ANY_VERSION;
    /**
     * Format leaves at most 3 unused whole blocks after an interleaved backup superblock (2 with a log
     * of a given size or none; 3 with the default log, which grows with the data: {@link Geometry#dataBlocksFitting}).
     */
    static final int BACKUP_SEARCH_BLOCKS = 4;

    private SuperblockCopies() {
    }

    /**
     * Looks for an interleaved or metadata backup superblock without knowing the geometry: it sits
     * in one of the last {@value #BACKUP_SEARCH_BLOCKS} whole blocks, and its own geometry must put
     * it exactly where it was found. Returns that valid backup; failing one, the first intact
     * superblock this build does not accept ({@link SuperblockValidity#UNSUPPORTED}: a caller refuses
     * it); failing both, null.
     */
    static Located searchBackup(FileChannel channel, long sizeBytes) throws IOException {
        Located unsupported = null;
        for (int blockSize : new int[] {4096, 512}) {
            long end = sizeBytes / blockSize * blockSize;
            for (int k = 1; k <= BACKUP_SEARCH_BLOCKS; k++) {
                long offset = end - (long) k * blockSize;
                if (offset < blockSize) {
                    break;
                }
                Candidate candidate = decodeAt(channel, offset, blockSize);
                if (candidate.valid()) {
                    if (isBackupAt(candidate.superblock(), blockSize, offset)) {
                        return new Located(candidate, offset);
                    }
                } else if (candidate.validity() == SuperblockValidity.UNSUPPORTED && unsupported == null) {
                    unsupported = new Located(candidate, offset);
                }
            }
        }
        return unsupported;
    }

    /** Whether a valid superblock read at {@code offsetBytes} in blocks of {@code blockSize} is a backup its own geometry puts there. */
    static boolean isBackupAt(Superblock superblock, int blockSize, long offsetBytes) {
        return superblock.blockSizeBytes() == blockSize && superblock.role() != DeviceRole.DATA
                && superblock.geometry().backupSuperblockOffsetBytes() == offsetBytes;
    }

    /**
     * What {@code channel} holds that format must not overwrite without force, in operator terms, or
     * null: a valid primary or backup superblock ("csum volume UUID"), or an intact one this build
     * does not accept (another version: a volume all the same).
     */
    static String existingVolume(FileChannel channel, long sizeBytes) throws IOException {
        Candidate primary = decodeAt(channel, 0, PRIMARY_READ_BYTES);
        Located found = primary.validity() == SuperblockValidity.DAMAGED ? searchBackup(channel, sizeBytes) : new Located(primary, 0);
        if (found == null) {
            return null;
        }
        return found.candidate.valid()
                ? "csum volume " + found.candidate.superblock().volumeUuid()
                : "an intact csum superblock at byte " + found.offsetBytes + " that this build does not read ("
                        + found.candidate.problem().getMessage() + ")";
    }

    static Candidate decodeAt(FileChannel channel, long offset, int length) throws IOException {
        MemorySegment bytes = VolumeFiles.read(channel, offset, length);
        return new Candidate(Superblock.inspect(bytes), bytes);
    }

    /** A superblock copy found at {@code offsetBytes}: valid, or intact but unsupported (never damaged). */
    record Located(Candidate candidate, long offsetBytes) {
        Located {
            if (candidate.validity() == SuperblockValidity.DAMAGED) {
                throw new IllegalArgumentException("a damaged block is not a superblock copy");
            }
        }

        /** The copy's superblock, standing in for {@code primary} (damaged) on {@code path}; a refusal if this build does not accept it. */
        Superblock requireValid(Path path, Candidate primary) throws InvalidVolumeException {
            if (candidate.valid()) {
                return candidate.superblock();
            }
            throw new InvalidVolumeException(path + ": primary superblock invalid (" + primary.problem().getMessage()
                    + "), and the backup at byte " + offsetBytes + " is intact but " + candidate.problem().getMessage()
                    + "; refusing rather than guessing", candidate.problem());
        }
    }

    /** What was found where a superblock belongs: the verdict, and the bytes read. */
    record Candidate(Superblock.Decoded decoded, MemorySegment bytes) {
        SuperblockValidity validity() {
            return decoded.validity();
        }

        boolean valid() {
            return decoded.validity() == SuperblockValidity.VALID;
        }

        Superblock superblock() {
            return decoded.superblock();
        }

        InvalidVolumeException problem() {
            return decoded.problem();
        }

        /** An intact superblock this build does not accept is a refusal: no copy may stand in for it. */
        void refuseUnlessValidOrDamaged(Path path) throws InvalidVolumeException {
            if (validity() == SuperblockValidity.UNSUPPORTED) {
                throw refusal(path);
            }
        }

        InvalidVolumeException refusal(Path path) {
            return new InvalidVolumeException(path + ": " + problem().getMessage(), problem());
        }
    }
}
