package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A JVM started without native access gets one sentence naming the flag, not a stack trace. */
class NativeAccessMessageTest {
    @TempDir
    Path directory;

    @Test
    void withoutEnableNativeAccessTheCommandSaysWhichFlagToAdd() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(List.of(java.toString(), "--add-modules=jdk.incubator.vector",
            "-cp", System.getProperty("java.class.path"), "dev.csum.cli.Main",
            "bench", directory.resolve("volume").toString(), "--size", "4m", "--runtime", "1s"))
            .redirectErrorStream(false).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "finished");
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        List<String> lines = stderr.lines().filter(line -> !line.startsWith("WARNING: Using incubator")).toList();
        assertEquals(3, process.exitValue(), stderr);
        assertEquals(1, lines.size(), "one line: " + stderr);
        assertTrue(lines.get(0).contains("--enable-native-access=ALL-UNNAMED"), stderr);
    }
}
