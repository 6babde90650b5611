package dev.csum.nbd;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Binding a Unix domain socket that only its owner can use. */
final class UnixSockets {
    /** {@code S_IFMT} and {@code S_IFSOCK} of {@code st_mode}. */
    private static final int FILE_TYPE_MASK = 0170000;
    private static final int SOCKET_TYPE = 0140000;

    private UnixSockets() {
    }

    /**
     * Binds {@code channel} at {@code path} with mode 0600. The socket is bound in a new directory of
     * mode 0700 next to {@code path}, made 0600 there and then renamed into place, so no one else can
     * connect between the bind and the chmod. A socket file already at {@code path} that nothing
     * accepts on (left by a killed server) is replaced; any other file is refused.
     */
    static void bindPrivate(ServerSocketChannel channel, Path path) throws IOException {
        Path absolute = path.toAbsolutePath();
        if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            if (!isSocket(absolute)) {
                throw new FileAlreadyExistsException(path.toString(), null, "exists and is not a socket; refusing to "
                    + "replace it");
            }
            if (accepts(absolute)) {
                throw new java.net.BindException(path + ": another server is listening on this socket");
            }
            Files.delete(absolute);
        }
        Path directory = Files.createTempDirectory(absolute.getParent(), ".csum-nbd-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path temporary = directory.resolve("s");
        try {
            channel.bind(UnixDomainSocketAddress.of(temporary));
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
            Files.deleteIfExists(directory);
        }
    }

    static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a socket file left behind is replaced by the next start
        }
    }

    private static boolean isSocket(Path path) throws IOException {
        Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return mode instanceof Integer bits && (bits & FILE_TYPE_MASK) == SOCKET_TYPE;
    }

    private static boolean accepts(Path path) throws IOException {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (ConnectException e) {
            return false;
        }
    }
}
