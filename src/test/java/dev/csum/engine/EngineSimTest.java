package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.IntegrityException;
import dev.csum.Volume;
import dev.csum.format.Geometry;
import dev.csum.format.ImdBlock;
import dev.csum.format.ImdValidity;
import dev.csum.format.MetadataPlacement;
import dev.csum.io.FaultKind;
import dev.csum.io.FaultPlan;
import dev.csum.io.IoPort;
import dev.csum.io.SimulatedDisk;
import dev.csum.internal.VolumeInternals;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The engine over the deterministic simulated disk, driven on the test's thread. */
class EngineSimTest {
    private final Arena arena = Arena.ofAuto();


    private MemorySegment pattern(long bytes, long seed) {
        MemorySegment segment = arena.allocate(bytes, 8);
        SplittableRandom random = new SplittableRandom(seed);
        for (long i = 0; i < bytes; i += 8) {
            segment.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
        }
        return segment;
    }

    private IOException write(SimVolume sim, long offset, MemorySegment data) throws IOException {
        Outcome outcome = new Outcome();
        sim.volume.write(offset, data.byteSize(), data, null, outcome, 0);
        sim.run();
        assertTrue(outcome.done, "write completed");
        return outcome.failure;
    }

    private IOException read(SimVolume sim, long offset, MemorySegment into) throws IOException {
        Outcome outcome = new Outcome();
        sim.volume.read(offset, into.byteSize(), into, null, outcome, 0);
        sim.run();
        assertTrue(outcome.done, "read completed");
        return outcome.failure;
    }

    private static byte[] bytes(MemorySegment segment) {
        return segment.toArray(ValueLayout.JAVA_BYTE);
    }

    @ParameterizedTest
    @CsvSource({"512, INTERLEAVED", "4096, INTERLEAVED", "512, SEPARATE", "4096, SEPARATE"})
    void writesCrossingGroupsReadBackAfterReopen(int blockSize, MetadataPlacement placement) throws IOException {
        SimVolume sim = SimVolume.create(7, 8L << 20, blockSize, placement);
        Geometry geometry = sim.superblock.geometry();
        int tuples = geometry.tuplesPerGroup();
        // Starts 3 blocks before the end of group 0 and spans into group 2.
        long offset = (long) (tuples - 3) * blockSize;
        MemorySegment data = pattern((long) (tuples + 10) * blockSize, 1);
        assertNull(write(sim, offset, data));
        MemorySegment back = arena.allocate(data.byteSize(), 8);
        assertNull(read(sim, offset, back));
        assertArrayEquals(bytes(data), bytes(back));

        sim.volume.close();
        sim.volume = SimVolume.open(sim.disk.reopen());
        MemorySegment again = arena.allocate(data.byteSize(), 8);
        assertNull(read(sim, offset, again));
        assertArrayEquals(bytes(data), bytes(again));
    }

    @Test
    void neverWrittenBlocksReadAsZeros() throws IOException {
        SimVolume sim = SimVolume.create(3, 4L << 20, 4096, MetadataPlacement.INTERLEAVED);
        assertTrue(sim.superblock.dataZeroed(), "format zeroed the simulated data area");
        MemorySegment back = pattern(4096 * 3, 2);
        assertNull(read(sim, 4 * 4096, back));
        assertArrayEquals(new byte[4096 * 3], bytes(back));
    }

    @Test
    void neverWrittenBlockHoldingDataIsAnIntegrityErrorOnAZeroedVolume() throws IOException {
        SimVolume sim = SimVolume.create(3, 4L << 20, 4096, MetadataPlacement.INTERLEAVED);
        // Data where no tuple says any was written: a lost tuple, a misdirected write. Version 1 read
        // it as zeros; a volume whose data area was zeroed at format names the block instead.
        sim.disk.writeRaw(IoPort.DATA_FILE, sim.superblock.geometry().dataOffsetBytes(5), pattern(4096, 9));
        MemorySegment back = pattern(4096 * 3, 2);
        IOException failure = read(sim, 4 * 4096, back);
        IntegrityException integrity = assertInstanceOf(IntegrityException.class, failure);
        assertArrayEquals(new long[] {5}, integrity.badBlocks());
    }

