package dev.csum.torture;

import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * Workload seeds tried until one shows the bug: it needs io_uring to complete some data write
     * before its record (one seed has always been enough here: 4-9 violations in 150 writes).
     */
    private static final long[] SEEDS = {42, 43, 44};

    @Test
    void dataWrittenBeforeItsRecordIsAViolation() throws IOException {
        Path directory = Files.createTempDirectory(Path.of("/var/tmp"), "csum-replay-bites");
        try {
            int violations = 0;
            for (int i = 0; i < SEEDS.length && violations == 0; i++) {
                CrashReplay.Result result = CrashReplay.run(directory, new CrashReplay.Setup(SEEDS[i], 150, 512,
                    IoEngine.IO_URING, (long) CrashReplayTest.LOG_BLOCKS * 512, true));
                violations = result.violations().size();
                System.out.printf("crash replay with data before record, seed %d: %d crash points, %d violations%n",
                    SEEDS[i], result.crashPoints(), violations);
            }
            assertTrue(violations > 0, "the replay caught data written before its log record");
        } finally {
            CrashReplayTest.deleteDirectory(directory);
        }
    }
}
