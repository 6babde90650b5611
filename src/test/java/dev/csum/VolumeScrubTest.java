package dev.csum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.format.Geometry;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Volume#scrub}: on an open volume that serves other threads, with rate limit, cancel, resume and repair. */
class VolumeScrubTest {
    private static final int BLOCK = 4096;

    @TempDir
    Path directory;

    /** A 4096-byte-block volume of {@code sizeBytes} with every block written: block x holds {@link #pattern}(x, 0). */
    private Path volumeWithData(String name, long sizeBytes) throws IOException {
        Path path = directory.resolve(name);
        Volume.format(FormatOptions.of(path).withSizeBytes(sizeBytes));
        try (Volume volume = Volume.open(VolumeOptions.of(path))) {
            long blocks = volume.sizeBytes() / BLOCK;
            byte[] chunk = new byte[256 * BLOCK];
            for (long first = 0; first < blocks; first += 256) {
                int count = (int) Math.min(256, blocks - first);
                for (int i = 0; i < count; i++) {
                    System.arraycopy(pattern(first + i, 0), 0, chunk, i * BLOCK, BLOCK);
                }
                volume.writeBlocking(first * BLOCK, chunk, 0, count * BLOCK);
            }
        }
        return path;
    }

    static byte[] pattern(long block, int version) {
        byte[] bytes = new byte[BLOCK];
        new SplittableRandom(block * 31 + version).nextBytes(bytes);
        return bytes;
    }

    private static Geometry geometry(Volume volume) {
        VolumeInfo info = volume.info();
        return Geometry.of(info.blockSizeBytes(), info.dataBlockCount(), dev.csum.format.MetadataPlacement.INTERLEAVED,
            info.logSizeBytes() / info.blockSizeBytes());
    }

    /** Flips one byte of {@code block}'s data in the file, behind the volume's back. */
    private static void corrupt(Path path, Geometry geometry, long block) throws IOException {
        flipByte(path, geometry.dataOffsetBytes(block) + 100);
    }

