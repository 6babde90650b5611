package dev.csum.cli;

import dev.csum.IntegrityException;
import dev.csum.IoCallback;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Verifies every block of a volume at full queue depth: {@link #DEPTH} reads of {@link #CHUNK_BYTES}
 * in flight through the low-garbage callback API, each completion starting the next chunk. A chunk
 * that fails with an {@link IntegrityException} names exactly its bad blocks (the engine checks every
 * block of a request), so the report lists each bad block, and only those.
 *
 * <p>Threading: {@link #run} is called once, from one thread; the cursor, the bad-block list and the
 * in-flight count belong to the volume's event-loop thread once the first read is submitted (all
 * set before that submit, which publishes them), and are read back after the latch opens.
 */
final class Scrubber implements IoCallback {
    /** Bytes per read: large requests let the device stream. */
    static final int CHUNK_BYTES = 1 << 20;
    /** Reads in flight. */
    static final int DEPTH = 32;

    /** What a scrub found. */
    record Report(long blocksChecked, long bytesChecked, long[] badBlocks, int blockSizeBytes, List<String> ioErrors,
                  double seconds) {
        boolean clean() {
            return badBlocks.length == 0 && ioErrors.isEmpty();
        }
    }

    /** Told about progress periodically on the calling thread, and once at the end. */
    interface Progress {
        void update(long doneBytes, long totalBytes, long badBlocks, boolean finished);
    }

    private final Volume volume;
    private final long sizeBytes;
    private final int chunkBytes;
    private final MemorySegment[] slots;
    private final long[] slotOffsets;
    private final CountDownLatch finished = new CountDownLatch(1);
    private long cursorBytes;
    private int inFlight;
    private long[] badBlocks = new long[16];
    private int badCount;
    private final List<String> ioErrors = new ArrayList<>();
    private volatile long doneBytes;
    private volatile long badSeen;

    private Scrubber(Volume volume, Arena arena) {
        this.volume = volume;
        this.sizeBytes = volume.sizeBytes();
        int blockBytes = volume.blockSizeBytes();
        this.chunkBytes = (int) Math.min(CHUNK_BYTES, volume.maxRequestBytes()) / blockBytes * blockBytes;
        MemorySegment slab = arena.allocate((long) DEPTH * chunkBytes, 4096);
        this.slots = new MemorySegment[DEPTH];
        this.slotOffsets = new long[DEPTH];
        for (int i = 0; i < DEPTH; i++) {
            slots[i] = slab.asSlice((long) i * chunkBytes, chunkBytes);
        }
    }

    /** Options for a volume opened to scrub: room for {@link #DEPTH} chunks in flight, and their re-reads. */
    static VolumeOptions options(VolumeOptions base) {
        return base.withQueueDepth(256).withBufferArenaBytes(4L * DEPTH * CHUNK_BYTES);
    }

    /** Scrubs {@code volume} (no other I/O should run on it meanwhile), reporting progress every {@code interval}. */
    static Report run(Volume volume, Progress progress, Duration interval) throws InterruptedException {
        try (Arena arena = Arena.ofShared()) {
            return new Scrubber(volume, arena).scrub(progress, interval);
        }
    }

    private Report scrub(Progress progress, Duration interval) throws InterruptedException {
        long started = System.nanoTime();
        int initial = (int) Math.min(DEPTH, (sizeBytes + chunkBytes - 1) / chunkBytes);
        // Everything the event loop will read is set before the first submit publishes it.
        for (int slot = 0; slot < initial; slot++) {
            slotOffsets[slot] = (long) slot * chunkBytes;
        }
        cursorBytes = (long) initial * chunkBytes;
        inFlight = initial;
        for (int slot = 0; slot < initial; slot++) {
            submit(slot);
        }
        while (!finished.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
            progress.update(doneBytes, sizeBytes, badSeen, false);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long[] bad = Arrays.copyOf(badBlocks, badCount);
        Arrays.sort(bad);
        progress.update(doneBytes, sizeBytes, bad.length, true);
        return new Report(sizeBytes / volume.blockSizeBytes(), sizeBytes, bad, volume.blockSizeBytes(),
            List.copyOf(ioErrors), seconds);
    }

    private void submit(int slot) {
        long offset = slotOffsets[slot];
        long length = Math.min(chunkBytes, sizeBytes - offset);
        volume.read(offset, length, slots[slot], null, this, slot);
    }

    /** Runs on the event loop: records the outcome and starts the next chunk in the same slot. */
    @Override
    public void onComplete(long token, IOException failure) {
        int slot = (int) token;
        long offset = slotOffsets[slot];
        long length = Math.min(chunkBytes, sizeBytes - offset);
        if (failure instanceof IntegrityException mismatch) {
            for (long block : mismatch.badBlocks()) {
                if (badCount == badBlocks.length) {
                    badBlocks = Arrays.copyOf(badBlocks, badCount * 2);
                }
                badBlocks[badCount++] = block;
            }
            badSeen = badCount;
        } else if (failure != null) {
            ioErrors.add("bytes " + offset + ".." + (offset + length) + ": " + Main.describe(failure));
        }
        doneBytes += length;
        if (cursorBytes < sizeBytes) {
            slotOffsets[slot] = cursorBytes;
            cursorBytes += chunkBytes;
            try {
                submit(slot);
                return;
            } catch (RuntimeException stopped) {
                ioErrors.add("bytes " + slotOffsets[slot] + "..: not scrubbed: " + Main.describe(stopped));
                cursorBytes = sizeBytes;
            }
        }
        if (--inFlight == 0) {
            finished.countDown();
        }
    }
}
