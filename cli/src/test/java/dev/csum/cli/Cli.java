package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs csum command lines through {@link Main#run} as a user would, capturing output and status. */
final class Cli {
    private Cli() {
    }

    record Result(int status, byte[] outBytes, String err) {
        String out() {
            return new String(outBytes, StandardCharsets.UTF_8);
        }

        /** Asserts a clean one-line error on stderr with {@code status}, mentioning every fragment. */
        Result assertOneLineError(int expectedStatus, String... fragments) {
            assertEquals(expectedStatus, status, "exit status; stderr: " + err + " stdout: " + out());
            assertEquals(1, err.lines().count(), "one line on stderr: " + err);
            assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace: " + err);
            for (String fragment : fragments) {
                assertTrue(err.contains(fragment), "stderr '" + err.strip() + "' lacks '" + fragment + "'");
            }
            return this;
        }

        Result assertOk() {
            assertEquals(0, status, "exit status; stderr: " + err + " stdout: " + out());
            return this;
        }
    }

    static Result run(String... args) {
        return runWithInput(new byte[0], args);
    }

    static Result runWithInput(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Main.run(new ByteArrayInputStream(stdin), outStream, errStream, args);
        }
        return new Result(status, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }
}
