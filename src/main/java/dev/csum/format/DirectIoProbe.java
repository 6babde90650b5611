package dev.csum.format;

import dev.csum.uring.NativeFile;
import dev.csum.uring.NativeIoException;
import dev.csum.uring.NativeSupport;
import java.nio.file.Path;

/**
 * The direct-I/O alignment of a device, for format's choice of log blocks
 * ({@link LogBlockChoice#logSectorsFlag}): what {@link NativeFile#alignmentBytes()} reports for it opened
 * {@code O_DIRECT}, the alignment csum's io_uring port will need.
 */
final class DirectIoProbe {

    private DirectIoProbe() {
    }

    /** Bytes of alignment direct I/O to {@code device} needs, or 0 when not known (no native access, or it cannot be opened). */
    static int alignmentBytes(Path device) {
        if (!NativeSupport.isAvailable()) {
            return 0;
        }
        try (NativeFile file = NativeFile.open(device, true, false)) {
            return file.alignmentBytes();
        } catch (NativeIoException cannot) {
            return 0;
        }
    }
}
