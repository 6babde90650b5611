package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.IntegrityException;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.VolumeStats;
import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.format.Geometry;
import dev.csum.format.MetadataPlacement;
import dev.csum.format.PortFormatter;
import dev.csum.internal.VolumeInternals;
import dev.csum.io.FaultPlan;
import dev.csum.io.IoPort;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The dense tuple cache: reads of groups the imd cache evicted cost their data read only, verify
 * exactly as through the imd cache (a damaged block, or never-written bytes that are not zeros,
 * is an integrity error naming the block), and see every write.
 */
class DenseTuplesTest {
    private static final int BLOCK = 512;
    /** 62 tuples per group of 512-byte blocks: 31 KiB of data per group. */
    private static final int GROUP_BLOCKS = 62;
    private final Arena arena = Arena.ofAuto();

    @Test
    void pairsKeepTheBudgetAndDenseTuplesCoverTheGroupsBeyondItUpTo64MiB() {
        Geometry small = Geometry.of(4096, 510L * 512, MetadataPlacement.INTERLEAVED, 64); // 512 groups
        assertEquals(new CacheSplit(513, 0), CacheSplit.of(64L << 20, small));
        assertEquals(2104, DenseTuples.bytesPerGroup(510));
        Geometry mid = Geometry.of(4096, 510L * 8192, MetadataPlacement.INTERLEAVED, 64); // 16 GiB, 8192 groups
        assertEquals(new CacheSplit(2048, 8192), CacheSplit.of(16L << 20, mid));
        assertEquals(new CacheSplit(32, 8192), CacheSplit.of(256L << 10, mid));
        Geometry big = Geometry.of(4096, 510L * 65536, MetadataPlacement.INTERLEAVED, 64); // 128 GiB of data
        CacheSplit split = CacheSplit.of(64L << 20, big);
        assertEquals(8192, split.pairSlots());
        assertEquals((64L << 20) / 2104, split.denseGroups(), "capped at 64 MiB");
        assertTrue(split.denseBytes(big) <= 64L << 20);
    }

