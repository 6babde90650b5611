package dev.csum.format;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a device holds that format would destroy, looked for before anything is written. In order:
 * <ol>
 *   <li>a csum volume with a valid primary or backup superblock, named by its UUID;</li>
 *   <li>a {@link KnownSignature known signature} (file systems, LUKS, LVM2, swap, partition tables,
 *       dm-integrity, ZFS, a damaged csum volume), named with the bytes and where they are;</li>
 *   <li>any non-zero byte in the first or the last {@value #SCANNED_BYTES} bytes (the whole device
 *       when it is smaller than two of those), named by its offset.</li>
 * </ol>
 * A device that does not exist, or that reads as zeros in those ranges (a fresh sparse file, a
 * zeroed disk), holds nothing. Reads at most 2 MiB plus the superblock search, with a plain
 * {@link FileChannel}: format is not a hot path. Writes nothing.
 */
final class ExistingContent {

    /** Bytes scanned for non-zero data at each end of a device; every {@link KnownSignature} lies in the first ones. */
    static final int SCANNED_BYTES = 1 << 20;

    private ExistingContent() {
    }

    /**
     * Throws unless {@code path} is absent or holds nothing, naming what it holds, e.g.
     * {@code data device vol.img holds an ext4 file system (superblock magic 0xEF53 at byte 1080);
     * format with --force to overwrite it}.
     *
     * @param role      how the message names the device ("data device", "metadata device")
     * @param sizeBytes the device's size in bytes
     * @throws InvalidVolumeException when the device holds something
     * @throws IOException            when it cannot be read
     */
    static void refuseUnlessEmpty(String role, Path path, long sizeBytes) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        String holds;
        try (FileChannel channel = FileChannel.open(path)) {
            holds = describe(channel, sizeBytes);
        }
        if (holds != null) {
            throw new InvalidVolumeException(role + " " + path + " " + holds + "; format with --force to overwrite it");
        }
    }

    /**
     * What the device behind {@code channel} holds, as a predicate for a sentence about it
     * ({@code holds data: non-zero byte at offset 4096}), or null when it holds nothing.
     */
    static String describe(FileChannel channel, long sizeBytes) throws IOException {
        String volume = SuperblockCopies.existingVolume(channel, sizeBytes);
        if (volume != null) {
            return "already holds " + volume;
        }
        MemorySegment head = VolumeFiles.read(channel, 0, (int) Math.min(sizeBytes, SCANNED_BYTES));
        String signature = KnownSignature.describe(head);
        if (signature != null) {
            return "holds " + signature;
        }
        long nonZeroOffset = firstNonZeroOffset(head, 0);
        if (nonZeroOffset < 0 && sizeBytes > head.byteSize()) {
            // Worked example, a 3.5 MiB file: the head is [0, 1 MiB), the tail [2.5 MiB, 3.5 MiB).
            // A 1.5 MiB file: the tail starts where the head ends, [1 MiB, 1.5 MiB), so all is read.
            long tailOffset = Math.max(head.byteSize(), sizeBytes - SCANNED_BYTES);
            MemorySegment tail = VolumeFiles.read(channel, tailOffset, (int) (sizeBytes - tailOffset));
            nonZeroOffset = firstNonZeroOffset(tail, tailOffset);
        }
        return nonZeroOffset < 0 ? null : "holds data: non-zero byte at offset " + nonZeroOffset;
    }

    /** Device offset of the first non-zero byte of {@code bytes}, read at {@code offsetBytes}; -1 when all are zero. */
    private static long firstNonZeroOffset(MemorySegment bytes, long offsetBytes) {
        long index = bytes.mismatch(MemorySegment.ofArray(new byte[(int) bytes.byteSize()]));
        return index < 0 ? -1 : offsetBytes + index;
    }
}
