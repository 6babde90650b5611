package dev.csum.nbd;

import static dev.csum.nbd.NbdProtocol.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.FormatOptions;
import dev.csum.RequestKind;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server against a hand-written client: handshake, requests, errors, several connections. */
class NbdServerTest {
    private static final long SIZE_BYTES = 48L << 20;

    @TempDir
    Path directory;

    private Path data;
    private Volume volume;
    private NbdServer server;

    @BeforeEach
    void start() throws IOException {
        data = directory.resolve("volume.csum");
        Volume.format(FormatOptions.of(data).withSizeBytes(SIZE_BYTES));
        volume = Volume.open(VolumeOptions.of(data));
        server = NbdServer.start(volume, NbdServerOptions.tcp("127.0.0.1", 0).withExportName("disk"));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        volume.close();
    }

    @Test
    void infoAdvertisesTheSizeFlagsAndBlockSizes() throws IOException {
        try (NbdTestClient client = new NbdTestClient(server.port())) {
            int flags = client.greeting(CLIENT_FLAG_FIXED_NEWSTYLE);
            assertEquals(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES, flags);
            assertEquals(REP_ACK, client.go(OPT_INFO, "disk").type());
            assertEquals(volume.sizeBytes(), client.exportSizeBytes);
            assertEquals(TRANSMISSION_HAS_FLAGS | TRANSMISSION_SEND_FLUSH | TRANSMISSION_SEND_FUA
                | TRANSMISSION_CAN_MULTI_CONN | TRANSMISSION_SEND_TRIM | TRANSMISSION_SEND_WRITE_ZEROES,
                client.transmissionFlags);
            assertEquals(4096, client.minimumBlockBytes);
            assertEquals(4096, client.preferredBlockBytes);
            assertEquals(32 << 20, client.maxPayloadBytes);
            // The handshake goes on after INFO, after an unknown option, and after an unknown export.
            client.sendOption(42, new byte[] {1, 2, 3});
            assertEquals(REP_ERR_UNSUP, client.readOptionReply().type());
            client.sendOption(8, new byte[0]); // NBD_OPT_STRUCTURED_REPLY: not supported
            assertEquals(REP_ERR_UNSUP, client.readOptionReply().type());
            assertEquals(REP_ERR_UNKNOWN, client.go(OPT_GO, "other").type());
            client.sendOption(OPT_LIST, new byte[0]);
            NbdTestClient.OptionReply server = client.readOptionReply();
            assertEquals(REP_SERVER, server.type());
            assertEquals("disk", new String(server.data(), 4, server.data().length - 4, StandardCharsets.UTF_8));
            assertEquals(REP_ACK, client.readOptionReply().type());
            client.sendOption(OPT_LIST, new byte[] {1});
            assertEquals(REP_ERR_INVALID, client.readOptionReply().type());
            assertEquals(REP_ACK, client.go(OPT_GO, "").type(), "the empty name is the default export");
            byte[] block = new byte[4096];
            assertEquals(0, client.read(0, block));
            client.disconnect();
        }
    }

    @Test
    void exportNameEntersTransmissionWithOrWithoutZeroes() throws IOException {
        for (int clientFlags : new int[] {CLIENT_FLAG_FIXED_NEWSTYLE, CLIENT_FLAG_FIXED_NEWSTYLE | CLIENT_FLAG_NO_ZEROES}) {
            try (NbdTestClient client = new NbdTestClient(server.port())) {
                client.greeting(clientFlags);
                client.sendOption(OPT_EXPORT_NAME, "disk".getBytes(StandardCharsets.UTF_8));
                assertEquals(volume.sizeBytes(), client.in.readLong());
                assertEquals(TRANSMISSION_HAS_FLAGS, client.in.readUnsignedShort() & TRANSMISSION_HAS_FLAGS);
                if ((clientFlags & CLIENT_FLAG_NO_ZEROES) == 0) {
                    client.in.readFully(new byte[124]);
                }
                assertEquals(0, client.write(8192, filled(4096, 3)));
                byte[] back = new byte[4096];
                assertEquals(0, client.read(8192, back));
                assertArrayEquals(filled(4096, 3), back);
            }
        }
        try (NbdTestClient client = new NbdTestClient(server.port())) {
            client.greeting(CLIENT_FLAG_FIXED_NEWSTYLE);
            client.sendOption(OPT_EXPORT_NAME, "nope".getBytes(StandardCharsets.UTF_8));
            assertEquals(-1, client.in.read(), "an unknown export ends the session");
        }
        try (NbdTestClient client = new NbdTestClient(server.port())) {
            client.greeting(CLIENT_FLAG_FIXED_NEWSTYLE);
            client.sendOption(OPT_ABORT, new byte[0]);
            assertEquals(REP_ACK, client.readOptionReply().type());
            assertEquals(-1, client.in.read());
        }
    }

