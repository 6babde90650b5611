package dev.csum.torture;

/**
 * {@link CrashReplayTest} on io_uring with 4 KiB blocks, whose log format cuts into 512-byte log
 * blocks ({@code LOG_SECTORS}): every prefix of the device's writes, records written at sector
 * offsets inside 4 KiB blocks included.
 */
class CrashReplayLogSectorsTest extends CrashReplayTest {
    @Override
    int blockSizeBytes() {
        return 4096;
    }

    @Override
    int logBlockBytes() {
        return 512;
    }

    /** The smallest log a volume may have, 128 log blocks here: the workload wraps it. */
    @Override
    int logBlocks() {
        return 16;
    }

    @Override
    int defaultWrites() {
        return 250;
    }
}