    private static void flipByte(Path path, long offsetBytes) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, offsetBytes);
            one.put(0, (byte) (one.get(0) ^ 0x5A)).rewind();
            channel.write(one, offsetBytes);
        }
    }

    private static Set<Long> badBlocks(ScrubReport report) {
        Set<Long> blocks = new TreeSet<>();
        for (ScrubReport.BadBlock bad : report.badBlocks()) {
            assertEquals(bad.block() * BLOCK, bad.offsetBytes());
            blocks.add(bad.block());
        }
        return blocks;
    }

    @Test
    void findsExactlyTheBlocksCorruptedBehindItsBackWhileEightThreadsReadAndWriteAndHoldsItsRate() throws Exception {
        Path path = volumeWithData("busy.csum", 48L << 20);
        try (Volume volume = Volume.open(VolumeOptions.of(path))) {
            long blocks = volume.sizeBytes() / BLOCK;
            Geometry geometry = geometry(volume);
            // Corrupted and never written again: the scrub must name each of them.
            Set<Long> corrupted = new TreeSet<>(List.of(3L, 509L, 510L, 4000L, blocks - 1));
            // Corrupted, then rewritten by the writers during the scrub: reported or not, by timing.
            Set<Long> healed = new TreeSet<>(List.of(100L, 2000L, 7000L));
            for (long block : corrupted) {
                corrupt(path, geometry, block);
            }
            for (long block : healed) {
                corrupt(path, geometry, block);
            }
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                boolean writer = t % 2 == 0;
                long seed = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    byte[] buffer = new byte[BLOCK];
                    int version = 1;
                    List<Long> toHeal = new ArrayList<>(healed);
                    try {
                        while (!stop.get()) {
                            long block = writer && !toHeal.isEmpty() && random.nextInt(50) == 0
                                ? toHeal.removeLast() : random.nextLong(blocks);
                            if (corrupted.contains(block) || (!writer && healed.contains(block))) {
                                continue;
                            }
                            if (writer) {
                                volume.writeBlocking(block * BLOCK, pattern(block, version++), 0, BLOCK);
                            } else {
                                volume.readBlocking(block * BLOCK, buffer, 0, BLOCK);
                            }
                        }
                    } catch (Throwable failure) {
                        failures.add(failure);
                    }
                }));
            }
            long rate = 24L << 20;
            ScrubReport report;
            try {
                Thread.sleep(100);
                report = volume.scrub(ScrubOptions.defaults().withRateBytesPerSecond(rate));
            } finally {
                stop.set(true);
                for (Thread thread : threads) {
                    thread.join();
                }
            }
            assertTrue(failures.isEmpty(), () -> "a reader or writer failed: " + failures);
            assertTrue(report.complete(), report::toString);
            assertEquals(volume.sizeBytes(), report.bytesChecked());
            assertTrue(report.errors().isEmpty(), report.errors()::toString);
            Set<Long> found = badBlocks(report);
            assertTrue(found.containsAll(corrupted), () -> "missed some of " + corrupted + ": found " + found);
            for (long block : found) {
                assertTrue(corrupted.contains(block) || healed.contains(block),
                    () -> "reported block " + block + " that nobody corrupted: " + found);
            }
            for (ScrubReport.BadBlock bad : report.badBlocks()) {
                assertEquals(ScrubReport.Problem.CHECKSUM_MISMATCH, bad.problem());
                assertEquals(ScrubReport.Repair.NOT_ATTEMPTED, bad.repair());
            }
            double measuredRate = report.bytesChecked() / report.seconds();
            assertTrue(Math.abs(measuredRate - rate) <= 0.2 * rate,
                () -> "scrub ran at " + measuredRate / (1 << 20) + " MiB/s, asked for " + rate / (1 << 20));
            ScrubStatus status = volume.scrubStatus();
            assertNull(status.running());
            assertEquals(1, status.scrubsCompleted());
            assertEquals(found.size(), status.badBlocksFound());
            assertTrue(status.lastCompletedEpochMillis() > 0);
            assertEquals(report, status.last());
        }
    }

    @Test
    void cancelledByAnInterruptThenResumedCoversEveryBlockOnce() throws Exception {
        Path path = volumeWithData("resume.csum", 16L << 20);
        try (Volume volume = Volume.open(VolumeOptions.of(path))) {
            long blocks = volume.sizeBytes() / BLOCK;
            corrupt(path, geometry(volume), blocks - 2);
            List<ScrubProgress> progress = new ArrayList<>();
            AtomicReference<ScrubReport> first = new AtomicReference<>();
            AtomicBoolean stillInterrupted = new AtomicBoolean();
            Thread scrubber = Thread.ofPlatform().start(() -> {
                first.set(volume.scrub(ScrubOptions.defaults().withRateBytesPerSecond(4L << 20)
                    .withListener(progress::add, Duration.ofMillis(100))));
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            });
            Thread.sleep(700);
            scrubber.interrupt();
            scrubber.join();
            ScrubReport cancelled = first.get();
            assertTrue(cancelled.cancelled());
            assertTrue(stillInterrupted.get(), "the interrupt is pending again after the scrub returns");
            assertFalse(cancelled.complete());
            assertTrue(cancelled.nextOffsetBytes() > 0 && cancelled.nextOffsetBytes() < volume.sizeBytes(),
                cancelled::toString);
            assertTrue(cancelled.clean(), "the corrupted block lies past where it stopped");
            assertTrue(progress.size() >= 3, "told the progress every 100 ms: " + progress);
            assertTrue(progress.getLast().finished());
            assertEquals(cancelled.bytesChecked(), progress.getLast().doneBytes());
            assertEquals(0, volume.scrubStatus().scrubsCompleted());

            ScrubReport rest = volume.scrub(ScrubOptions.defaults().withRateBytesPerSecond(ScrubOptions.UNLIMITED)
                .withRange(cancelled.nextOffsetBytes(), ScrubOptions.TO_END));
            assertTrue(rest.complete());
            assertEquals(volume.sizeBytes() - cancelled.nextOffsetBytes(), rest.bytesChecked());
            assertEquals(Set.of(blocks - 2), badBlocks(rest));
        }
    }

    @Test
    void repairsFromAVolumeWithTheSameDataAndReportsWhatItCannotRepair() throws Exception {
        Path damaged = volumeWithData("damaged.csum", 8L << 20);
        Path replica = volumeWithData("replica.csum", 8L << 20);
        List<Long> victims = List.of(7L, 600L, 1500L);
        long groupOfMetadata;
        try (Volume volume = Volume.open(VolumeOptions.of(damaged).withReadOnly(true))) {
            Geometry geometry = geometry(volume);
            for (long block : victims) {
                corrupt(damaged, geometry, block);
            }
            // One damaged imd copy too (the volume was closed cleanly: its tuples are in the pairs).
            groupOfMetadata = geometry.groupOf(1000);
            flipByte(damaged, geometry.imdPairOffsetBytes(groupOfMetadata) + 40);
        }
        try (Volume volume = Volume.open(VolumeOptions.of(damaged));
             Volume source = Volume.open(VolumeOptions.of(replica).withReadOnly(true))) {
            ScrubReport report = volume.scrub(ScrubOptions.defaults().withRateBytesPerSecond(ScrubOptions.UNLIMITED)
                .withRepairSource(RepairSource.fromVolume(source)));
            assertEquals(Set.copyOf(victims), badBlocks(report));
            assertTrue(report.allRepaired(), report::toString);
            assertEquals(3, report.count(ScrubReport.Repair.REPAIRED));
            assertEquals(3, volume.scrubStatus().blocksRepaired());
            assertTrue(volume.stats().metadataFallbacks() >= 1, "the damaged imd copy was found");
            assertTrue(volume.scrub(ScrubOptions.defaults().withRateBytesPerSecond(ScrubOptions.UNLIMITED)).clean());
        }
        // Reopened: the data is the replica's, and the imd copy was rewritten (no fallback any more).
        try (Volume volume = Volume.open(VolumeOptions.of(damaged).withReadOnly(true))) {
            assertTrue(volume.scrub(ScrubOptions.defaults().withRateBytesPerSecond(ScrubOptions.UNLIMITED)).clean());
            assertEquals(0, volume.stats().metadataFallbacks());
            byte[] buffer = new byte[BLOCK];
            for (long block = 0; block < volume.sizeBytes() / BLOCK; block++) {
                volume.readBlocking(block * BLOCK, buffer, 0, BLOCK);
                assertArrayEquals(pattern(block, 0), buffer, "block " + block);
            }
        }
    }

    @Test
    void aBlockTheSourceAlsoHasBadIsUnrepairable() throws Exception {
        Path damaged = volumeWithData("damaged2.csum", 8L << 20);
        Path replica = volumeWithData("replica2.csum", 8L << 20);
        try (Volume volume = Volume.open(VolumeOptions.of(damaged).withReadOnly(true))) {
            Geometry geometry = geometry(volume);
            for (long block : List.of(10L, 20L, 30L)) {
                corrupt(damaged, geometry, block);
            }
            corrupt(replica, geometry, 20);
        }
        try (Volume volume = Volume.open(VolumeOptions.of(damaged));
             Volume source = Volume.open(VolumeOptions.of(replica).withReadOnly(true))) {
            ScrubReport report = volume.scrub(ScrubOptions.defaults().withRateBytesPerSecond(ScrubOptions.UNLIMITED)
                .withRepairSource(RepairSource.fromVolume(source)));
            assertFalse(report.allRepaired());
            assertEquals(2, report.count(ScrubReport.Repair.REPAIRED));
            ScrubReport.BadBlock unrepaired = report.badBlocks().stream()
                .filter(bad -> bad.repair() == ScrubReport.Repair.UNREPAIRABLE).findFirst().orElseThrow();
            assertEquals(20, unrepaired.block());
            assertTrue(unrepaired.detail().contains("no good copy"), unrepaired.detail());
            // The unrepairable block is left as it was: still bad, nothing written over it.
            assertThrows(IntegrityException.class, () -> volume.readBlocking(20L * BLOCK, new byte[BLOCK], 0, BLOCK));
        }
    }

    @Test
    void aRawImageRepairsTooWithTheBytesItHolds() throws Exception {
        Path damaged = volumeWithData("damaged3.csum", 4L << 20);
        Path image = directory.resolve("image.raw");
        try (Volume volume = Volume.open(VolumeOptions.of(damaged));
             FileChannel out = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long block = 0; block < volume.sizeBytes() / BLOCK; block++) {
                out.write(ByteBuffer.wrap(pattern(block, 0)), block * BLOCK);
            }
            corrupt(damaged, geometry(volume), 77);
            ScrubReport report = volume.scrub(ScrubOptions.defaults().withRepairSource(RepairSource.fromRawImage(image)));
            assertEquals(Set.of(77L), badBlocks(report));
            assertTrue(report.allRepaired(), report::toString);
            byte[] buffer = new byte[BLOCK];
            volume.readBlocking(77L * BLOCK, buffer, 0, BLOCK);
            assertArrayEquals(pattern(77, 0), buffer);
        }
    }

    @Test
    void badRangesAndRepairOnAReadOnlyVolumeAreRefusedBeforeAnyRead() throws Exception {
        Path path = volumeWithData("refuse.csum", 4L << 20);
        try (Volume volume = Volume.open(VolumeOptions.of(path).withReadOnly(true))) {
            long size = volume.sizeBytes();
            assertThrows(IllegalArgumentException.class, () -> volume.scrub(ScrubOptions.defaults().withRange(100, 8192)));
            assertThrows(IllegalArgumentException.class, () -> volume.scrub(ScrubOptions.defaults().withRange(0, size + BLOCK)));
            assertThrows(IllegalArgumentException.class, () -> ScrubOptions.defaults().withRange(8192, 4096));
            assertThrows(IllegalArgumentException.class, () -> ScrubOptions.defaults().withRateBytesPerSecond(-1));
            IllegalArgumentException readOnly = assertThrows(IllegalArgumentException.class,
                () -> volume.scrub(ScrubOptions.defaults().withRepairSource((offset, dst) -> 0)));
            assertTrue(readOnly.getMessage().contains("read-only"), readOnly.getMessage());
            assertEquals(0, volume.stats().reads());
        }
        Volume closed = Volume.open(VolumeOptions.of(path));
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.scrub(ScrubOptions.defaults()));
    }

    @Test
    void aSecondScrubAtTheSameTimeIsRefused() throws Exception {
        Path path = volumeWithData("twice.csum", 8L << 20);
        try (Volume volume = Volume.open(VolumeOptions.of(path))) {
            Thread slow = Thread.ofPlatform().start(
                () -> volume.scrub(ScrubOptions.defaults().withRateBytesPerSecond(8L << 20)));
            while (volume.scrubStatus().running() == null && slow.isAlive()) {
                Thread.onSpinWait();
            }
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> volume.scrub(ScrubOptions.defaults()));
            assertTrue(refused.getMessage().contains("already running"), refused.getMessage());
            slow.join();
            assertNull(volume.scrubStatus().running());
        }
    }

    @Test
    void progressIsVisibleToOtherThreads() throws Exception {
        Path path = volumeWithData("progress.csum", 8L << 20);
        try (Volume volume = Volume.open(VolumeOptions.of(path));
             Arena arena = Arena.ofConfined()) {
            MemorySegment unused = arena.allocate(BLOCK);
            List<Double> seen = new ArrayList<>();
            Thread scrubber = Thread.ofPlatform().start(
                () -> volume.scrub(ScrubOptions.defaults().withRateBytesPerSecond(8L << 20)));
            while (scrubber.isAlive()) {
                ScrubProgress running = volume.scrubStatus().running();
                if (running != null) {
                    seen.add(running.fraction());
                }
                Thread.sleep(50);
            }
            assertTrue(seen.size() >= 5, seen::toString);
            assertTrue(seen.stream().anyMatch(f -> f > 0.2 && f < 0.9), seen::toString);
            for (int i = 1; i < seen.size(); i++) {
                assertTrue(seen.get(i) >= seen.get(i - 1), seen::toString);
            }
            assertEquals(BLOCK, unused.byteSize());
        }
    }
}
