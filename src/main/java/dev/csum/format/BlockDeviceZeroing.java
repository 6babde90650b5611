package dev.csum.format;

import dev.csum.uring.NativeFile;
import dev.csum.uring.NativeIoException;
import dev.csum.uring.NativeSupport;
import java.nio.file.Path;

/**
 * Makes a range of a block device read as zeros without writing it, for format: {@code fallocate(
 * PUNCH_HOLE | KEEP_SIZE)}, which the kernel turns into the device's own zeroing (write-zeroes, or a
 * discard the device guarantees to zero) and refuses ({@code EOPNOTSUPP}) rather than emulate by
 * writing zeros. So it is fast or it fails, and format falls back to writing the metadata's zeros
 * itself and leaves the data area alone ({@link Superblock#FLAG_DATA_ZEROED} clear). On a regular file
 * it punches a hole ({@link VolumeConverter}); where the file system cannot, or refuses
 * {@code O_DIRECT} (tmpfs), it fails the same way.
 */
final class BlockDeviceZeroing {

    private BlockDeviceZeroing() {
    }

    /**
     * Whether {@code [offsetBytes, offsetBytes + lengthBytes)} of the block device {@code device} now
     * reads as zeros. False, with nothing changed, when the device cannot zero without writing, the
     * range is not aligned to its logical block size, or native access is not enabled (the call goes
     * through libc); true for an empty range.
     */
    static boolean zero(Path device, long offsetBytes, long lengthBytes) {
        if (lengthBytes <= 0) {
            return true;
        }
        if (!NativeSupport.isAvailable()) {
            return false;
        }
        try (NativeFile file = NativeFile.open(device, false, false)) {
            file.punchHole(offsetBytes, lengthBytes);
            return true;
        } catch (NativeIoException cannot) {
            return false; // EOPNOTSUPP, EINVAL (alignment), ENODEV (old kernels): write the metadata's zeros instead
        }
    }
}