    @Test
    void randomConcurrentWorkloadMatchesReferenceModel() throws IOException {
        SimVolume sim = SimVolume.create(11, 4L << 20, 512, MetadataPlacement.INTERLEAVED);
        Volume volume = sim.volume;
        int blockSize = volume.blockSizeBytes();
        int blocks = (int) (volume.sizeBytes() / blockSize);
        byte[] model = new byte[(int) volume.sizeBytes()];
        int[] busy = new int[blocks]; // >0: a write in flight; <0: reads in flight
        SplittableRandom random = new SplittableRandom(42);
        List<Runnable> checks = new ArrayList<>();
        int[] completed = {0};
        int issued = 0;
        for (int round = 0; round < 400; round++) {
            for (int k = 0; k < 8; k++) {
                int length = 1 + random.nextInt(200);
                int first = random.nextInt(blocks - length);
                boolean isWrite = random.nextBoolean();
                boolean free = true;
                for (int b = first; b < first + length; b++) {
                    if (busy[b] > 0 || (isWrite && busy[b] < 0)) {
                        free = false;
                        break;
                    }
                }
                if (!free) {
                    continue;
                }
                issued++;
                long offset = (long) first * blockSize;
                if (isWrite) {
                    MemorySegment data = pattern((long) length * blockSize, random.nextLong());
                    for (int b = first; b < first + length; b++) {
                        busy[b]++;
                    }
                    byte[] copy = bytes(data);
                    volume.write(offset, data.byteSize(), data, null, (token, failure) -> {
                        assertNull(failure);
                        System.arraycopy(copy, 0, model, (int) offset, copy.length);
                        for (int b = first; b < first + length; b++) {
                            busy[b]--;
                        }
                        completed[0]++;
                    }, 0);
                } else {
                    MemorySegment into = arena.allocate((long) length * blockSize, 8);
                    for (int b = first; b < first + length; b++) {
                        busy[b]--;
                    }
                    byte[] expected = new byte[length * blockSize];
                    System.arraycopy(model, (int) offset, expected, 0, expected.length);
                    volume.read(offset, into.byteSize(), into, null, (token, failure) -> {
                        assertNull(failure);
                        checks.add(() -> assertArrayEquals(expected, bytes(into), "read at " + offset));
                        for (int b = first; b < first + length; b++) {
                            busy[b]++;
                        }
                        completed[0]++;
                    }, 0);
                }
            }
            // Let part of the work complete, leaving the rest in flight across rounds.
            VolumeInternals.runUntilIdle(volume, 1 + random.nextInt(6));
        }
        sim.run();
        assertEquals(issued, completed[0]);
        checks.forEach(Runnable::run);
        assertTrue(checks.size() > 300, "enough reads were checked: " + checks.size());
        assertTrue(volume.stats().imdCommits() < volume.stats().writes() + volume.stats().imdCacheMisses(),
            "group commit coalesced some writes");
    }

    @Test
    void flippedDataByteIsReportedForExactlyThatBlock() throws IOException {
        SimVolume sim = SimVolume.create(5, 4L << 20, 4096, MetadataPlacement.INTERLEAVED);
        Geometry geometry = sim.superblock.geometry();
        MemorySegment data = pattern(4096 * 16, 3);
        assertNull(write(sim, 0, data));
        MemorySegment oneByte = arena.allocate(1);
        sim.disk.readRaw(IoPort.DATA_FILE, geometry.dataOffsetBytes(9) + 100, oneByte);
        oneByte.set(ValueLayout.JAVA_BYTE, 0, (byte) (oneByte.get(ValueLayout.JAVA_BYTE, 0) ^ 0x10));
        sim.disk.writeRaw(IoPort.DATA_FILE, geometry.dataOffsetBytes(9) + 100, oneByte);

        MemorySegment back = arena.allocate(4096 * 16, 8);
        IntegrityException failure = assertInstanceOf(IntegrityException.class, read(sim, 0, back));
        assertArrayEquals(new long[] {9}, failure.badBlocks());
        assertArrayEquals(new long[] {9 * 4096}, failure.badOffsetsBytes());
        assertTrue(failure.getMessage().contains("block 9"), failure.getMessage());
        assertArrayEquals(new byte[4096 * 16], bytes(back), "nothing returned on failure");
        assertEquals(1, sim.volume.stats().mismatches());

        MemorySegment neighbours = arena.allocate(4096 * 9, 8);
        assertNull(read(sim, 0, neighbours));
        assertArrayEquals(bytes(data.asSlice(0, 4096 * 9)), bytes(neighbours));
        assertNull(read(sim, 10 * 4096, arena.allocate(4096 * 6)));
        assertEquals(1, sim.volume.stats().mismatches());
    }

