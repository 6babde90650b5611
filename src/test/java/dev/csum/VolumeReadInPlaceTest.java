package dev.csum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Volume#readInPlace}: the device reads into the caller's aligned native memory and the data
 * is verified there — across pieces of several groups, never-written blocks as zeros, an integrity
 * error naming its block, and every refusal before any I/O.
 */
class VolumeReadInPlaceTest {
    private static final int BLOCK = 4096;

    @TempDir
    Path directory;
    private Path data;
    private Volume volume;
    private final Arena arena = Arena.ofShared();

    IoEngine ioEngine() {
        return IoEngine.AUTO;
    }

    @BeforeEach
    void open() throws IOException {
        data = directory.resolve("volume");
        Volume.format(FormatOptions.of(data).withSizeBytes(32L << 20));
        reopen();
    }

    private void reopen() throws IOException {
        volume = Volume.open(VolumeOptions.of(data).withIoEngine(ioEngine()));
    }

    @AfterEach
    void close() throws IOException {
        volume.close();
        arena.close();
    }

    private static byte[] random(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private MemorySegment aligned(long bytes, byte fill) {
        MemorySegment segment = arena.allocate(bytes, volume.directAlignmentBytes());
        segment.fill(fill);
        return segment;
    }

    private IOException readInPlace(long offsetBytes, MemorySegment into, short[] tags) throws Exception {
        CompletableFuture<IOException> done = new CompletableFuture<>();
        volume.readInPlace(offsetBytes, into.byteSize(), into, tags, (token, failure) -> done.complete(failure), 7);
        return done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aReadAcrossSeveralGroupsLandsVerifiedInTheCallersMemoryWithItsTags() throws Exception {
        int length = 2 << 20; // more blocks than a group holds: several pieces, each a slice of the caller's memory
        byte[] source = random(length, 1);
        short[] tagsIn = new short[length / BLOCK];
        for (int i = 0; i < tagsIn.length; i++) {
            tagsIn[i] = (short) (i * 3 + 1);
        }
        volume.writeBlocking(BLOCK, MemorySegment.ofArray(source), tagsIn);

        MemorySegment into = aligned(length, (byte) 0x5A);
        short[] tagsOut = new short[tagsIn.length];
        assertNull(readInPlace(BLOCK, into, tagsOut));
        assertArrayEquals(source, into.toArray(ValueLayout.JAVA_BYTE));
        assertArrayEquals(tagsIn, tagsOut);
        // A longer destination: only its first lengthBytes are read into.
        MemorySegment longer = aligned(3 * BLOCK, (byte) 0x11);
        CompletableFuture<IOException> done = new CompletableFuture<>();
        volume.readInPlace(BLOCK, 2 * BLOCK, longer, null, (token, failure) -> done.complete(failure), 0);
        assertNull(done.get(10, TimeUnit.SECONDS));
        assertArrayEquals(java.util.Arrays.copyOf(source, 2 * BLOCK), longer.asSlice(0, 2 * BLOCK).toArray(ValueLayout.JAVA_BYTE));
        assertEquals(0x11, longer.get(ValueLayout.JAVA_BYTE, 2 * BLOCK));
    }

    @Test
    void neverWrittenBlocksReadAsZerosWhateverTheMemoryHeld() throws Exception {
        byte[] source = random(BLOCK, 2);
        volume.writeBlocking(4 * BLOCK, source, 0, BLOCK);
        MemorySegment into = aligned(3 * BLOCK, (byte) 0x77);
        assertNull(readInPlace(3 * BLOCK, into, null)); // never written, written, never written
        assertArrayEquals(new byte[BLOCK], into.asSlice(0, BLOCK).toArray(ValueLayout.JAVA_BYTE));
        assertArrayEquals(source, into.asSlice(BLOCK, BLOCK).toArray(ValueLayout.JAVA_BYTE));
        assertArrayEquals(new byte[BLOCK], into.asSlice(2 * BLOCK, BLOCK).toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void aBlockThatFailsVerificationIsAnIntegrityErrorNamingItAndTheRestStillReads() throws Exception {
        byte[] source = random(4 * BLOCK, 3);
        volume.writeBlocking(0, source, 0, 4 * BLOCK);
        long fileOffset = volume.info().dataDeviceOffsetBytes(2);
        volume.close();
        try (FileChannel file = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            file.read(one, fileOffset + 100);
            file.write(ByteBuffer.wrap(new byte[] {(byte) (one.get(0) ^ 0x40)}), fileOffset + 100);
        }
        reopen();

        MemorySegment into = aligned(4 * BLOCK, (byte) 0);
        IOException failure = readInPlace(0, into, null);
        assertTrue(failure instanceof IntegrityException, String.valueOf(failure));
        // In place means the device read into this memory: the failing block's bytes are the damaged
        // ones on disk (the copying read would have left the zeros), and the caller was told not to use them.
        byte[] damaged = java.util.Arrays.copyOfRange(source, 2 * BLOCK, 3 * BLOCK);
        damaged[100] ^= 0x40;
        assertArrayEquals(damaged, into.asSlice(2L * BLOCK, BLOCK).toArray(ValueLayout.JAVA_BYTE));
        assertArrayEquals(new long[] {2}, ((IntegrityException) failure).badBlocks());
        assertArrayEquals(new long[] {2L * BLOCK}, ((IntegrityException) failure).badOffsetsBytes());
        assertNull(readInPlace(0, aligned(2 * BLOCK, (byte) 0), null), "the blocks before it still read");
        assertNull(readInPlace(3 * BLOCK, aligned(BLOCK, (byte) 0), null), "the block after it still reads");
    }

    @Test
    void heapUnalignedAndOtherwiseBadDestinationsAreRefusedBeforeAnyIo() throws Exception {
        byte[] source = random(BLOCK, 4);
        volume.writeBlocking(0, source, 0, BLOCK);
        long readsBefore = volume.stats().reads();
        IoCallback ignore = (token, failure) -> { };
        IllegalArgumentException heap = assertThrows(IllegalArgumentException.class,
            () -> volume.readInPlace(0, BLOCK, MemorySegment.ofArray(new byte[BLOCK]), null, ignore, 0));
        assertTrue(heap.getMessage().contains("heap segment"), heap.getMessage());
        MemorySegment unaligned = arena.allocate(2 * BLOCK, volume.directAlignmentBytes()).asSlice(512, BLOCK);
        IllegalArgumentException misaligned = assertThrows(IllegalArgumentException.class,
            () -> volume.readInPlace(0, BLOCK, unaligned, null, ignore, 0));
        assertTrue(misaligned.getMessage().contains("aligned to " + volume.directAlignmentBytes()), misaligned.getMessage());
        assertThrows(IllegalArgumentException.class, () -> volume.readInPlace(0, 2 * BLOCK, aligned(BLOCK, (byte) 0), null,
            ignore, 0), "too small");
        assertThrows(IllegalArgumentException.class, () -> volume.readInPlace(100, BLOCK, aligned(BLOCK, (byte) 0), null,
            ignore, 0), "unaligned offset");
        assertThrows(IllegalArgumentException.class, () -> volume.readInPlace(0, BLOCK, aligned(BLOCK, (byte) 0), null,
            null, 0), "no callback");
        try (Arena confined = Arena.ofConfined()) {
            MemorySegment other = confined.allocate(BLOCK, volume.directAlignmentBytes());
            assertThrows(IllegalArgumentException.class, () -> volume.readInPlace(0, BLOCK, other, null, ignore, 0),
                "confined to this thread, read on the loop");
        }
        assertEquals(readsBefore, volume.stats().reads(), "no refused read reached the engine");
        MemorySegment into = aligned(BLOCK, (byte) 0);
        assertNull(readInPlace(0, into, null));
        assertArrayEquals(source, into.toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void aReadStartedFromAWritesCallbackSeesThatWriteAndEveryWriteCompletedBeforeIt() throws Exception {
        // Issue 14's ordering rule for requests started on the event loop: a read issued from a
        // completion callback sees every write that completed before it, in place or copied.
        int rounds = 64;
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(rounds);
        java.util.List<String> problems = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        MemorySegment sources = arena.allocate((long) rounds * BLOCK, volume.directAlignmentBytes());
        MemorySegment targets = aligned((long) rounds * BLOCK, (byte) 0);
        for (int round = 0; round < rounds; round++) {
            MemorySegment source = sources.asSlice((long) round * BLOCK, BLOCK);
            source.copyFrom(MemorySegment.ofArray(random(BLOCK, 100 + round)));
        }
        for (int round = 0; round < rounds; round++) {
            int r = round;
            long offset = (long) (r % 8) * BLOCK; // eight blocks, each rewritten eight times in turn
            MemorySegment source = sources.asSlice((long) r * BLOCK, BLOCK);
            MemorySegment target = targets.asSlice((long) r * BLOCK, BLOCK);
            volume.write(offset, BLOCK, source, null, (token, failure) -> {
                if (failure != null) {
                    problems.add("write " + r + ": " + failure);
                    done.countDown();
                    return;
                }
                IoCallback check = (t, readFailure) -> {
                    if (readFailure != null) {
                        problems.add("read " + r + ": " + readFailure);
                    } else if (target.mismatch(source) != -1) {
                        // Another write of the same block may have completed in between: only a
                        // later round's data is acceptable then, never older data.
                        boolean later = false;
                        for (int other = r + 8; other < rounds; other += 8) {
                            later |= target.mismatch(sources.asSlice((long) other * BLOCK, BLOCK)) == -1;
                        }
                        if (!later) {
                            problems.add("read " + r + " did not see its write");
                        }
                    }
                    done.countDown();
                };
                if (r % 2 == 0) {
                    volume.readInPlace(offset, BLOCK, target, null, check, r);
                } else {
                    volume.read(offset, BLOCK, target, null, check, r);
                }
            }, r);
            if (r % 8 == 7) {
                // Rewrites of a block wait for the previous round: writes of one block in flight
                // together complete in either order.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (done.getCount() > rounds - r - 1) {
                    assertTrue(System.nanoTime() < deadline, "round " + r + ": earlier rounds never completed");
                    Thread.onSpinWait();
                }
            }
        }
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(java.util.List.of(), problems);
    }

    @Test
    void directAlignmentIsAPowerOfTwoOfAtLeast4096() {
        int alignment = volume.directAlignmentBytes();
        assertTrue(alignment >= 4096 && Integer.bitCount(alignment) == 1, "alignment " + alignment);
    }
}
