package dev.csum.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test CA and a server certificate for 127.0.0.1 and localhost, made with {@code openssl} (bin/test
 * installs it): {@code ca-cert.pem}, {@code server-cert.pem}, {@code server-key.pem} (PKCS #8), the
 * file names qemu's and libnbd's certificate directories use.
 */
public final class TestCertificates {
    private TestCertificates() {
    }

    /** Makes the files in {@code directory}; returns it. */
    public static Path make(Path directory) throws IOException, InterruptedException {
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
            + "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
        run(directory, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", "ca-key.pem", "-out", "ca-cert.pem", "-days", "2", "-subj", "/CN=csum test CA");
        run(directory, "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "server-key.pem", "-out", "server.csr", "-subj", "/CN=localhost");
        run(directory, "openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca-cert.pem", "-CAkey", "ca-key.pem",
            "-CAcreateserial", "-out", "server-cert.pem", "-days", "2", "-extfile", "ext.cnf");
        return directory;
    }

    private static void run(Path directory, String... command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(List.of(command)).directory(directory.toFile()).redirectErrorStream(true)
                .start();
        } catch (IOException e) {
            throw new IOException("openssl is missing: the TLS tests need it (apt-get install openssl; bin/test "
                + "installs it)", e);
        }
        String output = new String(process.getInputStream().readAllBytes());
        process.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
    }
}
