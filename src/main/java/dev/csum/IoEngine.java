package dev.csum;

/**
 * Which I/O port a volume opened on its devices does its device I/O through
 * ({@link VolumeOptions#ioEngine()}).
 */
public enum IoEngine {
    /**
     * io_uring when this process may use it, else the portable port, with one line in
     * {@link Volume#openWarnings()} saying why io_uring was refused and how to allow it. The default.
     */
    AUTO,
    /**
     * io_uring only ({@code dev.csum.io.UringIoPort}): opening fails when io_uring is refused, with a
     * message saying why (a container's seccomp profile, the {@code kernel.io_uring_disabled} sysctl,
     * an old kernel) and how to allow it.
     */
    IO_URING,
    /**
     * Positional {@code FileChannel} I/O on a small pool of threads ({@code dev.csum.io.FileChannelIoPort}),
     * still {@code O_DIRECT} where the file system's direct-I/O unit allows: works wherever Java does,
     * and is slower (docs/PERFORMANCE.md, "Portable I/O port").
     */
    PORTABLE
}
