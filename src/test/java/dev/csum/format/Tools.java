package dev.csum.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the system tools that make test images (mkfs.ext4, cryptsetup, ...). A missing tool fails
 * the test with the Debian package to install; {@code bin/test} installs them all when run as root.
 */
public final class Tools {

    private static final long TIMEOUT_SECONDS = 120;

    private Tools() {
    }

    /** The executable {@code name} on PATH or in /usr/sbin, /sbin (root's tools); fails naming {@code debianPackage} when absent. */
    public static Path require(String name, String debianPackage) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.concat(Stream.of(path.split(":")), Stream.of("/usr/sbin", "/sbin"))
                .filter(directory -> !directory.isEmpty())
                .map(directory -> Path.of(directory, name))
                .filter(Files::isExecutable)
                .findFirst()
                .orElseGet(() -> fail(name + " is missing: install the Debian package " + debianPackage
                        + " (bin/test installs it when run as root)"));
    }

    /** Runs {@code name args...} with {@code stdin}, asserts exit status 0, and returns its stdout and stderr. */
    public static String run(String debianPackage, String stdin, String name, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(require(name, debianPackage).toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("LVM_SUPPRESS_FD_WARNINGS", "1"); // lvm complains about the JVM's inherited descriptors
        builder.environment().put("LC_ALL", "C");
        Process process = builder.start();
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        assertEquals(0, process.exitValue(), String.join(" ", command) + " failed: " + output);
        return output;
    }

    /** SHA-256 of every byte of {@code file} (holes read as zeros), in hex. */
    public static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return Files.size(file) + " bytes, sha256 " + HexFormat.of().formatHex(digest.digest());
    }
}
