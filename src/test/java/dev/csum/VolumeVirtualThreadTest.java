package dev.csum;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The blocking forms from a thousand virtual threads, each with its own confined arena. */
class VolumeVirtualThreadTest {
    @TempDir
    Path directory;

    /** The I/O port these tests run on; {@code VolumeVirtualThreadPortableTest} runs them on the portable one. */
    IoEngine ioEngine() {
        return IoEngine.IO_URING;
    }

    @Test
    void aThousandVirtualThreadsWriteAndReadTheirOwnBlocks() throws Exception {
        Path data = directory.resolve("volume");
        Volume.format(FormatOptions.of(data).withSizeBytes(16L << 20));
        try (Volume volume = Volume.open(VolumeOptions.of(data).withIoEngine(ioEngine()));
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 1000; t++) {
                int block = t;
                results.add(threads.submit(() -> {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment mine = arena.allocate(4096).fill((byte) block);
                        volume.writeBlocking((long) block * 4096, mine);
                        MemorySegment back = arena.allocate(4096);
                        volume.readBlocking((long) block * 4096, back);
                        return back.get(ValueLayout.JAVA_BYTE, 4095) & 0xFF;
                    }
                }));
            }
            for (int t = 0; t < 1000; t++) {
                assertEquals(t & 0xFF, results.get(t).get());
            }
            assertEquals(1000, volume.stats().writes());
        }
    }
}
