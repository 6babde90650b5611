package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.format.Geometry;
import dev.csum.format.MetadataPlacement;
import dev.csum.format.PortFormatter;
import dev.csum.format.PortSuperblock;
import dev.csum.format.Superblock;
import dev.csum.format.VolumeResizer;
import dev.csum.internal.VolumeInternals;
import dev.csum.io.FaultPlan;
import dev.csum.io.ForwardingIoPort;
import dev.csum.io.IoPort;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Growing a volume on a simulated disk with a power cut before each of the grow's device writes and syncs
 * (docs/FORMAT.md §7.2): whatever of the unsynced writes reaches the media, whole or torn, the disk
 * then opens as the volume of the old size or of the new one, every block written reading back; and
 * grow run again on it gives the new volume, its new space zeros and writable. The volume grown was
 * not closed cleanly: the grow settles its log first.
 */
class ResizeSimulatedCrashTest {
    private static final int BLOCK = 512;
    private static final long OLD_DATA_BYTES = 256 * 1024;
    private static final long NEW_DATA_BYTES = 512 * 1024;
    private static final long LOG_BLOCKS = 16;
    private final Arena arena = Arena.ofAuto();

    /** The power goes before the grow's write or sync number {@code cutAt} (counting from 0). */
    private static final class CutBeforeWrite extends ForwardingIoPort {
        private final SimulatedDisk disk;
        private final int cutAt;
        int writes;

        CutBeforeWrite(SimulatedDisk disk, int cutAt) {
            super(disk);
            this.disk = disk;
            this.cutAt = cutAt;
        }

        @Override
        public boolean prepareWrite(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
            if (writes++ == cutAt) {
                disk.crash();
                throw new PowerLost();
            }
            return super.prepareWrite(fileIndex, offsetBytes, buffer, flags, userData);
        }

        @Override
        public boolean prepareFsync(int fileIndex, int flags, long userData) {
            if (writes++ == cutAt) {
                disk.crash();
                throw new PowerLost();
            }
            return super.prepareFsync(fileIndex, flags, userData);
        }
    }

    private static final class PowerLost extends RuntimeException {
    }

    /** Reports a smaller data file, so that format makes a volume of the old size on the big disk. */
    private static final class Smaller extends ForwardingIoPort {
        Smaller(IoPort port) {
            super(port);
        }

        @Override
        public long fileSizeBytes(int fileIndex) {
            return fileIndex == IoPort.DATA_FILE ? OLD_DATA_BYTES : super.fileSizeBytes(fileIndex);
        }
    }

    private static long metadataFileBytes(boolean separate) {
        if (!separate) {
            return 0;
        }
        long dataBlocks = Geometry.dataBlocksFitting(NEW_DATA_BYTES, BLOCK, MetadataPlacement.SEPARATE);
        return Geometry.of(BLOCK, dataBlocks, MetadataPlacement.SEPARATE, LOG_BLOCKS).metadataFileSizeBytes();
    }

    private static SimulatedDisk disk(boolean separate, long seed) {
        SimulatedDisk.Builder builder = SimulatedDisk.builder(seed).dataFileBytes(NEW_DATA_BYTES).queueDepth(32)
            .faultPlan(FaultPlan.none().withCrash(0.5, 0.3));
        if (separate) {
            builder.metadataFileBytes(metadataFileBytes(true));
        }
        return builder.build();
    }

    private static Volume open(IoPort port) throws IOException {
        return VolumeInternals.openOnPort(port, VolumeOptions.of(Path.of("sim")).withImdCacheBytes(64 * 1024), true);
    }

    private static byte[] pattern(long block, int salt) {
        byte[] bytes = new byte[BLOCK];
        for (int i = 0; i < BLOCK; i += 8) {
            long value = block * 1_000_003L + salt * 7L + i;
            for (int b = 0; b < 8; b++) {
                bytes[i + b] = (byte) (value >>> (8 * b));
            }
        }
        return bytes;
    }

