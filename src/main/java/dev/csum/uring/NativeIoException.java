package dev.csum.uring;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A failed native I/O call or io_uring operation. The message names the operation, the file, the
 * offset (when there is one) and the errno symbol, e.g.
 * {@code "write /var/tmp/vol at offset 4097: EINVAL (errno 22)"}.
 */
public class NativeIoException extends IOException {

    private static final long serialVersionUID = 1L;

    /** {@link #offsetBytes()} of an operation without an offset (open, fsync, submit). */
    public static final long NO_OFFSET = -1;

    private final String operation;
    private final transient Path path;
    private final long offsetBytes;
    private final int errno;

    /**
     * @param operation   what failed: {@code "read"}, {@code "open"}, {@code "io_uring_submit"}...
     * @param path        the file, or null when the operation has none
     * @param offsetBytes the file offset, or {@link #NO_OFFSET}
     * @param errno       the error number, positive or negative (an io_uring {@code res})
     */
    public NativeIoException(String operation, Path path, long offsetBytes, int errno) {
        super(message(operation, path, offsetBytes, errno));
        this.operation = operation;
        this.path = path;
        this.offsetBytes = offsetBytes;
        this.errno = Math.abs(errno);
    }

    /**
     * Returns {@code result} when it is not negative; otherwise throws the exception for
     * {@code -result}. The usual check of an io_uring completion or a liburing return value.
     */
    public static int check(int result, String operation, Path path, long offsetBytes) throws NativeIoException {
        if (result < 0) {
            throw new NativeIoException(operation, path, offsetBytes, result);
        }
        return result;
    }

    private static String message(String operation, Path path, long offsetBytes, int errno) {
        var text = new StringBuilder(operation);
        if (path != null) {
            text.append(' ').append(path);
        }
        if (offsetBytes != NO_OFFSET) {
            text.append(" at offset ").append(offsetBytes);
        }
        return text.append(": ").append(Errno.name(errno)).append(" (errno ").append(Math.abs(errno)).append(')')
                .toString();
    }

    /** The operation that failed. */
    public String operation() {
        return operation;
    }

    /** The file, or null. */
    public Path path() {
        return path;
    }

    /** The file offset in bytes, or {@link #NO_OFFSET}. */
    public long offsetBytes() {
        return offsetBytes;
    }

    /** The positive errno ({@link Errno#EINVAL}, ...). */
    public int errno() {
        return errno;
    }

    /** The errno symbol ({@code "EINVAL"}). */
    public String errnoName() {
        return Errno.name(errno);
    }
}
