package dev.csum.uring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * io_uring itself is refused to this process: {@code io_uring_setup} failed with {@code EPERM} (a
 * seccomp filter, as in Docker's and containerd's default profiles, or the
 * {@code kernel.io_uring_disabled} sysctl) or {@code ENOSYS} (a kernel without io_uring, or a filter
 * that hides it). Unlike other set-up failures this says nothing about the devices: the portable
 * I/O port works here. The message says what refused it and how to allow it, e.g.
 * {@code "io_uring_queue_init_params(65): EPERM (errno 1): io_uring is not permitted here (…)"}.
 */
public final class IoUringUnavailableException extends NativeIoException {

    private static final long serialVersionUID = 1L;

    /** Where Linux 6.6 and later publish the sysctl (absent before). */
    static final Path IO_URING_DISABLED_SYSCTL = Path.of("/proc/sys/kernel/io_uring_disabled");

    private final String reason;

    private IoUringUnavailableException(String operation, int errno, String reason) {
        super(operation, null, NO_OFFSET, errno);
        this.reason = reason;
    }

    /** True when {@code io_uring_setup} failing with {@code errno} means io_uring is refused to this process. */
    public static boolean refusesIoUring(int errno) {
        int positive = Math.abs(errno);
        return positive == Errno.EPERM || positive == Errno.ENOSYS;
    }

    /**
     * The exception for {@code operation} (the set-up call) failing with {@code errno}, one of
     * {@link #refusesIoUring(int)}; reads {@code kernel.io_uring_disabled} to tell the sysctl from seccomp.
     */
    public static IoUringUnavailableException of(String operation, int errno) {
        if (!refusesIoUring(errno)) {
            throw new IllegalArgumentException(Errno.name(errno) + " does not mean that io_uring is refused");
        }
        return new IoUringUnavailableException(operation, errno, explain(errno, readSysctl()));
    }

    /**
     * What refused io_uring and how to allow it, in one sentence without a final period.
     *
     * @param ioUringDisabled the value of {@code kernel.io_uring_disabled}, or null when it cannot be read
     */
    static String explain(int errno, String ioUringDisabled) {
        String value = ioUringDisabled == null ? "0" : ioUringDisabled.strip();
        if (Math.abs(errno) == Errno.ENOSYS) {
            return "io_uring is not available here (io_uring_setup: ENOSYS; the kernel is older than 5.1 or built "
                    + "without CONFIG_IO_URING, or a seccomp filter hides the call: run on a kernel with io_uring, or "
                    + "allow io_uring_setup, io_uring_enter and io_uring_register in the seccomp profile)";
        }
        if (value.equals("2")) {
            return "io_uring is disabled on this machine (io_uring_setup: EPERM; sysctl kernel.io_uring_disabled = 2: "
                    + "set it to 0 to allow io_uring)";
        }
        if (value.equals("1")) {
            return "io_uring is restricted on this machine (io_uring_setup: EPERM; sysctl kernel.io_uring_disabled = 1 "
                    + "allows only processes with CAP_SYS_ADMIN and members of the group kernel.io_uring_group: add "
                    + "the user to that group, or set the sysctl to 0)";
        }
        return "io_uring is not permitted here (io_uring_setup: EPERM; a container's default seccomp profile refuses "
                + "it: run with --security-opt seccomp=<a profile allowing io_uring_setup, io_uring_enter and "
                + "io_uring_register> or --security-opt seccomp=unconfined)";
    }

    private static String readSysctl() {
        try {
            return Files.readString(IO_URING_DISABLED_SYSCTL);
        } catch (IOException | SecurityException absent) {
            return null; // before Linux 6.6, or /proc not mounted: only seccomp can be the cause
        }
    }

    /** What refused io_uring and how to allow it: one sentence, no final period. */
    public String reason() {
        return reason;
    }

    @Override
    public String getMessage() {
        return super.getMessage() + ": " + reason;
    }
}