    private void write(Volume volume, long block, byte[] bytes) throws IOException {
        MemorySegment data = arena.allocate(BLOCK, 8).copyFrom(MemorySegment.ofArray(bytes));
        Outcome outcome = new Outcome();
        volume.write(block * BLOCK, BLOCK, data, null, outcome, 0);
        assertTrue(VolumeInternals.runUntilIdle(volume, 1_000_000));
        assertTrue(outcome.done && outcome.failure == null, "write failed: " + outcome.failure);
    }

    private byte[] read(Volume volume, long block) throws IOException {
        MemorySegment data = arena.allocate(BLOCK, 8);
        Outcome outcome = new Outcome();
        volume.read(block * BLOCK, BLOCK, data, null, outcome, 0);
        assertTrue(VolumeInternals.runUntilIdle(volume, 1_000_000));
        assertTrue(outcome.done && outcome.failure == null, "read of block " + block + " failed: " + outcome.failure);
        return data.toArray(ValueLayout.JAVA_BYTE);
    }

    private void flush(Volume volume) throws IOException {
        Outcome flushed = new Outcome();
        volume.flush(flushed, 0);
        assertTrue(VolumeInternals.runUntilIdle(volume, 1_000_000));
        assertTrue(flushed.done && flushed.failure == null, "flush failed: " + flushed.failure);
    }

    /** The old volume with data flushed, then a power loss (the log not checkpointed): the media images. */
    private byte[][] volumeWithData(boolean separate, TreeSet<Long> written) throws IOException {
        SimulatedDisk disk = disk(separate, 1);
        PortFormatter.format(new Smaller(disk), BLOCK, ChecksumAlgorithm.CRC32C,
            separate ? MetadataPlacement.SEPARATE : MetadataPlacement.INTERLEAVED, new UUID(7, 11), LOG_BLOCKS);
        Volume volume = open(disk);
        long blocks = volume.sizeBytes() / BLOCK;
        for (long block = 0; block < blocks; block += 31) {
            written.add(block);
        }
        written.add(blocks - 1);
        for (long block : written) {
            write(volume, block, pattern(block, 1));
        }
        flush(volume);
        disk.crash();
        return images(disk.reopen(), separate);
    }

    /** What the media of {@code disk} hold: the data file's, and the metadata file's or null. */
    private static byte[][] images(SimulatedDisk disk, boolean separate) {
        return new byte[][] {disk.durableImage(IoPort.DATA_FILE), separate ? disk.durableImage(IoPort.METADATA_FILE) : null};
    }

    /** A new big disk whose media hold {@code images}. */
    private static SimulatedDisk diskWith(boolean separate, long seed, byte[][] images) {
        SimulatedDisk disk = disk(separate, seed);
        disk.writeRaw(IoPort.DATA_FILE, 0, images[0]);
        if (separate) {
            disk.writeRaw(IoPort.METADATA_FILE, 0, images[1]);
        }
        return disk;
    }

    @ParameterizedTest(name = "separate={0}")
    @CsvSource({"false", "true"})
    void aPowerCutBeforeAnyWriteOfTheGrowLeavesTheOldOrTheNewVolume(boolean separate) throws IOException {
        TreeSet<Long> written = new TreeSet<>();
        byte[][] images = volumeWithData(separate, written);
        long oldBlocks = written.last() + 1;
        cutEverywhere(separate, images, written, oldBlocks, VolumeResizer.WHOLE_DEVICE,
            disk -> growAgainAndUse(disk, written, oldBlocks));
    }

    /** The grown volume, data written in its old part again and not closed cleanly, shrinks back. */
    @ParameterizedTest(name = "separate={0}")
    @CsvSource({"false", "true"})
    void aPowerCutBeforeAnyWriteOfTheShrinkLeavesTheOldOrTheNewVolume(boolean separate) throws IOException {
        TreeSet<Long> written = new TreeSet<>();
        byte[][] images = volumeWithData(separate, written);
        long smallBlocks = written.last() + 1;
        SimulatedDisk disk = diskWith(separate, 5, images);
        long bigBlocks = VolumeResizer.resizeOnPort(disk, VolumeResizer.WHOLE_DEVICE, LogSettling::settle).dataBlockCount();
        Volume volume = open(disk);
        for (long block = 5; block < smallBlocks; block += 41) {
            write(volume, block, pattern(block, 1));
            written.add(block);
        }
        flush(volume);
        disk.crash();
        byte[][] grown = images(disk.reopen(), separate);
        cutEverywhere(separate, grown, written, bigBlocks, OLD_DATA_BYTES, shrunk -> {
            assertEquals(smallBlocks, VolumeResizer.resizeOnPort(shrunk, OLD_DATA_BYTES, LogSettling::settle).dataBlockCount());
            Volume small = open(shrunk);
            write(small, smallBlocks - 2, pattern(smallBlocks - 2, 3));
            flush(small);
            small.close();
            small = open(shrunk.reopen());
            assertArrayEquals(pattern(smallBlocks - 2, 3), read(small, smallBlocks - 2));
            small.close();
        });
    }

