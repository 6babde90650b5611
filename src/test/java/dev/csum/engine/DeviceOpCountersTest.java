package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.VolumeStats;
import dev.csum.format.Geometry;
import dev.csum.format.MetadataPlacement;
import dev.csum.io.SimulatedDiskStats;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The device operation counters ({@link VolumeStats#deviceWrites()} and the rest): every operation
 * the engine submits is counted once, on the simulated disk where the device's own counts are known.
 */
class DeviceOpCountersTest {
    private static final int BLOCK = 4096;
    private static final int N = 20;

    private final Arena arena = Arena.ofAuto();

    private static void write(SimVolume sim, long offset, MemorySegment data) throws IOException {
        complete(sim, "write", done -> sim.volume.write(offset, data.byteSize(), data, null, done, 0));
    }

    private static void read(SimVolume sim, long offset, MemorySegment into) throws IOException {
        complete(sim, "read", done -> sim.volume.read(offset, into.byteSize(), into, null, done, 0));
    }

    private static void flush(SimVolume sim) throws IOException {
        complete(sim, "flush", done -> sim.volume.flush(done, 0));
    }

    /** Starts one request, runs the engine until idle, and checks that it completed without error. */
    private static void complete(SimVolume sim, String what, Consumer<Outcome> start) throws IOException {
        Outcome outcome = new Outcome();
        start.accept(outcome);
        sim.run();
        assertTrue(outcome.done, what + " completed");
        assertNull(outcome.failure, what);
    }

    private MemorySegment block(int fill) {
        return arena.allocate(BLOCK, BLOCK).fill((byte) fill);
    }

    @Test
    void nSingleBlockWritesAndNReadsAreAtLeastNDeviceWritesAndReads() throws IOException {
        SimVolume sim = SimVolume.create(21, 8L << 20, BLOCK, MetadataPlacement.INTERLEAVED);
        long stride = sim.volume.sizeBytes() / N / BLOCK * BLOCK; // spread over every group
        for (int i = 0; i < N; i++) {
            write(sim, i * stride, block(i + 1));
        }
        flush(sim);
        VolumeStats written = sim.volume.stats();
        assertTrue(written.deviceWrites() >= N, written.toString());
        assertTrue(written.deviceBytesWritten() >= (long) N * BLOCK, written.toString());
        assertTrue(written.deviceFlushes() >= 1, written.toString());

        for (int i = 0; i < N; i++) {
            read(sim, i * stride, block(0));
        }
        VolumeStats read = sim.volume.stats();
        assertTrue(read.deviceReads() - written.deviceReads() >= N, read.toString());
        assertTrue(read.deviceBytesRead() - written.deviceBytesRead() >= (long) N * BLOCK, read.toString());
        assertEquals(written.deviceWrites(), read.deviceWrites(), "reads of cached groups write nothing");
    }

    /**
     * The engine's counts are the device's: between open and close (the close's settles and sync
     * included, read after it), the simulated disk completed exactly the operations and bytes the
     * volume says it submitted.
     */
    @ParameterizedTest
    @EnumSource(MetadataPlacement.class)
    void theCountsAreWhatTheDeviceSawIncludingTheClose(MetadataPlacement placement) throws IOException {
        SimVolume sim = SimVolume.create(22, 8L << 20, BLOCK, placement);
        SimulatedDiskStats opened = sim.disk.stats(); // after the open's superblock read, which is not counted
        long size = sim.volume.sizeBytes();
        for (int i = 0; i < N; i++) {
            write(sim, (i * 7919L * BLOCK) % size, block(i + 1));
            read(sim, (i * 104_729L * BLOCK) % size, block(0));
        }
        write(sim, 0, arena.allocate(64L * BLOCK, BLOCK).fill((byte) 9)); // a multi-block write too
        flush(sim);
        sim.volume.close();
        VolumeStats volume = sim.volume.stats();
        SimulatedDiskStats device = sim.disk.stats();
        assertEquals(device.reads() - opened.reads(), volume.deviceReads(), "reads");
        assertEquals(device.writes() - opened.writes(), volume.deviceWrites(), "writes");
        assertEquals(device.bytesRead() - opened.bytesRead(), volume.deviceBytesRead(), "bytes read");
        assertEquals(device.bytesWritten() - opened.bytesWritten(), volume.deviceBytesWritten(), "bytes written");
        assertEquals(device.fsyncs() - opened.fsyncs(), volume.deviceFlushes(), "fsyncs");
        int devices = placement == MetadataPlacement.SEPARATE ? 2 : 1;
        assertTrue(volume.deviceFlushes() >= 3L * devices && volume.deviceFlushes() % devices == 0,
            "one flush, the close's checkpoint round and its final sync (and any round the log's fill started), "
                + "on each device: " + volume.deviceFlushes());
    }

    /**
     * The write path's figures (format version 2, the tuple log), pinned so a change to them is
     * seen: a write alone costs its log record and its data write (the session's first record also
     * raises the log sequence ceiling: two superblock writes, FORMAT.md §8.1); writes accepted together share
     * one record (N + 1 device writes for N blocks); a group's first write still reads its imd pair
     * twice (a never-written pair is all zeros, confirmed by a second read); a flush is one
     * fdatasync; the close checkpoints each written group (a data sync first, then both imd copies
     * with the copy barrier between them: a 4096-byte imd block can tear), syncs, writes one empty log
     * record and syncs again.
     */
    @Test
    void writePathFigures() throws IOException {
        SimVolume sim = SimVolume.create(23, 8L << 20, BLOCK, MetadataPlacement.INTERLEAVED);
        Geometry geometry = sim.superblock.geometry();
        long groupBytes = (long) geometry.tuplesPerGroup() * BLOCK;

        VolumeStats start = sim.volume.stats();
        write(sim, 0, block(1)); // group 0, cold
        VolumeStats cold = sim.volume.stats();
        assertEquals(2, cold.deviceReads() - start.deviceReads(), "cold group: imd pair read, then confirmed");
        assertEquals(4L * BLOCK, cold.deviceBytesRead() - start.deviceBytesRead(), "each read covers both copies");
        assertEquals(4, cold.deviceWrites() - start.deviceWrites(),
            "log record + data write, after the fresh volume's first raise of the log sequence ceiling (backup, primary)");

        VolumeStats before = sim.volume.stats();
        Outcome[] outcomes = new Outcome[N];
        for (int i = 1; i <= N; i++) {
            outcomes[i - 1] = new Outcome();
            sim.volume.write((long) i * BLOCK, BLOCK, block(i), null, outcomes[i - 1], 0); // group 0, warm
        }
        sim.run();
        for (Outcome outcome : outcomes) {
            assertTrue(outcome.done);
            assertNull(outcome.failure);
        }
        VolumeStats after = sim.volume.stats();
        assertEquals(N + 1, after.deviceWrites() - before.deviceWrites(),
            "writes accepted together: one shared log record, then one data write each");
        assertEquals(0, after.deviceReads() - before.deviceReads());

        write(sim, groupBytes, block(7)); // group 1, cold
        VolumeStats beforeFlush = sim.volume.stats();
        flush(sim);
        VolumeStats flushed = sim.volume.stats();
        assertEquals(1, flushed.deviceFlushes() - beforeFlush.deviceFlushes(), "one fdatasync per flush");
        assertEquals(0, flushed.deviceWrites() - beforeFlush.deviceWrites());

        sim.volume.close();
        VolumeStats closed = sim.volume.stats();
        assertEquals(2 * 2 + 1, closed.deviceWrites() - flushed.deviceWrites(),
            "the close checkpoints the 2 written groups (both copies each) and writes an empty log record");
        assertEquals(4, closed.deviceFlushes() - flushed.deviceFlushes(),
            "the data sync and the copy barrier of the round's one batch, the round's sync and the final one");
        assertEquals(1, closed.deviceReads() - flushed.deviceReads(), "close reads its empty record back");
    }
}
