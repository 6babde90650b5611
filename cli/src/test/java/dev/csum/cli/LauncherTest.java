package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The incubator warning the JVM prints while it boots is gone; everything else still reaches stderr. */
class LauncherTest {
    @Test
    void versionPrintsNoWarningLine() throws Exception {
        Launched.Result run = Launched.run("", "--version");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().startsWith("csum "), run.out());
        assertEquals("", run.err());
    }

    @Test
    void anErrorIsTheOnlyLineOnStderr() throws Exception {
        Launched.Result run = Launched.run("", "status", "/nonexistent/volume");
        assertEquals(ExitCode.USAGE, run.status(), run.err());
        assertEquals(List.of("csum status: /nonexistent/volume: data device does not exist"), run.err().lines().toList());
    }

    @Test
    void aJvmThatCannotStartStillSaysWhy() throws Exception {
        Launched.Result run = Launched.run("-XX:+NoSuchCsumFlag", "--version");
        assertTrue(run.status() != 0, "status " + run.status());
        assertTrue(run.err().contains("NoSuchCsumFlag"), run.err());
    }
}
