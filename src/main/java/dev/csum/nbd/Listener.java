package dev.csum.nbd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** The server's listening socket: TCP, or a Unix socket made 0600 before anyone can connect. */
record Listener(ServerSocketChannel channel, Path unixPath, int port) {
    static Listener tcp(InetSocketAddress address) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(address, 128);
        } catch (IOException e) {
            channel.close();
            throw new java.net.BindException(address.getAddress().getHostAddress() + ":" + address.getPort()
                + ": " + e.getMessage());
        }
        return new Listener(channel, null, ((InetSocketAddress) channel.getLocalAddress()).getPort());
    }

    static Listener unix(Path path) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            UnixSockets.bindPrivate(channel, path);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return new Listener(channel, path, -1);
    }

    SocketChannel accept() throws IOException {
        SocketChannel accepted = channel.accept();
        if (unixPath == null) {
            accepted.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        return accepted;
    }

    String peerOf(SocketChannel accepted) {
        if (unixPath != null) {
            return "unix socket";
        }
        try {
            InetSocketAddress remote = (InetSocketAddress) accepted.getRemoteAddress();
            return remote.getAddress().getHostAddress() + ":" + remote.getPort();
        } catch (IOException e) {
            return "unknown";
        }
    }

    void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do: the socket is gone either way
        }
        if (unixPath != null) {
            UnixSockets.deleteQuietly(unixPath);
        }
    }
}
