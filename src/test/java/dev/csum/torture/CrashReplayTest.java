package dev.csum.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.IoEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Crash replay on the real io_uring path (dm-log-writes style): every prefix of the device write log. */
class CrashReplayTest {

    /** The I/O port the replay runs on; {@code CrashReplayPortableTest} runs it on the portable one. */
    IoEngine ioEngine() {
        return IoEngine.IO_URING;
    }

    /** The volume's block size. */
    int blockSizeBytes() {
        return 512;
    }

    @Test
    void everyPrefixOfTheWriteLogReadsOldOrNewData() throws IOException {
        Path directory = Files.createTempDirectory(Path.of("/var/tmp"), "csum-replay");
        try {
            long started = System.nanoTime();
            CrashReplay.Result result = CrashReplay.run(directory, 42, 300, blockSizeBytes(), ioEngine());
            System.out.printf("crash replay (%s, %d-byte blocks): %d crash points (%d flush points), %d writes, "
                + "%d block reads in %d ms%n", ioEngine(), blockSizeBytes(), result.crashPoints(), result.flushPoints(),
                result.writes(), result.blockReads(), (System.nanoTime() - started) / 1_000_000);
            assertEquals(java.util.List.of(), result.violations());
            assertTrue(result.crashPoints() >= 300, "crash points: " + result.crashPoints());
            assertTrue(result.flushPoints() > 0, "flush points covered");
        } finally {
            try (var files = Files.list(directory)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(directory);
        }
    }
}
