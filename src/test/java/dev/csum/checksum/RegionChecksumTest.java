package dev.csum.checksum;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The region-view form of {@link BlockChecksum#blockChecksum} agrees with the slice form. */
class RegionChecksumTest {

    @Test
    void regionViewGivesTheSameChecksumAsTheSliceForEveryAlgorithmAndPlace() {
        SplittableRandom random = new SplittableRandom(3);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment region = arena.allocate(64 * 1024, 4096);
            for (long i = 0; i < region.byteSize(); i++) {
                region.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt());
            }
            ByteBuffer view = region.asByteBuffer();
            for (ChecksumAlgorithm algorithm : ChecksumAlgorithm.values()) {
                BlockChecksum checksum = algorithm.newChecksum();
                for (int blockBytes : new int[] {512, 4096}) {
                    for (int trial = 0; trial < 50; trial++) {
                        long offset = (long) random.nextInt((int) (region.byteSize() / blockBytes)) * blockBytes;
                        long lba = random.nextLong();
                        int expected = checksum.blockChecksum(region.asSlice(offset, blockBytes), lba);
                        // The view's position and limit left by an earlier call must not matter.
                        assertEquals(expected, checksum.blockChecksum(region, view, offset, blockBytes, lba),
                            algorithm + " block of " + blockBytes + " at " + offset);
                    }
                }
            }
        }
    }
}
