package dev.csum.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.FormatOptions;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Serving on a Unix domain socket: mode 0600, a stale socket replaced, another file refused. */
class NbdUnixSocketTest {
    @TempDir
    Path directory;

    @Test
    void theSocketIsPrivateServesAndIsRemovedAtClose() throws IOException {
        Path data = directory.resolve("volume.csum");
        Volume.format(FormatOptions.of(data).withSizeBytes(8L << 20));
        Path socket = directory.resolve("nbd.sock");
        // A stale socket, as a killed server leaves it: nothing accepts on it.
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket));
        try (Volume volume = Volume.open(VolumeOptions.of(data));
             NbdServer server = NbdServer.start(volume, NbdServerOptions.unixSocket(socket))) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            assertEquals(-1, server.port());
            assertTrue(server.uri().startsWith("nbd+unix:///?socket="), server.uri());
            assertThrows(java.net.BindException.class,
                () -> NbdServer.start(volume, NbdServerOptions.unixSocket(socket)), "a live socket is not replaced");
            try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
                assertEquals(NbdProtocol.NBD_MAGIC, in.readLong());
                assertEquals(NbdProtocol.IHAVEOPT, in.readLong());
                in.readUnsignedShort();
                ByteBuffer go = ByteBuffer.allocate(4 + 16 + 4 + 2);
                go.putInt(NbdProtocol.CLIENT_FLAG_FIXED_NEWSTYLE | NbdProtocol.CLIENT_FLAG_NO_ZEROES);
                go.putLong(NbdProtocol.IHAVEOPT).putInt(NbdProtocol.OPT_EXPORT_NAME).putInt(0);
                channel.write(go.flip());
                assertEquals(volume.sizeBytes(), in.readLong());
                in.readUnsignedShort();
                ByteBuffer read = ByteBuffer.allocate(28).putInt(NbdProtocol.REQUEST_MAGIC).putShort((short) 0)
                    .putShort((short) NbdProtocol.CMD_READ).putLong(5).putLong(0).putInt(4096);
                channel.write(read.flip());
                assertEquals(NbdProtocol.SIMPLE_REPLY_MAGIC, in.readInt());
                assertEquals(0, in.readInt());
                assertEquals(5, in.readLong());
                byte[] block = new byte[4096];
                in.readFully(block);
                assertArrayEquals(new byte[4096], block);
            }
        }
        assertFalse(Files.exists(socket), "the socket file is removed at close");
        try (Volume volume = Volume.open(VolumeOptions.of(data))) {
            Path regular = directory.resolve("file");
            Files.writeString(regular, "keep me");
            assertThrows(FileAlreadyExistsException.class,
                () -> NbdServer.start(volume, NbdServerOptions.unixSocket(regular)));
            assertEquals("keep me", Files.readString(regular));
        }
    }
}
