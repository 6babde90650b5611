package dev.csum.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.IoEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Crash replay on the real io_uring path (dm-log-writes style): every prefix of the device write log,
 * its tuple log records and imd checkpoint writes included. The log is the smallest a volume may
 * have ({@link #LOG_BLOCKS} blocks), so the workload runs many checkpoint rounds and wraps it.
 *
 * <p>The large run: {@code mvn -o -q test -Dtest=CrashReplayTest -Dcsum.crashReplay.writes=1000}
 * (RELIABILITY.md records its figures).
 */
class CrashReplayTest {
    /** The tuple log's size in blocks: small, so that it fills and wraps many times. */
    static final int LOG_BLOCKS = 32;
    /** Writes of the workload unless {@code -Dcsum.crashReplay.writes} says otherwise. */
    static final int DEFAULT_WRITES = 150;

    /** The I/O port the replay runs on; {@code CrashReplayPortableTest} runs it on the portable one. */
    IoEngine ioEngine() {
        return IoEngine.IO_URING;
    }

    /** The volume's block size. */
    int blockSizeBytes() {
        return 512;
    }

    /** The tuple log's size in blocks of the volume. */
    int logBlocks() {
        return LOG_BLOCKS;
    }

    /** The log block the volume gets (format's default on this port and file system). */
    int logBlockBytes() {
        return blockSizeBytes();
    }

    /** The workload's writes without {@code -Dcsum.crashReplay.writes}. */
    int defaultWrites() {
        return DEFAULT_WRITES;
    }

    @Test
    void everyPrefixOfTheWriteLogReadsOldOrNewData() throws IOException {
        int writes = Integer.getInteger("csum.crashReplay.writes", defaultWrites());
        long seed = Long.getLong("csum.crashReplay.seed", 42);
        Path directory = Files.createTempDirectory(Path.of("/var/tmp"), "csum-replay");
        try {
            long started = System.nanoTime();
            CrashReplay.Result result = CrashReplay.run(directory, new CrashReplay.Setup(seed, writes, blockSizeBytes(),
                ioEngine(), (long) logBlocks() * blockSizeBytes(), false));
            System.out.printf("crash replay (%s, %d-byte blocks, %d-block log of %d-byte log blocks, seed %d): %d crash points "
                + "(last write: %d data, %d log record, %d imd checkpoint, %d superblock; %d flush points), "
                + "log wrapped %d times, %d writes, %d block reads, %d violations in %d ms%n",
                ioEngine(), blockSizeBytes(), logBlocks(), result.logBlockBytes(), seed, result.crashPoints(),
                result.points(DeviceWriteKind.DATA), result.points(DeviceWriteKind.LOG_RECORD),
                result.points(DeviceWriteKind.IMD_CHECKPOINT), result.points(DeviceWriteKind.SUPERBLOCK),
                result.flushPoints(), result.logWraps(), result.writes(), result.blockReads(),
                result.violations().size(), (System.nanoTime() - started) / 1_000_000);
            assertEquals(logBlockBytes(), result.logBlockBytes(), "the volume's log blocks");
            assertEquals(java.util.List.of(), result.violations());
            assertTrue(result.crashPoints() >= writes, "crash points: " + result.crashPoints());
            assertTrue(result.flushPoints() > 0, "flush points covered");
            assertTrue(result.points(DeviceWriteKind.LOG_RECORD) > 0, "log record points covered");
            assertTrue(result.points(DeviceWriteKind.IMD_CHECKPOINT) > 0, "checkpoint points covered");
            assertTrue(result.points(DeviceWriteKind.DATA) > 0, "data points covered");
            assertTrue(result.logWraps() > 0, "the log wrapped");
        } finally {
            deleteDirectory(directory);
        }
    }

    /** Deletes {@code directory} and the files in it. */
    static void deleteDirectory(Path directory) throws IOException {
        try (var files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(directory);
    }
}