    @Test
    void writesReadBackAndBadRequestsGetErrorsWhileTheConnectionGoesOn() throws IOException {
        try (NbdTestClient client = NbdTestClient.connect(server.port(), "disk")) {
            byte[] data = filled(64 << 10, 1);
            assertEquals(0, client.write(1 << 20, data));
            assertEquals(0, client.request(CMD_WRITE, CMD_FLAG_FUA, 2 << 20, data), "FUA write");
            assertEquals(0, client.flush());
            byte[] back = new byte[data.length];
            assertEquals(0, client.read(1 << 20, back));
            assertArrayEquals(data, back);
            assertEquals(EINVAL, client.read(512, new byte[4096]), "unaligned offset");
            assertEquals(EINVAL, client.read(0, new byte[512]), "unaligned length");
            assertEquals(EINVAL, client.read(volume.sizeBytes(), new byte[4096]), "read past the end");
            assertEquals(EINVAL, client.read(-4096L, new byte[4096]), "offset 2^64 - 4096");
            assertEquals(ENOSPC, client.write(volume.sizeBytes() - 4096, new byte[8192]), "write past the end");
            assertEquals(EINVAL, client.write(4096, new byte[100]), "unaligned write, payload skipped");
            assertEquals(EINVAL, client.request(CMD_READ, 1 << 5, 0, new byte[4096]), "unknown flag");
            assertEquals(EINVAL, client.request(9, 0, 0, null), "unknown command");
            assertEquals(0, client.read(1 << 20, back), "still serving");
            assertArrayEquals(data, back);
            client.disconnect();
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!server.connections().isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(List.of(), server.connections(), "the connection is gone after DISC");
    }

    @Test
    void trimAndWriteZeroesReadBackAsZerosWithAndWithoutHoles() throws IOException {
        try (NbdTestClient client = NbdTestClient.connect(server.port(), "disk")) {
            byte[] data = filled(256 << 10, 5);
            assertEquals(0, client.write(0, data));
            assertEquals(0, client.request(CMD_TRIM, 0, 0, 64 << 10), "trim");
            assertEquals(0, client.request(CMD_WRITE_ZEROES, CMD_FLAG_FUA, 64 << 10, 64 << 10), "write-zeroes, FUA");
            assertEquals(0, client.request(CMD_WRITE_ZEROES, CMD_FLAG_NO_HOLE, 128 << 10, 3 << 20), "zeros as data, 3 MiB");
            byte[] back = new byte[256 << 10];
            assertEquals(0, client.read(0, back));
            assertArrayEquals(new byte[256 << 10], back, "zeroed three ways: trim, write-zeroes, zeros written");
            long rest = (volume.sizeBytes() - (4L << 20)) / 4096 * 4096;
            assertTrue(rest > 32L << 20);
            assertEquals(0, client.request(CMD_TRIM, 0, 4L << 20, rest), "a trim larger than any payload");
            assertEquals(EINVAL, client.request(CMD_TRIM, CMD_FLAG_NO_HOLE, 0, 4096), "NO_HOLE is for WRITE_ZEROES only");
            assertEquals(EINVAL, client.request(CMD_WRITE_ZEROES, 1 << 4, 0, 4096), "FAST_ZERO is not advertised");
            assertEquals(EINVAL, client.request(CMD_TRIM, 0, 512, 4096), "unaligned");
            assertEquals(ENOSPC, client.request(CMD_WRITE_ZEROES, 0, volume.sizeBytes(), 4096), "past the end");
            assertEquals(0, client.read(0, back), "still serving");
            client.disconnect();
        }
        assertTrue(volume.stats().discards() >= 3, "TRIM and WRITE_ZEROES reached the volume's discard");
    }

    @Test
    void manyRequestsInFlightAreAnsweredByCookie() throws IOException {
        try (NbdTestClient client = NbdTestClient.connect(server.port(), "")) {
            Random random = new Random(11);
            int requests = 300; // more than the 128 in flight: the reader waits for slots
            Map<Long, byte[]> written = new HashMap<>();
            for (long cookie = 0; cookie < requests; cookie++) {
                byte[] block = new byte[8192];
                random.nextBytes(block);
                written.put(cookie, block);
                client.send(CMD_WRITE, 0, cookie, cookie * 8192, block.length, block);
            }
            List<Long> answered = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                NbdTestClient.Reply reply = client.readReply(cookie -> 0);
                assertEquals(0, reply.error());
                answered.add(reply.cookie());
            }
            Collections.sort(answered);
            assertEquals(requests, answered.stream().distinct().count());
            for (long cookie = 0; cookie < requests; cookie++) {
                client.send(CMD_READ, 0, 1000 + cookie, cookie * 8192, 8192, null);
            }
            for (int i = 0; i < requests; i++) {
                NbdTestClient.Reply reply = client.readReply(cookie -> 8192);
                assertEquals(0, reply.error());
                assertArrayEquals(written.get(reply.cookie() - 1000), reply.data());
            }
        }
    }