    @Test
    void readsOfEvictedGroupsCostOneDeviceReadAndVerify() throws IOException {
        SimulatedDisk disk = formattedDisk(1);
        Volume volume = open(disk);
        int groups = 100;
        writeThenReadEveryGroup(volume, groups, 3);
        VolumeStats before = volume.stats();
        for (int g = 0; g < groups; g++) {
            MemorySegment back = MemorySegment.ofArray(new byte[BLOCK]);
            assertNull(ManualIo.read(volume, BLOCK * blockOf(g, 3), back));
            assertArrayEquals(fill(g + 1).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                back.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), "group " + g);
            MemorySegment never = MemorySegment.ofArray(new byte[BLOCK]).fill((byte) 7);
            assertNull(ManualIo.read(volume, BLOCK * blockOf(g, 4), never));
            assertEquals(-1, never.mismatch(MemorySegment.ofArray(new byte[BLOCK])), "never written: zeros");
        }
        VolumeStats after = volume.stats();
        assertEquals(2L * groups, after.deviceReads() - before.deviceReads(),
            "one device read per read: the dense cache verified them, no imd pair was read");
        volume.close();
    }

    @Test
    void discardedBlocksOfEvictedGroupsReadAsZerosFromTheDenseCache() throws IOException {
        SimulatedDisk disk = formattedDisk(4);
        Volume volume = open(disk);
        int groups = 100;
        writeThenReadEveryGroup(volume, groups, 3);
        for (int g = 0; g < groups; g++) {
            Outcome discarded = new Outcome();
            volume.discard(blockOf(g, 3) * BLOCK, BLOCK, discarded, 0);
            assertTrue(VolumeInternals.runUntilIdle(volume, 1_000_000));
            assertTrue(discarded.done && discarded.failure == null, "discard: " + discarded.failure);
        }
        assertNull(ManualIo.flush(volume));
        for (int g = 0; g < groups; g++) { // every group leaves the imd cache again, discarded tuple and all
            assertNull(ManualIo.read(volume, BLOCK * blockOf(g, 10), MemorySegment.ofArray(new byte[BLOCK])));
        }
        VolumeStats before = volume.stats();
        for (int g = 0; g < groups / 2; g++) {
            MemorySegment back = MemorySegment.ofArray(new byte[BLOCK]).fill((byte) 7);
            assertNull(ManualIo.read(volume, BLOCK * blockOf(g, 3), back));
            assertEquals(-1, back.mismatch(MemorySegment.ofArray(new byte[BLOCK])), "discarded: zeros, group " + g);
        }
        assertEquals(groups / 2, volume.stats().deviceReads() - before.deviceReads(),
            "one device read per read: groups with discarded tuples are kept dense too");
        // A discarded block the device no longer holds as zeros is an error, as a never-written one is.
        byte[] garbage = new byte[BLOCK];
        garbage[9] = 1;
        disk.writeRaw(IoPort.DATA_FILE, geometry.dataOffsetBytes(blockOf(90, 3)), garbage);
        IntegrityException notZeros = assertInstanceOf(IntegrityException.class,
            ManualIo.read(volume, BLOCK * blockOf(90, 3), MemorySegment.ofArray(new byte[BLOCK])));
        assertArrayEquals(new long[] {blockOf(90, 3)}, notZeros.badBlocks());
        volume.close();
    }

    @Test
    void aDamagedBlockOfAnEvictedGroupIsAnIntegrityErrorNamingIt() throws IOException {
        SimulatedDisk disk = formattedDisk(2);
        Volume volume = open(disk);
        writeThenReadEveryGroup(volume, 60, 0);
        byte[] rotten = new byte[BLOCK];
        disk.readRaw(IoPort.DATA_FILE, geometry.dataOffsetBytes(blockOf(1, 0)), rotten);
        rotten[100] ^= 0x10;
        disk.writeRaw(IoPort.DATA_FILE, geometry.dataOffsetBytes(blockOf(1, 0)), rotten);
        byte[] garbage = new byte[BLOCK];
        garbage[5] = 1;
        disk.writeRaw(IoPort.DATA_FILE, geometry.dataOffsetBytes(blockOf(2, 9)), garbage);

        IntegrityException damaged = assertInstanceOf(IntegrityException.class,
            ManualIo.read(volume, BLOCK * blockOf(1, 0), MemorySegment.ofArray(new byte[BLOCK])));
        assertArrayEquals(new long[] {blockOf(1, 0)}, damaged.badBlocks());
        IntegrityException neverWritten = assertInstanceOf(IntegrityException.class,
            ManualIo.read(volume, BLOCK * blockOf(2, 9), MemorySegment.ofArray(new byte[BLOCK])));
        assertArrayEquals(new long[] {blockOf(2, 9)}, neverWritten.badBlocks());
        volume.close();
    }

    @Test
    void aWriteToAnEvictedGroupIsSeenByTheNextRead() throws IOException {
        SimulatedDisk disk = formattedDisk(3);
        Volume volume = open(disk);
        writeThenReadEveryGroup(volume, 60, 1);
        assertNull(ManualIo.write(volume, BLOCK * blockOf(0, 1), fill(99)));
        for (int g = 1; g < 60; g++) { // evict group 0 again, now with its new tuple
            assertNull(ManualIo.read(volume, BLOCK * blockOf(g, 1), MemorySegment.ofArray(new byte[BLOCK])));
        }
        MemorySegment back = MemorySegment.ofArray(new byte[BLOCK]);
        assertNull(ManualIo.read(volume, BLOCK * blockOf(0, 1), back));
        assertEquals(-1, back.mismatch(fill(99)));
        volume.close();
        Volume reopened = open(disk.reopen());
        MemorySegment again = MemorySegment.ofArray(new byte[BLOCK]);
        assertNull(ManualIo.read(reopened, BLOCK * blockOf(0, 1), again));
        assertEquals(-1, again.mismatch(fill(99)));
        reopened.close();
    }

    /**
     * Writes block {@code index} of each of the first {@code groups} groups (group g with bytes g + 1),
     * flushes, then reads them all: more groups than the 16 pair slots, so the early ones are evicted
     * (their tuples go to the dense cache).
     */
    private void writeThenReadEveryGroup(Volume volume, int groups, int index) throws IOException {
        for (int g = 0; g < groups; g++) {
            assertNull(ManualIo.write(volume, BLOCK * blockOf(g, index), fill(g + 1)));
        }
        assertNull(ManualIo.flush(volume));
        for (int g = 0; g < groups; g++) {
            assertNull(ManualIo.read(volume, BLOCK * blockOf(g, index), MemorySegment.ofArray(new byte[BLOCK])));
        }
    }

    private static long blockOf(int group, int index) {
        return (long) group * GROUP_BLOCKS + index;
    }

    private MemorySegment fill(int value) {
        return arena.allocate(BLOCK, 8).fill((byte) value);
    }




    private Geometry geometry;

    private SimulatedDisk formattedDisk(long seed) throws IOException {
        SimulatedDisk disk = SimulatedDisk.builder(seed).dataFileBytes(4L << 20)
            .faultPlan(FaultPlan.none().withCrash(0.0, 0.0)).build();
        geometry = PortFormatter.format(disk, BLOCK, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED,
            new UUID(4, seed)).geometry();
        return disk;
    }

    /** A 16 KiB imd cache: 16 pair slots of the 4 MiB volume's 130 groups; dense tuples for every group. */
    private static Volume open(SimulatedDisk disk) throws IOException {
        return VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("sim")).withImdCacheBytes(16 * 1024), true);
    }
}
