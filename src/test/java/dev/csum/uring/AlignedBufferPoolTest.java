package dev.csum.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AlignedBufferPoolTest {

    @Test
    void buffersAreAlignedDisjointSlicesOfOneSlab() {
        try (var pool = new AlignedBufferPool(8, 4096, 4096)) {
            assertEquals(8 * 4096, pool.slab().byteSize());
            assertEquals(0, pool.slab().address() % 4096);
            Set<Long> addresses = new HashSet<>();
            for (int expectedIndex = 0; expectedIndex < 8; expectedIndex++) {
                MemorySegment buffer = pool.acquire();
                assertEquals(4096, buffer.byteSize());
                assertEquals(0, buffer.address() % 4096, "aligned for O_DIRECT");
                assertEquals(pool.slab().address() + expectedIndex * 4096L, buffer.address(), "lowest first");
                assertEquals(expectedIndex, pool.indexOf(buffer));
                assertTrue(addresses.add(buffer.address()));
            }
            assertNull(pool.acquire(), "exhausted pool says so");
            assertEquals(-1, pool.acquireIndex());
        }
    }

    @Test
    void releasedBufferIsReusedAndDoubleReleaseIsCaught() {
        try (var pool = new AlignedBufferPool(2, 512, 512)) {
            int first = pool.acquireIndex();
            int second = pool.acquireIndex();
            pool.release(second);
            assertEquals(1, pool.freeCount());
            assertEquals(second, pool.acquireIndex(), "last released, first reused");
            pool.release(first);
            assertThrows(IllegalStateException.class, () -> pool.release(first));
            assertThrows(IllegalArgumentException.class, () -> pool.release(pool.slab().asSlice(1, 512)));
        }
    }

    @Test
    void shapeThatCannotBeAlignedIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new AlignedBufferPool(4, 1000, 512));
        assertThrows(IllegalArgumentException.class, () -> new AlignedBufferPool(4, 4096, 3000));
        assertThrows(IllegalArgumentException.class, () -> new AlignedBufferPool(0, 4096, 4096));
    }

    @Test
    void errnoNamesAreSymbols() {
        assertEquals("EINVAL", Errno.name(Errno.EINVAL));
        assertEquals("EIO", Errno.name(-Errno.EIO), "io_uring results are negative");
        assertEquals("ECANCELED", Errno.name(125));
        assertEquals("errno 133", Errno.name(133));
    }

    @Test
    void unavailabilityMessagesSayWhatToDo() {
        assertTrue(NativeSupport.isAvailable(), "the test JVM runs with native access and liburing");
        assertTrue(NativeSupport.NATIVE_ACCESS_MESSAGE.contains("--enable-native-access=ALL-UNNAMED"));
        assertEquals("liburing is not installed: apt-get install liburing2 liburing-dev",
                NativeSupport.LIBURING_MISSING_MESSAGE);
    }
}
