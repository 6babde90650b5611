package dev.csum.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.FormatOptions;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random and mutated byte streams against the handshake and the request parser: the server never
 * fails (no uncaught exception on its threads), and a well-behaved client served alongside, and
 * after, keeps reading back what it wrote.
 */
class NbdFuzzTest {
    private static final int STREAMS = 400;

    @TempDir
    Path directory;

    @Test
    void randomAndMutatedStreamsNeverStopTheServer() throws Exception {
        List<Throwable> uncaught = new ArrayList<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, failure) -> {
            synchronized (uncaught) {
                uncaught.add(failure);
            }
        });
        Path data = directory.resolve("volume.csum");
        Volume.format(FormatOptions.of(data).withSizeBytes(16L << 20));
        try (Volume volume = Volume.open(VolumeOptions.of(data));
             NbdServer server = NbdServer.start(volume, NbdServerOptions.tcp("127.0.0.1", 0)
                 .withDrainTimeout(java.time.Duration.ofSeconds(2)));
             NbdTestClient good = NbdTestClient.connect(server.port(), "")) {
            byte[] reference = NbdServerTest.filled(8192, 77);
            assertEquals(0, good.write(0, reference));
            Random random = new Random(20261203);
            byte[][] seeds = {validHandshake(), validSession()};
            for (int i = 0; i < STREAMS; i++) {
                byte[] stream = switch (i % 3) {
                    case 0 -> randomBytes(random, 1 + random.nextInt(512));
                    case 1 -> mutate(random, seeds[0]);
                    default -> mutate(random, seeds[1]);
                };
                feed(server.port(), stream);
                if (i % 50 == 0) {
                    byte[] back = new byte[8192];
                    assertEquals(0, good.read(0, back), "the good client is still served after stream " + i);
                    assertArrayEquals(reference, back);
                }
            }
            try (NbdTestClient after = NbdTestClient.connect(server.port(), "")) {
                byte[] back = new byte[8192];
                assertEquals(0, after.read(0, back));
                assertArrayEquals(reference, back);
            }
            assertTrue(server.connectionsAccepted() > STREAMS);
            assertEquals(0, server.internalErrors(), "connections that ended on an unexpected exception");
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
        assertEquals(List.of(), uncaught, "uncaught exceptions on the server's threads");
    }

    /** Sends {@code stream}, reads what comes back for a moment, and closes. */
    private static void feed(int port, byte[] stream) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(20);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            try {
                out.write(stream);
                out.flush();
                byte[] sink = new byte[65536];
                while (in.read(sink) >= 0) {
                    // drain replies until the server waits for more or closes
                }
            } catch (SocketTimeoutException | SocketException expected) {
                // the server waits for bytes that will not come, or closed the connection on us
            }
        }
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /** Flips, replaces, inserts or cuts a few bytes of {@code seed}. */
    private static byte[] mutate(Random random, byte[] seed) {
        byte[] bytes = seed.clone();
        int mutations = 1 + random.nextInt(4);
        for (int m = 0; m < mutations; m++) {
            int at = random.nextInt(bytes.length);
            switch (random.nextInt(4)) {
                case 0 -> bytes[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> bytes[at] = (byte) random.nextInt(256);
                case 2 -> bytes = java.util.Arrays.copyOf(bytes, Math.max(1, at));
                default -> {
                    // a length or count field set to something large
                    for (int k = at; k < Math.min(bytes.length, at + 4); k++) {
                        bytes[k] = (byte) 0xff;
                    }
                }
            }
        }
        return bytes;
    }

    /** Client flags, INFO, LIST, an unknown option, GO. */
    private static byte[] validHandshake() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(NbdProtocol.CLIENT_FLAG_FIXED_NEWSTYLE | NbdProtocol.CLIENT_FLAG_NO_ZEROES);
        option(out, NbdProtocol.OPT_INFO, infoData(""));
        option(out, NbdProtocol.OPT_LIST, new byte[0]);
        option(out, 99, new byte[] {1, 2, 3, 4});
        option(out, NbdProtocol.OPT_GO, infoData(""));
        return bytes.toByteArray();
    }

    /** A handshake, then writes, reads, flushes and a DISC. */
    private static byte[] validSession() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(validHandshake());
        DataOutputStream out = new DataOutputStream(bytes);
        request(out, NbdProtocol.CMD_WRITE, NbdProtocol.CMD_FLAG_FUA, 1, 1 << 20, 4096);
        out.write(new byte[4096]);
        request(out, NbdProtocol.CMD_READ, 0, 2, 1 << 20, 8192);
        request(out, NbdProtocol.CMD_FLUSH, 0, 3, 0, 0);
        request(out, NbdProtocol.CMD_WRITE, 0, 4, 2 << 20, 8192);
        out.write(new byte[8192]);
        request(out, NbdProtocol.CMD_READ, 0, 5, 0, 4096);
        request(out, NbdProtocol.CMD_DISC, 0, 6, 0, 0);
        return bytes.toByteArray();
    }

    private static void option(DataOutputStream out, int option, byte[] data) throws IOException {
        out.writeLong(NbdProtocol.IHAVEOPT);
        out.writeInt(option);
        out.writeInt(data.length);
        out.write(data);
    }

    private static byte[] infoData(String name) {
        byte[] encoded = name.getBytes(StandardCharsets.UTF_8);
        return java.nio.ByteBuffer.allocate(4 + encoded.length + 4).putInt(encoded.length).put(encoded)
            .putShort((short) 1).putShort((short) NbdProtocol.INFO_BLOCK_SIZE).array();
    }

    private static void request(DataOutputStream out, int command, int flags, long cookie, long offset, int length)
            throws IOException {
        out.writeInt(NbdProtocol.REQUEST_MAGIC);
        out.writeShort(flags);
        out.writeShort(command);
        out.writeLong(cookie);
        out.writeLong(offset);
        out.writeInt(length);
    }
}