    @Test
    void requestsLargerThanTheVolumesAreSplit() throws IOException {
        assertTrue(volume.maxRequestBytes() < 32 << 20, "the default volume takes at most " + volume.maxRequestBytes());
        try (NbdTestClient client = NbdTestClient.connect(server.port(), "")) {
            byte[] data = filled(32 << 20, 9);
            assertEquals(0, client.write(4096, data));
            byte[] back = new byte[data.length];
            assertEquals(0, client.read(4096, back));
            assertArrayEquals(data, back);
            assertEquals(EINVAL, client.read(0, new byte[(32 << 20) + 4096]), "more than the maximum payload");
        }
    }

    @Test
    void aBlockThatFailsVerificationIsEioAndTheConnectionGoesOn() throws Exception {
        try (NbdTestClient client = NbdTestClient.connect(server.port(), "")) {
            assertEquals(0, client.write(0, filled(1 << 20, 4)));
            assertEquals(0, client.flush());
            long block = 100;
            try (RandomAccessFile file = new RandomAccessFile(data.toFile(), "rw")) {
                long at = volume.info().dataDeviceOffsetBytes(block) + 17;
                file.seek(at);
                int original = file.read();
                file.seek(at);
                file.write(original ^ 0x40);
            }
            assertEquals(EIO, client.read(block * 4096 - 8192, new byte[65536]));
            assertEquals(EIO, client.read(block * 4096, new byte[4096]));
            byte[] other = new byte[4096];
            assertEquals(0, client.read((block + 1) * 4096, other));
            assertArrayEquals(java.util.Arrays.copyOfRange(filled(1 << 20, 4), (int) (block + 1) * 4096,
                (int) (block + 2) * 4096), other);
            assertEquals(2, server.integrityErrors());
            NbdConnectionStats stats = server.connections().get(0);
            assertEquals(2, stats.integrityErrors());
            assertEquals(2, stats.errors());
        }
    }

    @Test
    void readOnlyRefusesWritesWithEperm() throws IOException {
        try (NbdServer readOnly = NbdServer.start(volume, NbdServerOptions.tcp("127.0.0.1", 0).withReadOnly(true));
             NbdTestClient client = NbdTestClient.connect(readOnly.port(), "")) {
            assertTrue((client.transmissionFlags & TRANSMISSION_READ_ONLY) != 0);
            assertEquals(EPERM, client.write(0, new byte[4096]));
            assertEquals(0, client.transmissionFlags & (TRANSMISSION_SEND_TRIM | TRANSMISSION_SEND_WRITE_ZEROES));
            assertEquals(EPERM, client.request(CMD_TRIM, 0, 0, 4096));
            assertEquals(0, client.flush());
            assertEquals(0, client.read(0, new byte[4096]));
        }
    }

