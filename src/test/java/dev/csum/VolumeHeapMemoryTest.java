package dev.csum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Heap memory works in every form: {@code byte[]} slices, heap {@code ByteBuffer}s and heap
 * segments, for writes (copied on the calling thread, or on the loop from a callback) and reads
 * (through the engine's bounce buffer: copied on the caller's thread when blocking, on the loop otherwise).
 */
class VolumeHeapMemoryTest {
    private static final int BLOCK = 4096;

    @TempDir
    Path directory;
    private Volume volume;

    @BeforeEach
    void open() throws IOException {
        Path data = directory.resolve("volume");
        Volume.format(FormatOptions.of(data).withSizeBytes(8L << 20));
        volume = Volume.open(VolumeOptions.of(data));
    }

    @AfterEach
    void close() throws IOException {
        volume.close();
    }

    private static byte[] random(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void blockingFormsWriteAndReadByteArraySlicesAndLeaveTheRestOfTheArrayAlone() throws IOException {
        byte[] source = random(3 * BLOCK, 1);
        volume.writeBlocking(BLOCK, source, 100, 2 * BLOCK);

        byte[] target = new byte[2 * BLOCK + 20];
        Arrays.fill(target, (byte) 0x77);
        volume.readBlocking(BLOCK, target, 10, 2 * BLOCK);
        assertArrayEquals(Arrays.copyOfRange(source, 100, 100 + 2 * BLOCK), Arrays.copyOfRange(target, 10, 10 + 2 * BLOCK));
        for (int i : new int[] {0, 9, 10 + 2 * BLOCK, target.length - 1}) {
            assertEquals((byte) 0x77, target[i], "byte " + i + " outside the slice");
        }
    }

    @Test
    void blockingFormsMoveAByteBuffersPositionLikeFileChannel() throws IOException {
        ByteBuffer source = ByteBuffer.wrap(random(3 * BLOCK, 2));
        source.position(BLOCK);
        volume.writeBlocking(0, source);
        assertEquals(3 * BLOCK, source.position(), "every remaining byte was written");

        ByteBuffer heap = ByteBuffer.allocate(2 * BLOCK);
        volume.readBlocking(0, heap);
        assertEquals(heap.limit(), heap.position());
        assertArrayEquals(Arrays.copyOfRange(source.array(), BLOCK, 3 * BLOCK), heap.array());

        ByteBuffer direct = ByteBuffer.allocateDirect(BLOCK);
        volume.readBlocking(BLOCK, direct);
        assertEquals(BLOCK, direct.position());
        byte[] copied = new byte[BLOCK];
        direct.flip().get(copied);
        assertArrayEquals(Arrays.copyOfRange(source.array(), 2 * BLOCK, 3 * BLOCK), copied);
    }

    @Test
    void futureFormsTakeByteArraysAndByteBuffersAndMoveThePositionBeforeCompleting() throws Exception {
        byte[] source = random(2 * BLOCK, 3);
        volume.write(4 * BLOCK, source, 0, 2 * BLOCK).get(10, TimeUnit.SECONDS);

        byte[] target = new byte[2 * BLOCK];
        volume.read(4 * BLOCK, target, 0, 2 * BLOCK).get(10, TimeUnit.SECONDS);
        assertArrayEquals(source, target);

        ByteBuffer written = ByteBuffer.wrap(random(BLOCK, 4));
        volume.write(6 * BLOCK, written).get(10, TimeUnit.SECONDS);
        assertEquals(BLOCK, written.position());
        ByteBuffer read = ByteBuffer.allocate(BLOCK);
        CompletableFuture<Void> reading = volume.read(6 * BLOCK, read);
        reading.get(10, TimeUnit.SECONDS);
        assertEquals(BLOCK, read.position());
        assertArrayEquals(written.array(), read.array());
    }

    @Test
    void aReadThatFailsVerificationLeavesTheHeapBufferItsBytesAndItsPosition() throws Exception {
        volume.writeBlocking(0, random(BLOCK, 8), 0, BLOCK);
        long fileOffset = volume.info().dataDeviceOffsetBytes(0);
        volume.close();
        Path data = directory.resolve("volume");
        try (FileChannel file = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            file.read(one, fileOffset + 10);
            file.write(ByteBuffer.wrap(new byte[] {(byte) (one.get(0) ^ 1)}), fileOffset + 10);
        }
        volume = Volume.open(VolumeOptions.of(data));

        ByteBuffer target = ByteBuffer.allocate(BLOCK);
        target.put(0, (byte) 5).put(BLOCK - 1, (byte) 6);
        ExecutionException failed = assertThrows(ExecutionException.class,
            () -> volume.read(0, target).get(10, TimeUnit.SECONDS));
        assertTrue(failed.getCause() instanceof IntegrityException, String.valueOf(failed.getCause()));
        assertEquals(0, target.position());
        assertEquals(5, target.get(0));
        assertEquals(6, target.get(BLOCK - 1));
        byte[] array = new byte[BLOCK];
        assertThrows(IntegrityException.class, () -> volume.readBlocking(0, array, 0, BLOCK));
        assertArrayEquals(new byte[BLOCK], array);
    }

    @Test
    void callbackFormsTakeHeapSegmentsAndTheLoopCopiesIntoThem() throws Exception {
        byte[] source = random(BLOCK, 5);
        CompletableFuture<IOException> written = new CompletableFuture<>();
        volume.write(8 * BLOCK, BLOCK, MemorySegment.ofArray(source), null, (token, failure) -> written.complete(failure), 1);
        assertNull(written.get(10, TimeUnit.SECONDS));

        long[] words = new long[BLOCK / Long.BYTES]; // any heap segment, not only byte[]
        CompletableFuture<IOException> read = new CompletableFuture<>();
        volume.read(8 * BLOCK, BLOCK, MemorySegment.ofArray(words), null, (token, failure) -> read.complete(failure), 2);
        assertNull(read.get(10, TimeUnit.SECONDS));
        assertArrayEquals(source, MemorySegment.ofArray(words).toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void aWriteStartedOnTheEventLoopCopiesItsHeapSourceThere() throws Exception {
        byte[] first = random(BLOCK, 6);
        byte[] second = random(BLOCK, 7);
        CompletableFuture<IOException> both = new CompletableFuture<>();
        volume.write(9 * BLOCK, BLOCK, MemorySegment.ofArray(first), null, (token, failure) -> {
            if (failure != null) {
                both.complete(failure);
                return;
            }
            // On the event loop now: this write's heap source is copied by the loop itself.
            volume.write(10 * BLOCK, BLOCK, MemorySegment.ofArray(second), null,
                (nextToken, nextFailure) -> both.complete(nextFailure), 0);
        }, 0);
        assertNull(both.get(10, TimeUnit.SECONDS));
        byte[] back = new byte[2 * BLOCK];
        volume.readBlocking(9 * BLOCK, back, 0, back.length);
        assertArrayEquals(first, Arrays.copyOfRange(back, 0, BLOCK));
        assertArrayEquals(second, Arrays.copyOfRange(back, BLOCK, 2 * BLOCK));
    }
}
