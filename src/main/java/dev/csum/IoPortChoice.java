package dev.csum;

import dev.csum.io.FileChannelIoPort;
import dev.csum.io.IoPort;
import dev.csum.io.UringIoPort;
import dev.csum.uring.IoUringUnavailableException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Opens the {@link IoPort} a volume runs on, by {@link VolumeOptions#ioEngine()}: io_uring, the
 * portable port, or ({@link IoEngine#AUTO}) io_uring and, when io_uring is refused to this process,
 * the portable port with one warning saying why and how to allow io_uring.
 *
 * <p>Only a refusal of io_uring itself ({@link IoUringUnavailableException}: EPERM or ENOSYS from
 * {@code io_uring_setup}) falls back. Any other failure (a device that cannot be opened, ENOMEM for
 * the ring) is the user's to see: the portable port would hide it or fail the same way.
 */
final class IoPortChoice {

    /**
     * Tests: when not 0, opening the io_uring port fails as {@code io_uring_setup} failing with this
     * errno would (an {@link IoUringUnavailableException} for EPERM or ENOSYS), so that the fallback
     * can be tested without a container. Set and reset by the test; tests run one at a time.
     */
    static volatile int refuseIoUringForTesting;

    private IoPortChoice() {
    }

    /**
     * @param blockSizeBytes the volume's block size
     * @param ioUnitBytes the volume's smallest I/O unit (its block, or its log block when smaller,
     *     {@code Superblock#ioUnitBytes}): every offset and length is a multiple of it
     * @param warnings receives one line when the portable port is used for want of io_uring, or
     *     serves I/O through the page cache
     */
    static IoPort open(Path data, Path metadata, VolumeOptions options, int blockSizeBytes, int ioUnitBytes,
                       List<String> warnings)
            throws IOException {
        return switch (options.ioEngine()) {
            case IO_URING -> openUring(data, metadata, options);
            case PORTABLE -> openPortable(data, metadata, options, blockSizeBytes, ioUnitBytes, null, warnings);
            case AUTO -> {
                try {
                    yield openUring(data, metadata, options);
                } catch (IoUringUnavailableException refused) {
                    yield openPortable(data, metadata, options, blockSizeBytes, ioUnitBytes, refused, warnings);
                }
            }
        };
    }

    private static IoPort openUring(Path data, Path metadata, VolumeOptions options) throws IOException {
        int refusedErrno = refuseIoUringForTesting;
        if (refusedErrno != 0) {
            throw IoUringUnavailableException.of("io_uring_queue_init_params(" + (options.queueDepth() + 1) + ")",
                -refusedErrno);
        }
        return UringIoPort.open(data, metadata, options.queueDepth(), options.readOnly());
    }

    private static IoPort openPortable(Path data, Path metadata, VolumeOptions options, int blockSizeBytes, int ioUnitBytes,
                                       IoUringUnavailableException refused, List<String> warnings)
            throws IOException {
        FileChannelIoPort port = FileChannelIoPort.open(data, metadata, options.queueDepth(), options.readOnly(),
            ioUnitBytes);
        String pageCache = port.isDirect() ? "" : "; through the page cache, since the JDK's direct-I/O unit here ("
            + port.directAlignmentBytes() + " bytes) is larger than the volume's " + ioUnitBytes + "-byte " + (ioUnitBytes < blockSizeBytes ? "log blocks" : "blocks");
        if (refused != null) {
            warnings.add(refused.reason() + "; using the portable FileChannel I/O port instead, which is slower"
                + pageCache);
        } else if (!pageCache.isEmpty()) {
            warnings.add("the portable FileChannel I/O port reads and writes" + pageCache);
        }
        return port;
    }
}
