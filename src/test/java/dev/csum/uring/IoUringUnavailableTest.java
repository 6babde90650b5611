package dev.csum.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What a refusal of io_uring tells the user: what refused it, and how to allow it. */
class IoUringUnavailableTest {

    @Test
    void onlyEpermAndEnosysMeanThatIoUringIsRefused() {
        assertTrue(IoUringUnavailableException.refusesIoUring(-Errno.EPERM));
        assertTrue(IoUringUnavailableException.refusesIoUring(Errno.ENOSYS));
        assertFalse(IoUringUnavailableException.refusesIoUring(-Errno.ENOMEM), "ENOMEM: ulimit -l, not a refusal");
        assertFalse(IoUringUnavailableException.refusesIoUring(-Errno.EINVAL));
        assertThrows(IllegalArgumentException.class, () -> IoUringUnavailableException.of("setup", -Errno.ENOMEM));
    }

    @Test
    void epermWithTheSysctlAtZeroNamesTheContainersSeccompProfileAndTheDockerFlag() {
        String reason = IoUringUnavailableException.explain(-Errno.EPERM, "0\n");
        assertTrue(reason.startsWith("io_uring is not permitted here (io_uring_setup: EPERM; a container's default "
            + "seccomp profile refuses it"), reason);
        assertTrue(reason.contains("--security-opt seccomp=unconfined"), reason);
        assertEquals(reason, IoUringUnavailableException.explain(-Errno.EPERM, null), "a kernel without the sysctl");
    }

    @Test
    void epermWithTheSysctlSetNamesTheSysctlAndItsValue() {
        assertTrue(IoUringUnavailableException.explain(-Errno.EPERM, "2\n")
            .contains("sysctl kernel.io_uring_disabled = 2: set it to 0"));
        assertTrue(IoUringUnavailableException.explain(-Errno.EPERM, "1")
            .contains("kernel.io_uring_disabled = 1 allows only processes with CAP_SYS_ADMIN and members of the "
                + "group kernel.io_uring_group"));
    }

    @Test
    void enosysNamesTheKernelAndTheFilter() {
        String reason = IoUringUnavailableException.explain(Errno.ENOSYS, "0");
        assertTrue(reason.startsWith("io_uring is not available here (io_uring_setup: ENOSYS;"), reason);
        assertTrue(reason.contains("CONFIG_IO_URING") && reason.contains("seccomp"), reason);
    }

    @Test
    void theMessageIsTheFailedCallAndItsErrnoThenTheReason() {
        IoUringUnavailableException refused = IoUringUnavailableException.of("io_uring_queue_init_params(65)",
            -Errno.EPERM);
        assertEquals(Errno.EPERM, refused.errno());
        assertEquals("io_uring_queue_init_params(65): EPERM (errno 1): " + refused.reason(), refused.getMessage());
        assertTrue(refused instanceof NativeIoException, "callers catching NativeIoException still see it");
    }
}
