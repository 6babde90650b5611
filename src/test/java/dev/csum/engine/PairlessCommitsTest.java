package dev.csum.engine;

import static dev.csum.engine.SmallCacheVolume.BLOCK;
import static dev.csum.engine.SmallCacheVolume.GROUP_BLOCKS;
import static dev.csum.engine.SmallCacheVolume.blockOf;
import static dev.csum.engine.SmallCacheVolume.fill;
import static dev.csum.engine.SmallCacheVolume.open;
import static dev.csum.engine.SmallCacheVolume.readBack;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.Volume;
import dev.csum.VolumeStats;
import dev.csum.format.Geometry;
import dev.csum.internal.VolumeInternals;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * Pair-less commits (design/TUPLE_LOG.md §4.3): a write to a group the imd cache does not hold
 * commits without reading the group's pair; a read of such a group loads the pair in place and applies
 * the written tuples over it; when the parked-tuple pool cannot promise a pair-less group room for
 * more dirty tuples, its pair is loaded first and the writes go on as for any cached group.
 */
class PairlessCommitsTest {
    private Geometry geometry;

    @Test
    void writesToGroupsTheCacheDoesNotHoldReadNoPair() throws IOException {
        SimulatedDisk disk = formattedDisk(11);
        Volume volume = open(disk);
        assertNull(ManualIo.write(volume, BLOCK * blockOf(0, 3), fill(1))); // the first record raises the sequence ceiling
        int groups = 60; // through 16 pair slots
        VolumeStats before = volume.stats();
        for (int g = 1; g < groups; g++) {
            assertNull(ManualIo.write(volume, BLOCK * blockOf(g, 3), fill(g + 1)));
        }
        VolumeStats after = volume.stats();
        assertEquals(0, after.deviceReads() - before.deviceReads(), "no imd pair read before a write");
        assertEquals(2L * (groups - 1), after.deviceWrites() - before.deviceWrites(), "a record and a data write per write");
        // Reads need every tuple of a group: each loads its pair (in place, or after parking) and must see
        // the tuple written without it.
        for (int g = 0; g < groups; g++) {
            assertEquals(-1, readBack(volume, blockOf(g, 3)).mismatch(fill(g + 1)), "group " + g);
            assertEquals(-1, readBack(volume, blockOf(g, 4)).mismatch(fill(0)), "group " + g + ", never written");
        }
        assertTrue(volume.stats().deviceReads() - after.deviceReads() >= 2L * groups, "reads loaded the pairs");
        volume.close();
        Volume reopened = open(disk.reopen());
        for (int g = 0; g < groups; g++) {
            assertEquals(-1, readBack(reopened, blockOf(g, 3)).mismatch(fill(g + 1)), "reopened, group " + g);
        }
        reopened.close();
    }

    @Test
    void aReadOfAGroupWithACommitInFlightWaitsForItAndThePairLoadedInPlace() throws IOException {
        SimulatedDisk disk = formattedDisk(12);
        Volume volume = open(disk);
        int group = 40; // never cached: pair-less from its first write
        assertNull(ManualIo.write(volume, BLOCK * blockOf(group, 3), fill(7)));
        // A write and a read of the same pair-less group, accepted in the same loop step: the write's
        // commit is started pair-less, the read waits for the pair, loaded once the commit is done.
        Outcome written = new Outcome();
        Outcome read = new Outcome();
        MemorySegment back = MemorySegment.ofArray(new byte[BLOCK]);
        volume.write(BLOCK * blockOf(group, 4), BLOCK, fill(8), null, written, 0);
        volume.read(BLOCK * blockOf(group, 3), BLOCK, back, null, read, 0);
        assertTrue(VolumeInternals.runUntilIdle(volume, 1_000_000));
        assertTrue(written.done && read.done);
        assertNull(written.failure);
        assertNull(read.failure);
        assertEquals(-1, back.mismatch(fill(7)));
        assertEquals(-1, readBack(volume, blockOf(group, 4)).mismatch(fill(8)));
        // Written again after the load: a cached group now, and the tuples of both writes kept.
        assertNull(ManualIo.write(volume, BLOCK * blockOf(group, 5), fill(9)));
        volume.close();
        Volume reopened = open(disk.reopen());
        assertEquals(-1, readBack(reopened, blockOf(group, 3)).mismatch(fill(7)));
        assertEquals(-1, readBack(reopened, blockOf(group, 4)).mismatch(fill(8)));
        assertEquals(-1, readBack(reopened, blockOf(group, 5)).mismatch(fill(9)));
        reopened.close();
    }

