package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The JVM as bin/csum starts it ({@code csum_exec_java} in bin/lib.sh): the incubator warning the
 * JVM prints while it boots is gone, and everything else still reaches stderr.
 */
class LauncherTest {
    record Run(int status, String out, String err) {
    }

    /** Runs {@code csum ARGS} through bin/lib.sh's csum_exec_java with the test class path. */
    static Run launch(String javaOptions, String... args) throws Exception {
        Path lib = Path.of("bin", "lib.sh").toAbsolutePath();
        List<String> command = new ArrayList<>(List.of("bash", "-c",
            "source \"$0\" && csum_exec_java -cp \"$CLASS_PATH\" dev.csum.cli.Main \"$@\"", lib.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("CLASS_PATH", System.getProperty("java.class.path"));
        builder.environment().put("CSUM_JAVA_OPTS", javaOptions);
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "finished");
        return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8),
            new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void versionPrintsNoWarningLine() throws Exception {
        Run run = launch("", "--version");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().startsWith("csum "), run.out());
        assertEquals("", run.err());
    }

    @Test
    void anErrorIsTheOnlyLineOnStderr() throws Exception {
        Run run = launch("", "status", "/nonexistent/volume");
        assertEquals(ExitCode.USAGE, run.status(), run.err());
        assertEquals(List.of("csum status: /nonexistent/volume: no such file or device"), run.err().lines().toList());
    }

    @Test
    void aJvmThatCannotStartStillSaysWhy() throws Exception {
        Run run = launch("-XX:+NoSuchCsumFlag", "--version");
        assertTrue(run.status() != 0, "status " + run.status());
        assertTrue(run.err().contains("NoSuchCsumFlag"), run.err());
    }
}