    /** What a test does with a disk after the resize: run it again to the end and use the volume. */
    @FunctionalInterface
    private interface Finish {
        void accept(SimulatedDisk disk) throws IOException;
    }

    /**
     * Resizes copies of {@code images} (a volume of {@code fromBlocks}) to {@code sizeBytes} with the
     * power cut before each write and sync in turn, until one runs to the end; after each, the media
     * must hold the volume of {@code fromBlocks} or of the new size, {@code written} intact, and
     * {@code finish} must succeed on it.
     */
    private void cutEverywhere(boolean separate, byte[][] images, TreeSet<Long> written, long fromBlocks, long sizeBytes,
                               Finish finish) throws IOException {
        int outcomesOld = 0;
        int outcomesNew = 0;
        int cutPoints = 0;
        for (int cutAt = 0; ; cutAt++) {
            boolean cut = false;
            for (long seed = 1; seed <= 2; seed++) {
                SimulatedDisk disk = diskWith(separate, seed * 31 + cutAt, images);
                CutBeforeWrite port = new CutBeforeWrite(disk, cutAt);
                try {
                    VolumeResizer.resizeOnPort(port, sizeBytes, LogSettling::settle);
                    disk.close();
                } catch (PowerLost lost) {
                    cut = true;
                }
                SimulatedDisk after = disk.reopen();
                long found = PortSuperblock.read(after).dataBlockCount();
                if (found == fromBlocks) {
                    outcomesOld++;
                } else {
                    outcomesNew++;
                }
                Volume volume = open(after);
                for (long block : written) {
                    assertArrayEquals(pattern(block, 1), read(volume, block), "block " + block + ", cut before write " + cutAt
                        + " (volume of " + found + " blocks)");
                }
                volume.close();
                if (seed == 1) {
                    finish.accept(after.reopen());
                }
            }
            if (!cut) {
                break;
            }
            cutPoints++;
        }
        assertTrue(outcomesOld > 0 && outcomesNew > 0, "both outcomes met: old " + outcomesOld + ", new " + outcomesNew);
        assertTrue(cutPoints >= 12, "the recovery's writes and the resize's writes and syncs: " + cutPoints);
    }

    /** Grow run again (a no-op when it committed) gives the new volume: new space zeros and writable, old data intact. */
    private void growAgainAndUse(SimulatedDisk disk, TreeSet<Long> written, long oldBlocks) throws IOException {
        Superblock grown = VolumeResizer.resizeOnPort(disk, VolumeResizer.WHOLE_DEVICE, LogSettling::settle);
        assertTrue(grown.dataBlockCount() > oldBlocks);
        Volume volume = open(disk);  // the grow's port, still open
        assertEquals(grown.dataBlockCount() * BLOCK, volume.sizeBytes());
        long last = grown.dataBlockCount() - 1;
        for (long block : new long[] {oldBlocks, oldBlocks + 1, (oldBlocks + last) / 2, last}) {
            assertArrayEquals(new byte[BLOCK], read(volume, block), "new block " + block);
            write(volume, block, pattern(block, 2));
        }
        flush(volume);
        volume.close();
        volume = open(disk.reopen());
        for (long block : new long[] {oldBlocks, last}) {
            assertArrayEquals(pattern(block, 2), read(volume, block));
        }
        for (long block : written) {
            assertArrayEquals(pattern(block, 1), read(volume, block), "old block " + block + " after growing");
        }
        volume.close();
    }
}
