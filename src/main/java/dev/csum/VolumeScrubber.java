package dev.csum;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One scrub of a volume that may be serving other requests: reads every block of the range through
 * the volume's own read path (so each is verified against its tuple, and ordered with concurrent
 * writes as any read is), a few chunks in flight, paced to the rate limit.
 *
 * <p>Threading: the scrubbing thread (the caller of {@link Volume#scrub}) submits every chunk and
 * handles every completion; the event loop only records a chunk's outcome in its slot and queues the
 * slot ({@link #onChunkDone}), the queue handing the slot and its outcome back. Bad blocks are
 * confirmed, and repaired, on the scrubbing thread with blocking calls, one block at a time.
 *
 * <p>A chunk that fails verification names its bad blocks ({@link IntegrityException#badBlocks()});
 * each is read again alone, and reported only if that read fails too (a concurrent write that
 * replaced the block in between makes it good). A chunk the device fails to read is read again block
 * by block, so each unreadable block is named.
 */
final class VolumeScrubber implements IoCallback {
    /** Bytes per read at an unlimited rate: large requests let the device stream. */
    static final int MAX_CHUNK_BYTES = 1 << 20;
    /** Reads in flight at most. */
    static final int MAX_READS_IN_FLIGHT = 32;

    private final Volume volume;
    private final ScrubOptions options;
    private final ScrubTracker tracker;
    private final int blockSizeBytes;
    private final long startBytes;
    private final long endBytes;
    private final int chunkBytes;
    private final MemorySegment[] slots;
    private final long[] slotOffsets;
    /** A chunk's outcome, written by the event loop before it queues the slot. */
    private final IOException[] slotFailures;
    private final ArrayBlockingQueue<Integer> completed;
    private final List<ScrubReport.BadBlock> badBlocks = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private final MemorySegment blockBuffer;
    private final MemorySegment goodBuffer;
    private long doneBytes;
    private long repaired;

    private VolumeScrubber(Volume volume, ScrubOptions options, long endBytes, ScrubTracker tracker, Arena arena) {
        this.volume = volume;
        this.options = options;
        this.tracker = tracker;
        this.blockSizeBytes = volume.blockSizeBytes();
        this.startBytes = options.startOffsetBytes();
        this.endBytes = endBytes;
        long rate = options.rateBytesPerSecond();
        // A limited rate reads smaller chunks (about 16 a second) so the pace is even.
        long wanted = rate == ScrubOptions.UNLIMITED ? MAX_CHUNK_BYTES : Math.min(MAX_CHUNK_BYTES, rate / 16);
        this.chunkBytes = (int) Math.max(blockSizeBytes, Math.min(wanted, volume.maxRequestBytes())
            / blockSizeBytes * blockSizeBytes);
        // In flight: at most a quarter of the engine's buffers (2 × maxRequestBytes), so that the
        // requests the volume serves meanwhile still find room.
        int depth = (int) Math.max(1, Math.min(MAX_READS_IN_FLIGHT, volume.maxRequestBytes() / 2 / chunkBytes));
        if (rate != ScrubOptions.UNLIMITED) {
            depth = Math.min(depth, 4);
        }
        MemorySegment slab = arena.allocate((long) depth * chunkBytes, 4096);
        this.slots = new MemorySegment[depth];
        for (int i = 0; i < depth; i++) {
            slots[i] = slab.asSlice((long) i * chunkBytes, chunkBytes);
        }
        this.slotOffsets = new long[depth];
        this.slotFailures = new IOException[depth];
        this.completed = new ArrayBlockingQueue<>(depth);
        this.blockBuffer = arena.allocate(blockSizeBytes, 4096);
        this.goodBuffer = arena.allocate(blockSizeBytes, 4096);
    }

    /** Checks {@code options} against {@code volume} before anything is read; returns where the scrub ends. */
    private static long checkedEnd(Volume volume, ScrubOptions options) {
        int block = volume.blockSizeBytes();
        long end = options.endOffsetBytes() == ScrubOptions.TO_END ? volume.sizeBytes() : options.endOffsetBytes();
        if (options.startOffsetBytes() % block != 0 || end % block != 0) {
            throw new IllegalArgumentException("scrub range " + options.startOffsetBytes() + ".." + end
                + " is not aligned to the volume's " + block + "-byte blocks");
        }
        if (end > volume.sizeBytes() || options.startOffsetBytes() >= end) {
            throw new IllegalArgumentException("scrub range " + options.startOffsetBytes() + ".." + end
                + " is not inside the volume (0.." + volume.sizeBytes() + ")");
        }
        if (options.repairSource() != null && volume.isReadOnly()) {
            throw new IllegalArgumentException("cannot repair: the volume is open read-only");
        }
        return end;
    }

    /** Runs one scrub; see {@link Volume#scrub}. */
    static ScrubReport run(Volume volume, ScrubOptions options, ScrubTracker tracker) {
        long end = checkedEnd(volume, options);
        tracker.begin(end - options.startOffsetBytes());
        ScrubReport report = null;
        try (Arena arena = Arena.ofShared()) {
            report = new VolumeScrubber(volume, options, end, tracker, arena).scrub();
            return report;
        } finally {
            if (report != null) {
                tracker.end(report);
            } else {
                tracker.abandon();
            }
        }
    }

    private ScrubReport scrub() {
        long startNanos = System.nanoTime();
        long intervalNanos = options.progressInterval().toNanos();
        long nextProgressNanos = startNanos + intervalNanos;
        double nanosPerByte = options.rateBytesPerSecond() == ScrubOptions.UNLIMITED ? 0
            : 1e9 / options.rateBytesPerSecond();
        int[] freeSlots = new int[slots.length];
        int freeCount = slots.length;
        for (int i = 0; i < slots.length; i++) {
            freeSlots[i] = slots.length - 1 - i;
        }
        long cursor = startBytes;
        boolean cancelled = false;
        boolean stopped = false;
        while (true) {
            long now = System.nanoTime();
            long dueNanos = Long.MAX_VALUE;
            while (!cancelled && !stopped && cursor < endBytes && freeCount > 0) {
                dueNanos = startNanos + (long) ((cursor - startBytes) * nanosPerByte);
                if (dueNanos > now) {
                    break;
                }
                dueNanos = Long.MAX_VALUE;
                int slot = freeSlots[--freeCount];
                slotOffsets[slot] = cursor;
                try {
                    volume.read(cursor, lengthAt(cursor), slots[slot], null, this, slot);
                } catch (IllegalStateException closed) {
                    errors.add("stopped at byte " + cursor + ": " + closed.getMessage());
                    freeSlots[freeCount++] = slot;
                    stopped = true;
                    break;
                }
                cursor += lengthAt(cursor);
            }
            int inFlight = slots.length - freeCount;
            if (inFlight == 0 && (cursor >= endBytes || cancelled || stopped)) {
                break;
            }
            long waitNanos = Math.max(0, Math.min(nextProgressNanos, dueNanos) - now);
            Integer done;
            try {
                done = inFlight == 0 ? null : completed.poll(waitNanos, TimeUnit.NANOSECONDS);
                if (inFlight == 0 && waitNanos > 0) {
                    TimeUnit.NANOSECONDS.sleep(waitNanos);
                }
            } catch (InterruptedException interrupt) {
                // Cancelled: submit nothing more; the reads in flight still complete into our slots.
                cancelled = true;
                continue;
            }
            if (done != null) {
                handle(done);
                freeSlots[freeCount++] = done;
            }
            ScrubProgress progress = progress(startNanos, false);
            tracker.update(progress);
            if (System.nanoTime() >= nextProgressNanos) {
                nextProgressNanos += intervalNanos;
                tell(progress);
            }
        }
        ScrubProgress last = progress(startNanos, true);
        tracker.update(last);
        tell(last);
        if (cancelled) {
            Thread.currentThread().interrupt();
        }
        badBlocks.sort(Comparator.comparingLong(ScrubReport.BadBlock::block));
        // Every chunk submitted completed (the loop waits for all in flight), so all before the cursor is checked.
        return new ScrubReport(startBytes, cursor, endBytes, blockSizeBytes, badBlocks, errors,
            (System.nanoTime() - startNanos) / 1e9, cancelled);
    }

    private long lengthAt(long offset) {
        return Math.min(chunkBytes, endBytes - offset);
    }

    private ScrubProgress progress(long startNanos, boolean finished) {
        return new ScrubProgress(doneBytes, endBytes - startBytes, badBlocks.size(), repaired,
            (System.nanoTime() - startNanos) / 1e9, finished);
    }

    private void tell(ScrubProgress progress) {
        if (options.listener() != null) {
            options.listener().onProgress(progress);
        }
    }

    /** Runs on the event loop: records the outcome and hands the slot back. */
    @Override
    public void onComplete(long token, IOException failure) {
        int slot = (int) token;
        slotFailures[slot] = failure;
        completed.add(slot);
    }

    /** A chunk completed: on the scrubbing thread, confirm (and repair) what it found. */
    private void handle(int slot) {
        long offset = slotOffsets[slot];
        long length = lengthAt(offset);
        IOException failure = slotFailures[slot];
        slotFailures[slot] = null;
        if (failure instanceof IntegrityException mismatch) {
            for (long block : mismatch.badBlocks()) {
                recheck(block);
            }
        } else if (failure != null) {
            for (long at = offset; at < offset + length; at += blockSizeBytes) {
                recheck(at / blockSizeBytes);
            }
        }
        doneBytes += length;
    }

    /** Reads {@code block} alone; records it if it is bad, and repairs it when a source is given. */
    private void recheck(long block) {
        long offset = block * blockSizeBytes;
        ScrubReport.Problem problem;
        String detail;
        try {
            volume.readBlocking(offset, blockBuffer);
            return;
        } catch (IntegrityException mismatch) {
            problem = ScrubReport.Problem.CHECKSUM_MISMATCH;
            detail = "";
        } catch (IOException | RuntimeException unreadable) {
            problem = ScrubReport.Problem.READ_ERROR;
            detail = String.valueOf(unreadable.getMessage());
        }
        if (options.repairSource() == null) {
            badBlocks.add(new ScrubReport.BadBlock(block, offset, problem, ScrubReport.Repair.NOT_ATTEMPTED, detail));
            return;
        }
        String unrepairable = repair(offset);
        if (unrepairable == null) {
            repaired++;
            badBlocks.add(new ScrubReport.BadBlock(block, offset, problem, ScrubReport.Repair.REPAIRED, detail));
        } else {
            String why = detail.isEmpty() ? unrepairable : detail + "; " + unrepairable;
            badBlocks.add(new ScrubReport.BadBlock(block, offset, problem, ScrubReport.Repair.UNREPAIRABLE, why));
        }
    }

    /** Rewrites the block at {@code offset} from the source and verifies it: null when repaired, else why not. */
    private String repair(long offset) {
        int tag;
        try {
            tag = options.repairSource().readBlock(offset, goodBuffer);
        } catch (IOException | RuntimeException failed) {
            return "the repair source failed: " + failed.getMessage();
        }
        if (tag == RepairSource.NO_GOOD_COPY) {
            return "the repair source has no good copy";
        }
        if (tag < 0 || tag > 0xFFFF) {
            return "the repair source returned application tag " + tag + " (not 0..65535)";
        }
        try {
            volume.writeBlocking(offset, goodBuffer, new short[] {(short) tag});
        } catch (IOException | RuntimeException failed) {
            return "rewriting it failed: " + failed.getMessage();
        }
        try {
            volume.readBlocking(offset, blockBuffer);
        } catch (IOException | RuntimeException failed) {
            return "reading it back after the rewrite failed: " + failed.getMessage();
        }
        if (blockBuffer.mismatch(goodBuffer) != -1) {
            return "it read back different from the good copy (another write replaced it meanwhile?)";
        }
        return null;
    }
}