    /**
     * Multi-conn: a write answered on one connection, then a flush on another. The flush reaches the
     * volume after the write completed (the volume's flush covers every write completed before it
     * was called, on any thread), and really syncs the device.
     */
    @Test
    void aFlushOnOneConnectionCoversAWriteAnsweredOnAnother() throws IOException {
        List<RequestKind> completed = Collections.synchronizedList(new ArrayList<>());
        volume.addObserver((kind, bytes, latencyNanos, failed, badBlocks) -> completed.add(kind));
        try (NbdTestClient writer = NbdTestClient.connect(server.port(), "");
             NbdTestClient flusher = NbdTestClient.connect(server.port(), "")) {
            assertTrue((writer.transmissionFlags & TRANSMISSION_CAN_MULTI_CONN) != 0);
            long syncsBefore = volume.stats().deviceFlushes();
            assertEquals(0, writer.write(40960, filled(4096, 5)));
            assertEquals(0, flusher.flush());
            assertEquals(List.of(RequestKind.WRITE, RequestKind.FLUSH), List.copyOf(completed));
            assertTrue(volume.stats().deviceFlushes() > syncsBefore, "the flush synced the device");
        }
    }

    @Test
    void closeAnswersTheRequestsInFlightThenEndsTheConnection() throws Exception {
        NbdTestClient client = NbdTestClient.connect(server.port(), "");
        int requests = 64;
        for (long cookie = 0; cookie < requests; cookie++) {
            client.send(CMD_WRITE, 0, cookie, cookie * 65536, 65536, filled(65536, (int) cookie));
        }
        Thread closer = Thread.ofPlatform().start(() -> {
            try {
                server.close();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        List<Long> acknowledged = new ArrayList<>();
        try {
            while (true) {
                NbdTestClient.Reply reply = client.readReply(cookie -> 0);
                assertEquals(0, reply.error());
                acknowledged.add(reply.cookie());
            }
        } catch (java.io.EOFException end) {
            // the server closed the connection after its last reply
        } catch (java.net.SocketException reset) {
            // The server stopped reading with some of the 4 MiB of requests still unread in its socket, so
            // its close resets the connection (RFC 1122 §4.2.2.13) instead of ending it: replies already
            // received stay readable before the reset, and what counts is that each one is durable.
            assertTrue(reset.getMessage().contains("reset"), reset.toString());
        }
        closer.join();
        client.close();
        volume.close();
        try (Volume reopened = Volume.open(VolumeOptions.of(data))) {
            for (long cookie : acknowledged) {
                byte[] back = new byte[65536];
                reopened.readBlocking(cookie * 65536, back, 0, back.length);
                assertArrayEquals(filled(65536, (int) cookie), back, "acknowledged write " + cookie);
            }
        }
        volume = Volume.open(VolumeOptions.of(data));
    }

    @Test
    void aClientThatLeavesMidRequestLosesNothingAcknowledgedAndOthersGoOn() throws IOException {
        try (NbdTestClient client = NbdTestClient.connect(server.port(), "")) {
            assertEquals(0, client.write(0, filled(8192, 2)));
            client.out.writeInt(REQUEST_MAGIC);
            client.out.writeShort(0);
            client.out.writeShort(CMD_WRITE);
            client.out.writeLong(1);
            client.out.writeLong(8192);
            client.out.writeInt(65536);
            client.out.write(new byte[1000]);
            client.out.flush();
        }
        try (NbdTestClient other = NbdTestClient.connect(server.port(), "")) {
            byte[] back = new byte[8192];
            assertEquals(0, other.read(0, back));
            assertArrayEquals(filled(8192, 2), back);
        }
    }

    @Test
    void aNonLoopbackAddressNeedsInsecure() throws IOException {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> NbdServer.start(volume, NbdServerOptions.tcp("0.0.0.0", 0)));
        assertTrue(refused.getMessage().contains("not a loopback address"), refused.getMessage());
        try (NbdServer open = NbdServer.start(volume, NbdServerOptions.tcp("0.0.0.0", 0).withInsecure(true))) {
            assertTrue(open.port() > 0);
        }
    }

    static byte[] filled(int length, int seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