    @Test
    void whenTheParkedPoolIsFullWritesLoadTheirPairFirst() throws IOException {
        SimulatedDisk disk = formattedDisk(13);
        Volume volume = open(disk);
        // The pool holds 2,048 tuples here (a quarter of the volume's blocks); 40 whole groups dirty 2,480.
        int groups = 40;
        assertTrue(groups * GROUP_BLOCKS > geometry.dataBlockCount() / 4);
        assertNull(ManualIo.write(volume, 0, fill(1)));
        VolumeStats before = volume.stats();
        for (int g = 1; g <= groups; g++) {
            MemorySegment data = Arena.ofAuto().allocate((long) GROUP_BLOCKS * BLOCK, 8).fill((byte) (g + 1));
            assertNull(ManualIo.write(volume, BLOCK * blockOf(g, 0), data), "group " + g);
        }
        VolumeStats after = volume.stats();
        long pairReads = after.deviceReads() - before.deviceReads();
        assertTrue(pairReads > 0, "once the pool cannot promise room, pairs are read before writes");
        assertTrue(pairReads < 2L * groups, "while it can, they are not: " + pairReads + " reads for " + groups + " groups");
        for (int g = 1; g <= groups; g++) {
            for (int i = 0; i < GROUP_BLOCKS; i += 13) {
                assertEquals(-1, readBack(volume, blockOf(g, i)).mismatch(fill(g + 1)), "group " + g + " block " + i);
            }
        }
        volume.close();
        Volume reopened = open(disk.reopen());
        for (int g = 1; g <= groups; g++) {
            assertEquals(-1, readBack(reopened, blockOf(g, GROUP_BLOCKS - 1)).mismatch(fill(g + 1)), "reopened, group " + g);
        }
        reopened.close();
    }

    @Test
    void aBlockRewrittenWhileItsGroupIsParkedReadsItsNewestData() throws IOException {
        SimulatedDisk disk = formattedDisk(14);
        Volume volume = open(disk);
        int groups = 20; // through 16 pair slots: each pass parks again the groups it attached to their records
        int passes = 3;
        assertTrue(passes * groups < 0.75 * geometry.logBlockCount(), "no round is due by the log in this test");
        assertNull(ManualIo.write(volume, BLOCK * blockOf(0, 2), fill(1))); // the first record raises the sequence ceiling
        VolumeStats before = volume.stats();
        for (int pass = 0; pass < passes; pass++) {
            for (int g = 1; g < groups; g++) {
                // Block 3 in every pass: its parked record holds one entry of it, overwritten in each pass.
                assertNull(ManualIo.write(volume, BLOCK * blockOf(g, 3), fill(10 * pass + g)));
            }
        }
        VolumeStats after = volume.stats();
        assertEquals(0, after.deviceReads() - before.deviceReads(), "a write to a parked group reads no pair either");
        assertEquals(0, after.deviceFlushes() - before.deviceFlushes(), "no checkpoint round");
        for (int g = 1; g < groups; g++) {
            assertEquals(-1, readBack(volume, blockOf(g, 3)).mismatch(fill(10 * (passes - 1) + g)), "group " + g + ", block 3");
            assertEquals(-1, readBack(volume, blockOf(g, 4)).mismatch(fill(0)), "group " + g + ", never written");
        }
        volume.close();
        Volume reopened = open(disk.reopen());
        for (int g = 1; g < groups; g++) {
            assertEquals(-1, readBack(reopened, blockOf(g, 3)).mismatch(fill(10 * (passes - 1) + g)), "reopened, group " + g);
        }
        reopened.close();
    }

    private SimulatedDisk formattedDisk(long seed) throws IOException {
        SmallCacheVolume volume = SmallCacheVolume.format(seed, 6);
        geometry = volume.geometry();
        return volume.disk();
    }

}
