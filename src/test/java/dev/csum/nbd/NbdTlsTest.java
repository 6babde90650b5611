package dev.csum.nbd;

import static dev.csum.nbd.NbdProtocol.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.FormatOptions;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS: required before anything else (FORCEDTLS), then the session as usual; PEM loading errors. */
class NbdTlsTest {
    @TempDir
    Path directory;

    private Path pki;
    private Path data;
    private NbdTls tls;

    @BeforeEach
    void certificatesAndVolume() throws Exception {
        pki = TestCertificates.make(directory.resolve("pki"));
        data = directory.resolve("volume.csum");
        Volume.format(FormatOptions.of(data).withSizeBytes(8L << 20));
        tls = NbdTls.fromPemFiles(pki.resolve("server-cert.pem"), pki.resolve("server-key.pem"));
    }

    @Test
    void aClientMustStartTlsAndThenIsServed() throws Exception {
        try (Volume volume = Volume.open(VolumeOptions.of(data));
             NbdServer server = NbdServer.start(volume, NbdServerOptions.tcp("127.0.0.1", 0).withTls(tls))) {
            assertTrue(server.uri().startsWith("nbds://127.0.0.1:"), server.uri());
            try (NbdTestClient plain = new NbdTestClient(server.port())) {
                plain.greeting(CLIENT_FLAG_FIXED_NEWSTYLE);
                assertEquals(REP_ERR_TLS_REQD, plain.go(OPT_GO, "").type());
                assertEquals(REP_ERR_TLS_REQD, plain.go(OPT_INFO, "").type());
                plain.sendOption(OPT_LIST, new byte[0]);
                assertEquals(REP_ERR_TLS_REQD, plain.readOptionReply().type());
                plain.sendOption(OPT_STARTTLS, new byte[] {1});
                assertEquals(REP_ERR_INVALID, plain.readOptionReply().type());
                plain.sendOption(OPT_EXPORT_NAME, new byte[0]);
                assertEquals(-1, plain.in.read(), "EXPORT_NAME without TLS ends the session");
            }
            try (NbdTestClient client = new NbdTestClient(server.port())) {
                client.greeting(CLIENT_FLAG_FIXED_NEWSTYLE | CLIENT_FLAG_NO_ZEROES);
                client.sendOption(OPT_STARTTLS, new byte[0]);
                assertEquals(REP_ACK, client.readOptionReply().type());
                SSLSocket socket = (SSLSocket) trusting(pki.resolve("ca-cert.pem")).getSocketFactory()
                    .createSocket(client.socket, "127.0.0.1", server.port(), true);
                socket.startHandshake();
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                DataInputStream in = new DataInputStream(socket.getInputStream());
                option(out, OPT_STARTTLS, new byte[0]);
                assertEquals(REP_ERR_INVALID, optionReplyType(in), "TLS is already on");
                option(out, OPT_EXPORT_NAME, new byte[0]);
                assertEquals(volume.sizeBytes(), in.readLong());
                in.readUnsignedShort();
                byte[] block = NbdServerTest.filled(4096, 8);
                request(out, CMD_WRITE, 1, 4096, 4096);
                out.write(block);
                out.flush();
                assertReply(in, 1, 0);
                request(out, CMD_READ, 2, 4096, 4096);
                out.flush();
                assertReply(in, 2, 0);
                byte[] back = new byte[4096];
                in.readFully(back);
                assertArrayEquals(block, back);
                request(out, CMD_DISC, 3, 0, 0);
                out.flush();
                socket.close();
            }
        }
    }

    @Test
    void aNonLoopbackAddressIsAllowedWithTlsAndBadPemFilesAreClearErrors() throws Exception {
        try (Volume volume = Volume.open(VolumeOptions.of(data));
             NbdServer server = NbdServer.start(volume, NbdServerOptions.tcp("0.0.0.0", 0).withTls(tls))) {
            assertTrue(server.port() > 0);
        }
        IOException swapped = assertThrows(IOException.class,
            () -> NbdTls.fromPemFiles(pki.resolve("server-key.pem"), pki.resolve("server-cert.pem")));
        assertTrue(swapped.getMessage().contains("server-key.pem"), swapped.getMessage());
        Path legacy = Files.writeString(directory.resolve("legacy.pem"),
            "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        IOException wrongKind = assertThrows(IOException.class,
            () -> NbdTls.fromPemFiles(pki.resolve("server-cert.pem"), legacy));
        assertTrue(wrongKind.getMessage().contains("openssl pkcs8"), wrongKind.getMessage());
    }

    private static SSLContext trusting(Path caPem) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caPem)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    private static void option(DataOutputStream out, int option, byte[] data) throws IOException {
        out.writeLong(IHAVEOPT);
        out.writeInt(option);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    private static int optionReplyType(DataInputStream in) throws IOException {
        assertEquals(OPTION_REPLY_MAGIC, in.readLong());
        in.readInt();
        int type = in.readInt();
        in.readFully(new byte[in.readInt()]);
        return type;
    }

    private static void request(DataOutputStream out, int command, long cookie, long offset, int length)
            throws IOException {
        out.writeInt(REQUEST_MAGIC);
        out.writeShort(0);
        out.writeShort(command);
        out.writeLong(cookie);
        out.writeLong(offset);
        out.writeInt(length);
    }

    private static void assertReply(DataInputStream in, long cookie, int error) throws IOException {
        assertEquals(SIMPLE_REPLY_MAGIC, in.readInt());
        assertEquals(error, in.readInt());
        assertEquals(cookie, in.readLong());
    }
}