    @Test
    void damagedNewerImdCopyFallsBackToBrotherIsRepairedAndBothDamagedIsAnError() throws IOException {
        SimVolume sim = SimVolume.create(8, 4L << 20, 512, MetadataPlacement.INTERLEAVED);
        Geometry geometry = sim.superblock.geometry();
        MemorySegment data = pattern(512 * 20, 4);
        assertNull(write(sim, 0, data.asSlice(0, 512 * 10)));
        assertNull(write(sim, 512 * 10, data.asSlice(512 * 10, 512 * 10)));
        sim.volume.close(); // settles: both copies hold every tuple
        long pair = geometry.imdPairOffsetBytes(0);
        int volumeTag = sim.superblock.volumeTag();
        SimulatedDisk disk = sim.disk.reopen();
        int newer = ImdBlock.isNewer(generation(disk, pair + 512), generation(disk, pair)) ? 1 : 0;
        flipByte(disk, pair + newer * 512L + 200);
        assertEquals(ImdValidity.BAD_CHECKSUM, validity(disk, pair + newer * 512L, volumeTag));

        sim.volume = SimVolume.open(disk);
        MemorySegment back = arena.allocate(512 * 20, 8);
        assertNull(read(sim, 0, back), "one damaged copy: the brother serves every block");
        assertArrayEquals(bytes(data), bytes(back));
        assertEquals(1, sim.volume.stats().metadataFallbacks());
        sim.volume.close(); // the settle rewrites the damaged slot
        disk = disk.reopen();
        assertEquals(ImdValidity.VALID, validity(disk, pair, volumeTag));
        assertEquals(ImdValidity.VALID, validity(disk, pair + 512, volumeTag));

        flipByte(disk, pair + 300);
        flipByte(disk, pair + 512 + 300);
        sim.volume = SimVolume.open(disk);
        MemorySegment untouched = arena.allocate(512 * 20, 8);
        IntegrityException integrity = assertInstanceOf(IntegrityException.class, read(sim, 0, untouched));
        assertEquals(20, integrity.badBlocks().length);
        assertArrayEquals(new byte[512 * 20], bytes(untouched), "never wrong data");
        IntegrityException refused = assertInstanceOf(IntegrityException.class, write(sim, 0, data.asSlice(0, 512)));
        assertTrue(refused.getMessage().contains("damaged"), refused.getMessage());
    }

    private static int generation(SimulatedDisk disk, long offset) {
        MemorySegment block = Arena.ofAuto().allocate(512, 512);
        disk.readRaw(IoPort.METADATA_FILE, offset, block);
        return ImdBlock.generation(block);
    }

    private static ImdValidity validity(SimulatedDisk disk, long offset, int volumeTag) {
        MemorySegment block = Arena.ofAuto().allocate(512, 512);
        disk.readRaw(IoPort.METADATA_FILE, offset, block);
        return ImdBlock.validate(block, 0, volumeTag);
    }

    @Test
    void verificationCanBeTurnedOffForReads() throws IOException {
        SimVolume sim = SimVolume.create(6, 4L << 20, 4096, MetadataPlacement.INTERLEAVED);
        MemorySegment data = pattern(4096 * 2, 5);
        assertNull(write(sim, 0, data));
        long offset = sim.superblock.geometry().dataOffsetBytes(1) + 7;
        byte[] one = new byte[1];
        sim.disk.readRaw(IoPort.DATA_FILE, offset, one);
        one[0] ^= 0x40;
        sim.disk.writeRaw(IoPort.DATA_FILE, offset, one);
        assertInstanceOf(IntegrityException.class, read(sim, 0, arena.allocate(8192)));
        sim.volume.close();
        sim.volume = VolumeInternals.openOnPort(sim.disk.reopen(),
            dev.csum.VolumeOptions.of(java.nio.file.Path.of("sim")).withVerifyReads(false), true);
        MemorySegment back = arena.allocate(8192, 8);
        assertNull(read(sim, 0, back), "unverified reads return what is on disk");
        assertEquals((byte) (data.get(ValueLayout.JAVA_BYTE, 4096 + 7) ^ 0x40), back.get(ValueLayout.JAVA_BYTE, 4096 + 7));
        assertEquals(0, sim.volume.stats().mismatches());
    }

    private static void flipByte(SimulatedDisk disk, long offset) {
        byte[] one = new byte[1];
        disk.readRaw(IoPort.METADATA_FILE, offset, one);
        one[0] ^= 0x01;
        disk.writeRaw(IoPort.METADATA_FILE, offset, one);
    }

    /**
     * The seed's stale-brother sequence: write A, write B in the same group, write A again, crash
     * after the imd write of the last write but before its data write. A must read its old data.
     */
    @Test
    void staleBrotherSequenceLeavesOldDataReadable() throws IOException {
        SimVolume sim = SimVolume.create(9, 1L << 20, 512, MetadataPlacement.INTERLEAVED);
        Geometry geometry = sim.superblock.geometry();
        MemorySegment a1 = pattern(512, 11);
        MemorySegment b = pattern(512, 12);
        MemorySegment a2 = pattern(512, 13);
        assertNull(write(sim, 0, a1));
        assertNull(write(sim, 5 * 512, b));
        // Every completed write reaches the media at the crash, except A's second data write.
        sim.disk.faultPlan(FaultPlan.none().withCrash(1.0, 0.0));
        sim.disk.armNextWrite(FaultKind.LOST_WRITE, IoPort.DATA_FILE, geometry.dataOffsetBytes(0) / 512);
        assertNull(write(sim, 0, a2));
        sim.crashAndReopen();

        MemorySegment back = arena.allocate(512, 8);
        assertNull(read(sim, 0, back), "A still verifies after the crash");
        assertArrayEquals(bytes(a1), bytes(back));
        assertNull(read(sim, 5 * 512, back));
        assertArrayEquals(bytes(b), bytes(back));
        // The next write to the group resolves which copy describes A, then commits on top of it.
        assertNull(write(sim, 7 * 512, pattern(512, 14)));
        assertNull(read(sim, 0, back));
        assertArrayEquals(bytes(a1), bytes(back));
        assertNotNull(sim.volume.stats());
    }
}
