package dev.csum.torture;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.csum.IoEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Crash replay must bite: with the engine told to issue data writes together with their log record
 * instead of after it completed ({@code EngineTestFault.DATA_BEFORE_RECORD}), io_uring completes
 * some data write before its record, and the crash image between the two holds data whose tuple is
 * nowhere: the replay reports integrity errors.
 */
class CrashReplayBitesTest {

    @Test
    void dataWrittenBeforeItsRecordIsAViolation() throws IOException {
        Path directory = Files.createTempDirectory(Path.of("/var/tmp"), "csum-replay-bites");
        try {
            CrashReplay.Result result = CrashReplay.run(directory, new CrashReplay.Setup(42, 150, 512,
                IoEngine.IO_URING, (long) CrashReplayTest.LOG_BLOCKS * 512, true));
            System.out.printf("crash replay with data before record: %d crash points, %d violations%n",
                result.crashPoints(), result.violations().size());
            assertFalse(result.violations().isEmpty(), "the replay caught data written before its log record");
        } finally {
            CrashReplayTest.deleteDirectory(directory);
        }
    }
}
