package dev.csum.io;

import dev.csum.uring.Errno;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One file of the {@link FileChannelIoPort}: a {@link FileChannel} for positional reads, writes and
 * forces, opened with {@code com.sun.nio.file.ExtendedOpenOption.DIRECT} ({@code O_DIRECT}) when asked, and for a
 * writable file a second one opened with {@link StandardOpenOption#DSYNC} ({@code O_DSYNC}) for
 * {@link IoPort#FLAG_DSYNC} writes: each is durable when it returns, as an {@code RWF_DSYNC} write is.
 *
 * <p>Threading: every worker of the port uses the channels at once. Positional I/O takes no lock
 * on Linux ({@code pread}/{@code pwrite}). Nothing here may be interrupted: an interrupt during I/O
 * closes a {@code FileChannel} for every thread, and the port's workers are never interrupted.
 */
final class PortableFile implements AutoCloseable {
    /**
     * {@code com.sun.nio.file.ExtendedOpenOption.DIRECT} (module {@code jdk.unsupported}), looked up
     * by name: naming the class in source makes javac and javadoc warn about a proprietary API on
     * every build, and the warning cannot be switched off.
     */
    private static final java.nio.file.OpenOption DIRECT = directOption();

    private static java.nio.file.OpenOption directOption() {
        try {
            return (java.nio.file.OpenOption) Class.forName("com.sun.nio.file.ExtendedOpenOption")
                .getField("DIRECT").get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }


    /**
     * The JDK's direct-I/O unit when the file system does not say: the common {@code f_frsize}.
     * Used only when {@link java.nio.file.FileStore#getBlockSize()} fails (no mount entry found).
     */
    static final int DIRECT_ALIGNMENT_FALLBACK_BYTES = 4096;

    /**
     * errno by the {@code strerror} text the JDK puts in an {@link IOException} (glibc, English):
     * the errors a device or file system gives a read, write or fsync. Anything else is {@code EIO}.
     */
    private static final Map<String, Integer> ERRNO_BY_MESSAGE = Map.ofEntries(
            Map.entry("Input/output error", Errno.EIO),
            Map.entry("No space left on device", Errno.ENOSPC),
            Map.entry("Disk quota exceeded", Errno.EDQUOT),
            Map.entry("File too large", Errno.EFBIG),
            Map.entry("Read-only file system", Errno.EROFS),
            Map.entry("Invalid argument", Errno.EINVAL),
            Map.entry("Bad file descriptor", Errno.EBADF),
            Map.entry("No such device or address", Errno.ENXIO),
            Map.entry("No such device", Errno.ENODEV),
            Map.entry("Operation not permitted", Errno.EPERM),
            Map.entry("Permission denied", Errno.EACCES),
            Map.entry("Cannot allocate memory", Errno.ENOMEM),
            Map.entry("Operation not supported", Errno.EOPNOTSUPP));

    private final Path path;
    private final FileChannel channel;
    private final FileChannel dsyncChannel; // null when read-only

    private PortableFile(Path path, FileChannel channel, FileChannel dsyncChannel) {
        this.path = path;
        this.channel = channel;
        this.dsyncChannel = dsyncChannel;
    }

    /**
     * The unit the JDK holds direct I/O on {@code path} to: offsets, lengths and buffer addresses
     * must be multiples of it. The JDK takes the file system's {@code f_frsize} (4096 on ext4 and
     * xfs, and for block devices that of /dev), not the device's logical sector size, so it may be
     * larger than what {@code O_DIRECT} itself needs.
     */
    static int directAlignmentBytes(Path path) {
        try {
            long bytes = Files.getFileStore(path).getBlockSize();
            return bytes > 0 && bytes <= 1 << 20 && Long.bitCount(bytes) == 1 ? (int) bytes
                    : DIRECT_ALIGNMENT_FALLBACK_BYTES;
        } catch (IOException | UnsupportedOperationException unknown) {
            return DIRECT_ALIGNMENT_FALLBACK_BYTES;
        }
    }

    /**
     * Opens {@code path} (a regular file or block device that exists).
     *
     * @param direct {@code O_DIRECT}; else through the page cache
     * @throws IOException naming the path and how it was opened
     */
    static PortableFile open(Path path, boolean readOnly, boolean direct) throws IOException {
        FileChannel channel = null;
        try {
            channel = readOnly ? FileChannel.open(path, options(direct))
                    : FileChannel.open(path, options(direct, StandardOpenOption.WRITE));
            FileChannel dsync = readOnly ? null
                    : FileChannel.open(path, options(direct, StandardOpenOption.WRITE, StandardOpenOption.DSYNC));
            return new PortableFile(path, channel, dsync);
        } catch (IOException | RuntimeException failure) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException suppressed) {
                    failure.addSuppressed(suppressed);
                }
            }
            if (failure instanceof NoSuchFileException || failure instanceof AccessDeniedException
                    || !(failure instanceof IOException io)) {
                throw failure;
            }
            String reason = io instanceof FileSystemException named && named.getReason() != null ? named.getReason()
                    : io.getMessage();
            throw new IOException("open " + path + (readOnly ? " read-only" : "") + (direct ? " with O_DIRECT" : "")
                    + ": " + reason + (direct && "Invalid argument".equals(reason)
                    ? " (the file system does not support direct I/O)" : ""), io);
        }
    }

    /** READ, {@code mode}, and DIRECT when {@code direct}. */
    private static OpenOption[] options(boolean direct, OpenOption... mode) {
        List<OpenOption> options = new ArrayList<>(List.of(mode));
        options.add(StandardOpenOption.READ);
        if (direct) {
            options.add(DIRECT);
        }
        return options.toArray(OpenOption[]::new);
    }

    Path path() {
        return path;
    }

    /**
     * Reads into all of {@code buffer} at {@code offsetBytes}, going on after a partial read; returns
     * the bytes read, fewer only at the end of the file (as {@code pread} does).
     */
    int read(MemorySegment buffer, long offsetBytes) throws IOException {
        ByteBuffer target = buffer.asByteBuffer();
        int done = 0;
        while (target.hasRemaining()) {
            int read = channel.read(target, offsetBytes + done);
            if (read <= 0) {
                break; // end of file
            }
            done += read;
        }
        return done;
    }

    /** Writes all of {@code buffer} at {@code offsetBytes} ({@code dsync}: durable on return); returns the bytes written. */
    int write(MemorySegment buffer, long offsetBytes, boolean dsync) throws IOException {
        if (dsyncChannel == null) {
            throw new NonWritableChannelException();
        }
        FileChannel target = dsync ? dsyncChannel : channel;
        ByteBuffer source = buffer.asByteBuffer();
        int done = 0;
        while (source.hasRemaining()) {
            int written = target.write(source, offsetBytes + done);
            if (written <= 0) {
                break; // cannot happen for a file or block device; never spin
            }
            done += written;
        }
        return done;
    }

    /**
     * Punches {@code [offsetBytes, offsetBytes + lengthBytes)} ({@link IoPort#preparePunch}) through a
     * descriptor of its own (a {@code FileChannel} has no {@code fallocate}); returns 0 or a negative errno.
     */
    int punch(long offsetBytes, long lengthBytes) {
        if (dsyncChannel == null) {
            return -Errno.EBADF;
        }
        try (dev.csum.uring.NativeFile file = dev.csum.uring.NativeFile.open(path, false, false)) {
            file.punchHole(offsetBytes, lengthBytes);
            return 0;
        } catch (dev.csum.uring.NativeIoException failed) {
            return -failed.errno();
        }
    }

    /** {@code fdatasync} ({@code allMetadata} false) or {@code fsync}. */
    void force(boolean allMetadata) throws IOException {
        channel.force(allMetadata);
    }

    long sizeBytes() throws IOException {
        return channel.size();
    }

    /**
     * The negative errno an operation that threw {@code failure} completes with: the errno of an
     * {@link IOException}'s {@code strerror} text, {@code -EBADF} for a channel that is closed or
     * not open for the operation, {@code -EFAULT} for a buffer that is not accessible (its arena
     * closed, or confined to another thread), {@code -EIO} otherwise.
     */
    static int negativeErrno(Throwable failure) {
        if (failure instanceof ClosedChannelException || failure instanceof NonWritableChannelException
                || failure instanceof NonReadableChannelException) {
            return -Errno.EBADF;
        }
        if (failure instanceof IllegalStateException || failure instanceof WrongThreadException) {
            return -Errno.EFAULT;
        }
        if (failure instanceof IOException && failure.getMessage() != null) {
            Integer errno = ERRNO_BY_MESSAGE.get(failure.getMessage());
            if (errno != null) {
                return -errno;
            }
            if (failure.getMessage().contains("is not a multiple of the block size")) {
                return -Errno.EINVAL; // the JDK's own direct-I/O alignment check
            }
        }
        return -Errno.EIO;
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            if (dsyncChannel != null) {
                dsyncChannel.close();
            }
        }
    }
}
