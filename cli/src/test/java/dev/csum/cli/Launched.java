package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * csum in its own JVM, started as bin/csum starts it ({@code csum_exec_main} in bin/lib.sh) but with
 * the test class path: for what only a real process shows (its stderr, the JVM's own output).
 */
final class Launched {
    private Launched() {
    }

    record Result(int status, String out, String err) {
    }

    /** Starts {@code csum ARGS}; {@code javaOptions} become CSUM_JAVA_OPTS. Stdin is empty. */
    static Process start(String javaOptions, String... args) throws IOException {
        return builder(javaOptions, args).start();
    }

    /**
     * Starts {@code csum ARGS} with its stderr going to {@code stderrFile}: what a process prints as
     * it exits reaches a file whole, where a pipe's reader can lose it (the JDK closes a process's
     * pipes when it exits, under a reader still reading).
     */
    static Process startWithStderrTo(java.nio.file.Path stderrFile, String javaOptions, String... args)
            throws IOException {
        return builder(javaOptions, args).redirectError(stderrFile.toFile()).start();
    }

    private static ProcessBuilder builder(String javaOptions, String... args) {
        Path lib = Path.of("..", "bin", "lib.sh").toAbsolutePath().normalize();
        List<String> command = new ArrayList<>(List.of("bash", "-c",
            "source \"$0\" && csum_exec_main \"$CLASS_PATH\" '' \"$@\"", lib.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("CLASS_PATH", System.getProperty("java.class.path"));
        builder.environment().put("CSUM_JAVA_OPTS", javaOptions);
        builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        return builder;
    }

    /** Waits for {@code process} (at most a minute) and returns what it printed. */
    static Result finish(Process process) throws Exception {
        // Read both streams to the end (stderr on another thread) so neither pipe fills and blocks it.
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        String out = readAll(process.getInputStream());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "finished");
        return new Result(process.exitValue(), out, err.get());
    }

    static Result run(String javaOptions, String... args) throws Exception {
        return finish(start(javaOptions, args));
    }

    private static String readAll(java.io.InputStream stream) {
        try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
