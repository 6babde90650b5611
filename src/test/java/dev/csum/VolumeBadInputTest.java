package dev.csum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Every bad input is a clear exception before any I/O, and the device's bytes stay as they were. */
class VolumeBadInputTest {
    @TempDir
    Path directory;
    private Path data;
    private byte[] before;
    private final Arena arena = Arena.ofAuto();
    private final IoCallback ignore = (token, failure) -> { };

    /** The I/O port these tests run on; {@code VolumeBadInputPortableTest} runs them on the portable one. */
    IoEngine ioEngine() {
        return IoEngine.IO_URING;
    }

    private VolumeOptions options() {
        return VolumeOptions.of(data).withIoEngine(ioEngine());
    }

    @BeforeEach
    void formatVolume() throws Exception {
        data = directory.resolve("volume");
        Volume.format(FormatOptions.of(data).withSizeBytes(4L << 20));
        try (Volume volume = Volume.open(options())) {
            volume.writeBlocking(0, arena.allocate(8192).fill((byte) 7));
        }
        before = Files.readAllBytes(data);
    }

    private void assertRejected(Executable call, String... fragments) throws Exception {
        try (Volume volume = Volume.open(options())) {
            opened = volume;
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class, call);
            for (String fragment : fragments) {
                assertTrue(error.getMessage().contains(fragment), error.getMessage() + " lacks " + fragment);
            }
            assertTrue(volume.stats().reads() + volume.stats().writes() == 0, "no request was started");
        }
        assertArrayEquals(before, Files.readAllBytes(data), "the device's bytes are unchanged");
    }

    private Volume opened;

    @Test
    void unalignedOffsetOrLength() throws Exception {
        assertRejected(() -> opened.write(100, arena.allocate(4096)), "not aligned", "4096");
        assertRejected(() -> opened.read(0, arena.allocate(1000)), "not aligned");
        assertRejected(() -> opened.write(4096, 4000, arena.allocate(4096), null, ignore, 0), "not aligned");
    }

    @Test
    void negativeZeroAndBeyondTheEnd() throws Exception {
        assertRejected(() -> opened.read(-4096, arena.allocate(4096)), "negative");
        assertRejected(() -> opened.write(0, 0, arena.allocate(4096), null, ignore, 0), "positive");
        assertRejected(() -> opened.write(opened.sizeBytes(), arena.allocate(4096)), "beyond the end");
        assertRejected(() -> opened.read(opened.sizeBytes() - 4096, arena.allocate(8192)), "beyond the end");
    }

    @Test
    void tooSmallOrReadOnlyBuffersAndTooFewTags() throws Exception {
        assertRejected(() -> opened.read(0, 8192, arena.allocate(4096), null, ignore, 0), "4096 bytes, less than");
        assertRejected(() -> opened.write(0, 8192, arena.allocate(8192), new short[1], ignore, 0), "tag");
        assertRejected(() -> opened.read(0, 4096, arena.allocate(4096).asReadOnly(), null, ignore, 0), "read-only");
        assertRejected(() -> opened.read(0, 4096, arena.allocate(4096), null, null, 0), "callback");
    }

    @Test
    void badHeapArraysAndBuffersAreRefusedBeforeAnyIo() throws Exception {
        byte[] array = new byte[8192];
        assertRejected(() -> opened.writeBlocking(0, (byte[]) null, 0, 4096), "write buffer must not be null");
        assertRejected(() -> opened.read(0, (java.nio.ByteBuffer) null), "read buffer must not be null");
        assertRejected(() -> opened.writeBlocking(0, array, 100, 4000), "not aligned");
        assertRejected(() -> opened.read(0, array, 0, 0), "positive");
        assertRejected(() -> opened.readBlocking(0, java.nio.ByteBuffer.wrap(array).asReadOnlyBuffer()), "read-only");
        assertRejected(() -> opened.write(0, 8192, MemorySegment.ofArray(new byte[4096]), null, ignore, 0),
            "4096 bytes, less than");
        try (Volume volume = Volume.open(VolumeOptions.of(data))) {
            assertThrows(IndexOutOfBoundsException.class, () -> volume.writeBlocking(0, array, 4096, 8192));
            assertThrows(IndexOutOfBoundsException.class, () -> volume.read(0, array, -1, 4096));
            assertTrue(volume.stats().reads() + volume.stats().writes() == 0, "no request was started");
        }
        assertArrayEquals(before, Files.readAllBytes(data));
    }

    @Test
    void asynchronousReadIntoAThreadConfinedSegmentIsRefusedButBlockingFormsAcceptIt() throws Exception {
        try (Arena confined = Arena.ofConfined()) {
            MemorySegment mine = confined.allocate(4096);
            assertRejected(() -> opened.read(0, mine), "confined", "blocking form");
            try (Volume volume = Volume.open(options())) {
                volume.readBlocking(0, mine);
                assertTrue(mine.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0) == 7);
                volume.write(8192, mine).get(); // writes copy on the calling thread
            }
        }
    }

    @Test
    void aThrowingCallbackDoesNotStopTheVolume() throws Exception {
        try (Volume volume = Volume.open(options())) {
            java.util.concurrent.CountDownLatch called = new java.util.concurrent.CountDownLatch(1);
            volume.read(0, 4096, arena.allocate(4096), null, (token, failure) -> {
                called.countDown();
                throw new IllegalStateException("caller bug");
            }, 0);
            called.await();
            volume.readBlocking(0, arena.allocate(4096));
        }
    }

    @Test
    void closeFromACallbackIsRefusedInsteadOfDeadlocking() throws Exception {
        try (Volume volume = Volume.open(options())) {
            java.util.concurrent.CompletableFuture<Throwable> seen = new java.util.concurrent.CompletableFuture<>();
            volume.read(0, 4096, arena.allocate(4096), null, (token, failure) -> {
                try {
                    volume.close();
                    seen.complete(null);
                } catch (Throwable refused) {
                    seen.complete(refused);
                }
            }, 0);
            Throwable refused = seen.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(refused instanceof IllegalStateException && refused.getMessage().contains("callback"),
                String.valueOf(refused));
        }
    }

    @Test
    void useAfterCloseIsRefusedAndASecondCloseReturnsQuietly() throws Exception {
        Volume volume = Volume.open(options());
        volume.close();
        IllegalStateException afterClose = assertThrows(IllegalStateException.class,
            () -> volume.readBlocking(0, arena.allocate(4096)));
        assertTrue(afterClose.getMessage().contains("closed"));
        assertThrows(IllegalStateException.class, () -> volume.write(0, arena.allocate(4096)));
        volume.close();
        assertTrue(volume.isClosed());
        assertThrows(IllegalStateException.class, () -> volume.flushBlocking(), "still closed after the second close");
        assertArrayEquals(before, Files.readAllBytes(data));
    }

    @Test
    void openTwiceInThisProcessIsRefused() throws Exception {
        try (Volume volume = Volume.open(options())) {
            IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> Volume.open(options()));
            assertTrue(error.getMessage().contains("already open"), error.getMessage());
            volume.readBlocking(0, arena.allocate(4096));
        }
        try (Volume again = Volume.open(options())) {
            again.readBlocking(0, arena.allocate(4096)); // released on close
        }
        assertArrayEquals(before, Files.readAllBytes(data));
    }

    @Test
    void badOptionsAreRefusedBeforeOpening() {
        assertThrows(IllegalArgumentException.class, () -> VolumeOptions.of(data).withQueueDepth(0));
        assertThrows(IllegalArgumentException.class, () -> VolumeOptions.of(data).withImdCacheBytes(10));
        assertThrows(java.nio.file.NoSuchFileException.class,
            () -> Volume.open(VolumeOptions.of(directory.resolve("missing")).withIoEngine(ioEngine())));
    }

    @Test
    void anObserverThatThrowsDoesNotStopTheVolume() throws Exception {
        try (Volume volume = Volume.open(options())) {
            volume.addObserver((kind, lengthBytes, nanos, failed, mismatches) -> {
                throw new IllegalStateException("a listener's bug");
            });
            MemorySegment block = arena.allocate(4096).fill((byte) 9);
            volume.writeBlocking(4096, block);
            MemorySegment back = arena.allocate(4096);
            volume.readBlocking(4096, back);
            assertArrayEquals(block.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                back.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            volume.flushBlocking();
        }
    }

    @Test
    void aWritesApplicationTagsAreTheOnesPassedEvenWhenTheCallerReusesItsArrayAtOnce() throws Exception {
        try (Volume volume = Volume.open(options())) {
            short[] tags = {11, 22};
            java.util.concurrent.CompletableFuture<Void> written = new java.util.concurrent.CompletableFuture<>();
            volume.write(0, 8192, arena.allocate(8192).fill((byte) 5), tags, (token, failure) -> {
                if (failure == null) {
                    written.complete(null);
                } else {
                    written.completeExceptionally(failure);
                }
            }, 0);
            tags[0] = 99; // reused before the write committed: must not change what is stored
            tags[1] = 99;
            written.get(10, java.util.concurrent.TimeUnit.SECONDS);
            short[] readBack = new short[2];
            volume.readBlocking(0, arena.allocate(8192), readBack);
            assertArrayEquals(new short[] {11, 22}, readBack);
        }
    }
}

