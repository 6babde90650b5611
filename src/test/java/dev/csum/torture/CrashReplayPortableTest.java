package dev.csum.torture;

import dev.csum.IoEngine;

/**
 * {@link CrashReplayTest} on the portable FileChannel I/O port, with 4 KiB blocks so that it runs
 * {@code O_DIRECT} (512-byte blocks go through the page cache on ext4; VolumeConcurrencyPortableTest
 * covers those).
 */
class CrashReplayPortableTest extends CrashReplayTest {
    @Override
    IoEngine ioEngine() {
        return IoEngine.PORTABLE;
    }

    @Override
    int blockSizeBytes() {
        return 4096;
    }

    /** Fewer writes: each crash point reads eight times the bytes of the io_uring test's. */
    @Override
    int defaultWrites() {
        return 100;
    }
}
