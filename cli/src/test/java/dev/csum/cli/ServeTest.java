package dev.csum.cli;

import static dev.csum.cli.ServedVolume.assertContains;
import static dev.csum.cli.ServedVolume.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.Volume;
import java.io.DataInputStream;
import java.net.ServerSocket;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code csum serve} with real NBD clients: qemu-img, qemu-io, nbdinfo, nbdcopy, fio. */
class ServeTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path directory;

    private Path formatted(String size) {
        Path volume = directory.resolve("volume.csum");
        Cli.run("format", volume.toString(), "--size", size).assertOk();
        return volume;
    }

    private Path randomFile(String name, int bytes, int seed) throws Exception {
        byte[] data = new byte[bytes];
        new Random(seed).nextBytes(data);
        return Files.write(directory.resolve(name), data);
    }

    @Test
    void realClientsWriteReadAndCopyThroughTheServer() throws Exception {
        ServedVolume.requireTools();
        Path volume = formatted("64m");
        Path image = randomFile("image.raw", 16 * MIB, 1);
        Path other = randomFile("other.raw", 8 * MIB, 2);
        try (ServedVolume served = ServedVolume.start(volume)) {
            String uri = served.uri;
            run("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(), uri).assertOk("qemu-img convert");
            assertContains(run("qemu-img", "compare", "-f", "raw", "-F", "raw", image.toString(), uri)
                .assertOk("qemu-img compare").output(), "Images are identical");
            ServedVolume.Run io = run("qemu-io", "-f", "raw", "-c", "write -P 0xab 32M 64k", "-c", "read -P 0xab 32M 64k",
                "-c", "write -P 0xcd 33M 512", "-c", "read -P 0xcd 33M 512", uri).assertOk("qemu-io");
            assertTrue(!io.output().contains("failed") && !io.output().contains("error"), io.output());
            // TRIM (discard) and WRITE_ZEROES, with NO_HOLE (write -z) and without (write -z -u: may unmap).
            ServedVolume.Run zero = run("qemu-io", "-f", "raw", "-c", "write -P 0x11 35651584 256k",
                "-c", "discard 35651584 64k", "-c", "write -z 35717120 64k", "-c", "write -z -u 35782656 64k",
                "-c", "read -P 0 35651584 192k", "-c", "read -P 0x11 35848192 64k", uri).assertOk("qemu-io zeroing");
            assertTrue(!zero.output().contains("failed") && !zero.output().contains("error")
                && !zero.output().contains("Pattern verification"), zero.output());
            String info = run("nbdinfo", "--json", uri).assertOk("nbdinfo").output();
            try (Volume opened = Volume.open(dev.csum.VolumeOptions.of(volume).withReadOnly(true))) {
                throw new AssertionError("the volume is locked while served");
            } catch (java.io.IOException | IllegalStateException locked) {
                // expected: csum serve holds the volume
            }
            assertContains(info, "\"export-size\": " + (Volume.inspect(volume, null).info().usableBytes()));
            assertContains(info, "\"block_size_minimum\": 4096");
            assertContains(info, "\"block_size_maximum\": 33554432");
            assertContains(info, "\"can_multi_conn\": true");
            assertContains(info, "\"can_trim\": true");
            assertContains(info, "\"can_zero\": true");
            // Two clients at once: one copies the export out while the other copies a file in.
            Path out = directory.resolve("out.raw");
            Process download = ServedVolume.start("nbdcopy", uri, out.toString());
            Process upload = ServedVolume.start("nbdcopy", "--destination-is-zero", other.toString(), uri);
            assertTrue(download.waitFor(120, TimeUnit.SECONDS) && upload.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, download.exitValue(), new String(download.getInputStream().readAllBytes()));
            assertEquals(0, upload.exitValue(), new String(upload.getInputStream().readAllBytes()));
            byte[] copied = Files.readAllBytes(out);
            byte[] after = Files.readAllBytes(image);
            // The download raced the upload over the first 8 MiB; past it, it holds the image's last 8 MiB.
            assertArrayEquals(Arrays.copyOfRange(after, 8 * MIB, 16 * MIB), Arrays.copyOfRange(copied, 8 * MIB, 16 * MIB));
            assertContains(run("qemu-img", "compare", "-f", "raw", "-F", "raw", other.toString(), uri)
                .output(), "Content mismatch"); // the export is larger: other, then the image's rest
            run("nbdcopy", uri, out.toString()).assertOk("nbdcopy after the upload");
            copied = Files.readAllBytes(out);
            assertArrayEquals(Files.readAllBytes(other), Arrays.copyOfRange(copied, 0, 8 * MIB));
            ServedVolume.Run fio = run("fio", "--name=verify", "--ioengine=nbd", "--uri=" + uri, "--rw=randrw",
                "--bs=4k", "--iodepth=16", "--offset=40m", "--size=8m", "--runtime=2", "--time_based",
                "--verify=crc32c", "--verify_fatal=1", "--verify_state_save=0").assertOk("fio");
            assertContains(fio.output(), "err= 0");
            assertEquals(143, served.terminate(), "SIGTERM: the JVM's status after a clean shutdown");
            assertContains(served.stderr(), "stopped; the volume is flushed and closed");
        }
        Path back = directory.resolve("back.bin");
        Cli.run("read", volume.toString(), "--offset", "32m", "--length", "64k", "--output", back.toString()).assertOk();
        byte[] expected = new byte[64 << 10];
        Arrays.fill(expected, (byte) 0xab);
        assertArrayEquals(expected, Files.readAllBytes(back), "written through qemu-io, read after a clean stop");
    }

    @Test
    void aCorruptBlockIsAnIoErrorForClientsAndTheServerGoesOn() throws Exception {
        ServedVolume.requireTools();
        Path volume = formatted("16m");
        Path image = randomFile("image.raw", 4 * MIB, 3);
        Cli.runWithInput(Files.readAllBytes(image), "write", volume.toString(), "--offset", "0").assertOk();
        long badBlock = 300;
        ScrubTest.flipByte(volume, Volume.inspect(volume, null).info().dataDeviceOffsetBytes(badBlock) + 5);
        Path socket = directory.resolve("nbd.sock");
        try (ServedVolume served = ServedVolume.start(volume, "--socket", socket.toString(), "--metrics-port", "0")) {
            String uri = served.uri;
            assertEquals("nbd+unix:///?socket=" + socket.toAbsolutePath(), uri);
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(socket)));
            ServedVolume.Run copy = run("nbdcopy", uri, directory.resolve("out.raw").toString());
            assertNotEquals(0, copy.status(), copy.output());
            assertContains(copy.output(), "Input/output error");
            ServedVolume.Run compare = run("qemu-img", "compare", "-f", "raw", "-F", "raw", image.toString(), uri);
            assertNotEquals(0, compare.status(), compare.output());
            // Other ranges are served: the blocks around the bad one, from a new connection.
            run("qemu-io", "-f", "raw", "-c", "read 0 1M", "-c", "read 1232896 1M", uri).assertOk("qemu-io elsewhere");
            assertContains(served.stderr(), "block 300 (offset 1228800)");
            try (SocketChannel client = openExport(socket)) {
                String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    java.net.URI.create(served.metricsUrl)).build(), HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(metrics.matches("(?s).*csum_nbd_integrity_errors_total\\{[^}]*} [1-9].*"), metrics);
                assertTrue(metrics.matches("(?s).*csum_nbd_requests_total\\{[^}]*kind=\"read\"[^}]*} 1\\.0.*"),
                    "the open connection's one read: " + metrics);
                assertContains(metrics, "csum_read_latency_seconds");
            }
            assertEquals(143, served.terminate());
        }
    }

    /** Negotiates the default export with NBD_OPT_EXPORT_NAME and reads block 0: one read on this connection. */
    private static SocketChannel openExport(Path socket) throws Exception {
        SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
        in.readFully(new byte[18]);
        channel.write(ByteBuffer.allocate(20).putInt(3).putLong(0x49484156454F5054L).putInt(1).putInt(0).flip());
        in.readFully(new byte[10]);
        channel.write(ByteBuffer.allocate(28).putInt(0x25609513).putShort((short) 0).putShort((short) 0).putLong(1)
            .putLong(0).putInt(4096).flip());
        in.readFully(new byte[16 + 4096]);
        return channel;
    }

    @Test
    void killedClientsAndAKilledServerLoseNothingCompleted() throws Exception {
        ServedVolume.requireTools();
        Path volume = formatted("64m");
        Path image = randomFile("image.raw", 32 * MIB, 4);
        byte[] imageBytes = Files.readAllBytes(image);
        Path firstHalf = Files.write(directory.resolve("half.raw"), Arrays.copyOf(imageBytes, 16 * MIB));
        try (ServedVolume served = ServedVolume.start(volume)) {
            run("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", firstHalf.toString(), served.uri)
                .assertOk("qemu-img convert of the first half");
            // A client killed in the middle of its writes: the server goes on.
            Process fio = ServedVolume.start("fio", "--name=killed", "--ioengine=nbd", "--uri=" + served.uri,
                "--rw=randwrite", "--bs=64k", "--iodepth=32", "--offset=48m", "--size=8m", "--runtime=30",
                "--time_based");
            Thread.sleep(1500);
            fio.destroyForcibly();
            assertTrue(fio.waitFor(30, TimeUnit.SECONDS));
            run("nbdinfo", served.uri).assertOk("nbdinfo after a killed client");
            // The server killed during a convert that rewrites the first half (same bytes) and writes the second.
            Process convert = ServedVolume.start("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw",
                image.toString(), served.uri);
            Thread.sleep(300);
            served.kill();
            convert.waitFor(60, TimeUnit.SECONDS);
        }
        try (ServedVolume restarted = ServedVolume.start(volume)) {
            Path out = directory.resolve("out.raw");
            run("nbdcopy", restarted.uri, out.toString()).assertOk("every block reads after the kill");
            byte[] copied = Files.readAllBytes(out);
            assertArrayEquals(Arrays.copyOf(imageBytes, 16 * MIB), Arrays.copyOf(copied, 16 * MIB),
                "the completed convert survives SIGKILL");
            assertEquals(143, restarted.terminate());
        }
    }

    @Test
    void withTlsClientsMustStartTlsAndQemuAndLibnbdDo() throws Exception {
        ServedVolume.requireTools();
        Path pki = dev.csum.nbd.TestCertificates.make(directory.resolve("pki"));
        Path volume = formatted("16m");
        long usableBytes = Volume.inspect(volume, null).info().usableBytes();
        Path image = randomFile("image.raw", 4 * MIB, 6);
        try (ServedVolume served = ServedVolume.start(volume, "--tls-certificate",
            pki.resolve("server-cert.pem").toString(), "--tls-key", pki.resolve("server-key.pem").toString())) {
            assertTrue(served.uri.startsWith("nbds://127.0.0.1:"), served.uri);
            String withCertificates = served.uri + "?tls-certificates=" + pki;
            assertContains(run("nbdinfo", withCertificates).assertOk("nbdinfo over TLS").output(), "with TLS");
            run("nbdcopy", image.toString(), withCertificates).assertOk("nbdcopy in over TLS");
            String port = served.uri.replaceAll(".*:(\\d+)/.*", "$1");
            String qemuTarget = "driver=nbd,server.type=inet,server.host=127.0.0.1,server.port=" + port
                + ",tls-creds=tls0";
            String qemuTls = "tls-creds-x509,id=tls0,dir=" + pki + ",endpoint=client";
            assertContains(run("qemu-img", "info", "--object", qemuTls, "--image-opts", qemuTarget)
                .assertOk("qemu-img info over TLS").output(), "(" + usableBytes + " bytes)");
            ServedVolume.Run io = run("qemu-io", "--object", qemuTls, "--image-opts", qemuTarget,
                "-c", "read -P 0 8M 64k", "-c", "write -P 0x5a 8M 64k", "-c", "read -P 0x5a 8M 64k");
            io.assertOk("qemu-io over TLS");
            assertTrue(!io.output().contains("failed"), io.output());
            Path out = directory.resolve("out.raw");
            run("nbdcopy", withCertificates, out.toString()).assertOk("nbdcopy out over TLS");
            assertArrayEquals(Files.readAllBytes(image), Arrays.copyOf(Files.readAllBytes(out), 4 * MIB));
            ServedVolume.Run plain = run("nbdinfo", served.uri.replace("nbds://", "nbd://"));
            assertNotEquals(0, plain.status(), "a client without TLS is refused: " + plain.output());
            assertContains(plain.output(), "nbd_opt_go: server replied with error");
            assertEquals(143, served.terminate());
        }
        Cli.run("serve", volume.toString(), "--tls-certificate", pki.resolve("server-cert.pem").toString())
            .assertOneLineError(2, "--tls-key");
        Cli.run("serve", volume.toString(), "--tls-certificate", pki.resolve("server-key.pem").toString(),
            "--tls-key", pki.resolve("server-key.pem").toString()).assertOneLineError(2, "server-key.pem");
    }

    @Test
    void badAddressesAreUsageErrors() throws Exception {
        Path volume = formatted("8m");
        Cli.run("serve", volume.toString(), "--listen", "0.0.0.0:0")
            .assertOneLineError(2, "not a loopback address", "--insecure");
        Cli.run("serve", volume.toString(), "--listen", "127.0.0.1:0", "--socket", "x.sock")
            .assertOneLineError(2, "--listen and --socket");
        Cli.run("serve", volume.toString(), "--listen", "localhost").assertOneLineError(2, "HOST:PORT");
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Cli.run("serve", volume.toString(), "--listen", "127.0.0.1:" + taken.getLocalPort())
                .assertOneLineError(2, "127.0.0.1:" + taken.getLocalPort());
        }
    }
}
