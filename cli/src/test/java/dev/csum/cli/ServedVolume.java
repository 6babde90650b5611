package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code csum serve} in its own process (as bin/csum starts it), for the tests with real NBD
 * clients; and those clients, run as processes. A missing client tool fails the test with the
 * package to install (bin/test installs them: bin/lib.sh {@code CSUM_TEST_TOOLS}).
 */
final class ServedVolume implements AutoCloseable {
    private static final Pattern URI = Pattern.compile("at (nbds?(?:\\+unix)?://[^\\s;]+)");
    private static final Pattern METRICS = Pattern.compile("metrics at (http://\\S+)");

    final Process process;
    final String uri;
    final String metricsUrl;
    private final Path stderrFile;

    private ServedVolume(Process process, String uri, String metricsUrl, Path stderrFile) {
        this.process = process;
        this.uri = uri;
        this.metricsUrl = metricsUrl;
        this.stderrFile = stderrFile;
    }

    /** Starts {@code csum serve DEVICE --listen 127.0.0.1:0 EXTRA...} and waits for its ready line. */
    static ServedVolume start(Path device, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("serve", device.toString()));
        if (!List.of(extra).contains("--socket")) {
            args.addAll(List.of("--listen", "127.0.0.1:0"));
        }
        args.addAll(List.of(extra));
        Path stderrFile = Files.createTempFile(device.getParent(), "serve-", ".err");
        Process process = Launched.startWithStderrTo(stderrFile, "", args.toArray(String[]::new));
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        // Its own thread, not the common pool (one worker on a 2-core machine, maybe busy).
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread.ofPlatform().daemon(true).start(() -> {
            try {
                ready.complete(out.readLine());
            } catch (IOException e) {
                ready.complete(null);
            }
        });
        String line;
        try {
            line = ready.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            process.destroyForcibly();
            throw new AssertionError("csum serve printed no ready line in 60 s: " + Files.readString(stderrFile), e);
        }
        if (line == null) {
            process.waitFor(10, TimeUnit.SECONDS);
            fail("csum serve did not start: " + Files.readString(stderrFile));
        }
        Matcher uri = URI.matcher(line);
        if (!uri.find()) {
            process.destroyForcibly();
            fail("no NBD URI in the ready line: " + line);
        }
        Matcher metrics = METRICS.matcher(line);
        return new ServedVolume(process, uri.group(1), metrics.find() ? metrics.group(1) : null, stderrFile);
    }

    /** What the server printed on stderr so far (all of it once it exited). */
    String stderr() throws IOException {
        return Files.readString(stderrFile);
    }

    /** SIGTERM, then waits: the exit status. */
    int terminate() throws Exception {
        process.destroy();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "csum serve ends after SIGTERM");
        return process.exitValue();
    }

    /** SIGKILL, then waits. */
    void kill() throws Exception {
        process.destroyForcibly();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            kill();
        }
    }

    // ------------------------------------------------------------------ client tools

    record Run(int status, String output) {
        Run assertOk(String what) {
            assertEquals(0, status, what + ": " + output);
            return this;
        }
    }

    /** The tools the serve tests run, with their Debian packages. */
    static void requireTools() {
        String[][] tools = {{"qemu-img", "qemu-utils"}, {"qemu-io", "qemu-utils"}, {"nbdinfo", "libnbd-bin"},
            {"nbdcopy", "libnbd-bin"}, {"fio", "fio"}};
        for (String[] tool : tools) {
            boolean found = false;
            for (String directory : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                found |= java.nio.file.Files.isExecutable(Path.of(directory, tool[0]));
            }
            assertTrue(found, tool[0] + " is missing: the serve tests need it (apt-get install " + tool[1]
                + "; bin/test installs it)");
        }
    }

    /** Runs a command to its end (at most two minutes), output and errors together. */
    static Run run(String... command) throws Exception {
        Process process = start(command);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " finished");
        return new Run(process.exitValue(), output);
    }

    static Process start(String... command) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    static void assertContains(String text, String fragment) {
        assertNotNull(text);
        assertTrue(text.contains(fragment), "'" + fragment + "' in: " + text);
    }
}
