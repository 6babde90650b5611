package dev.csum.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

class GeometryTest {

    private static final long[] COUNTS = {1, 2, 61, 62, 63, 123, 124, 125, 509, 510, 511, 1019, 1020, 1021, 4000, 5101};
    private static final MetadataPlacement INTERLEAVED = MetadataPlacement.INTERLEAVED;
    private static final MetadataPlacement SEPARATE = MetadataPlacement.SEPARATE;

    @Test
    void tuplesPerGroupFillABlockExactly() {
        assertEquals(62, Geometry.tuplesPerGroup(512));
        assertEquals(510, Geometry.tuplesPerGroup(4096));
        assertThrows(IllegalArgumentException.class, () -> Geometry.tuplesPerGroup(1024));
    }

    /** The seed's {@code imd_sectors_needed}, {@code map_data_sector_same} and {@code get_imd_sector_same}. */
    private static long imdSectorsNeeded(long sectors) {
        return (sectors + 61) / 62 * 2;
    }

    private static long mapDataSectorSame(long data) {
        return 1 + data + imdSectorsNeeded(data + 1);
    }

    private static long getImdSectorSame(long data) {
        long isn = imdSectorsNeeded(data + 1);
        return 1 + 62 * ((isn - 2) / 2) + (isn - 2);
    }

    @Test
    void interleaved512MappingEqualsTheSeedFormulasWithOrWithoutALog() {
        for (long log : new long[] {0, 16, Geometry.defaultLogBlockCount(512, 10_000)}) {
            Geometry geometry = Geometry.of(512, 10_000, INTERLEAVED, log);
            for (long block = 0; block < 10_000; block++) {
                assertEquals(mapDataSectorSame(block) * 512, geometry.dataOffsetBytes(block), "data of " + block);
                assertEquals(getImdSectorSame(block) * 512, geometry.imdPairOffsetBytes(geometry.groupOf(block)), "imd of " + block);
            }
            // The log starts where the seed's layout ends: after the last (partial) group.
            assertEquals(mapDataSectorSame(9_999) * 512 + 512, geometry.logOffsetBytes());
        }
    }

    @Test
    void workedExampleFromTheJavadoc() {
        Geometry geometry = Geometry.of(512, 1000, INTERLEAVED, 512);
        assertEquals(1, geometry.groupOf(100));
        assertEquals(38, geometry.indexInGroup(100));
        assertEquals(65 * 512, geometry.imdPairOffsetBytes(1));
        assertEquals(53_760, geometry.dataOffsetBytes(100));
        Geometry separate = Geometry.of(4096, 1000, SEPARATE, 64);
        assertEquals(101 * 4096L, separate.dataOffsetBytes(100));
        assertEquals(4096, separate.imdPairOffsetBytes(0));
        assertEquals(3 * 4096, separate.imdPairOffsetBytes(1));
        assertEquals(5 * 4096, separate.logOffsetBytes(), "after the pairs of the 2 groups");
        assertEquals(5, separate.logOffsetBlocks());
        assertEquals((5 + 64) * 4096L, separate.backupSuperblockOffsetBytes());
    }

    @Test
    void lastGroupMayBePartial() {
        Geometry geometry = Geometry.of(512, 100, INTERLEAVED, 0);
        assertEquals(2, geometry.groupCount());
        assertEquals(62, geometry.blocksInGroup(0));
        assertEquals(38, geometry.blocksInGroup(1));
        assertEquals(62, geometry.firstBlockOfGroup(1));
        // superblock + 2 pairs + 100 data + backup (version 1: no log)
        assertEquals((1 + 4 + 100 + 1) * 512L, geometry.dataFileSizeBytes());
        assertEquals(105 * 512L, geometry.backupSuperblockOffsetBytes());
        assertEquals(105 * 512L, geometry.logOffsetBytes(), "no log: where the backup is");
        assertEquals(100 * 512L, geometry.usableBytes());
    }

    @Test
    void theLogSitsBetweenTheLastGroupAndTheBackupSuperblock() {
        Geometry interleaved = Geometry.of(512, 100, INTERLEAVED, 16);
        // superblock + 2 pairs + 100 data + 16 log + backup
        assertEquals(16, interleaved.logBlockCount());
        assertEquals(105 * 512L, interleaved.logOffsetBytes());
        assertEquals(121 * 512L, interleaved.backupSuperblockOffsetBytes());
        assertEquals((1 + 4 + 100 + 16 + 1) * 512L, interleaved.dataFileSizeBytes());
        assertEquals(interleaved.dataFileSizeBytes(), interleaved.metadataFileSizeBytes());
        Geometry separate = Geometry.of(512, 100, SEPARATE, 16);
        // data: superblock + 100 data; metadata: superblock + 2 pairs + 16 log + backup
        assertEquals(101 * 512L, separate.dataFileSizeBytes());
        assertEquals(5 * 512L, separate.logOffsetBytes());
        assertEquals(21 * 512L, separate.backupSuperblockOffsetBytes());
        assertEquals(22 * 512L, separate.metadataFileSizeBytes());
        assertNotEquals(Geometry.of(512, 100, SEPARATE, 17), separate, "the log is part of the layout");
    }

    @Test
    void theDefaultLogIsOneSixtyFourthOfTheDataButAtLeast64MiBOrASixteenthClampedTo256KiBAnd1GiB() {
        assertEquals(512, Geometry.defaultLogBlockCount(512, 1), "256 KiB of 512-byte blocks");
        assertEquals(64, Geometry.defaultLogBlockCount(4096, 1), "256 KiB of 4096-byte blocks");
        assertEquals(64, Geometry.defaultLogBlockCount(4096, 16 * 64), "a sixteenth of 4 MiB: the floor");
        assertEquals(65, Geometry.defaultLogBlockCount(4096, 16 * 64 + 1), "a sixteenth, rounded up to whole blocks");
        assertEquals((16L << 20) / 4096, Geometry.defaultLogBlockCount(4096, (256L << 20) / 4096), "256 MiB of data: 16 MiB");
        assertEquals((64L << 20) / 4096, Geometry.defaultLogBlockCount(4096, (1L << 30) / 4096), "1 GiB of data: 64 MiB");
        assertEquals((64L << 20) / 512, Geometry.defaultLogBlockCount(512, (1L << 30) / 512), "1 GiB of data: 64 MiB");
        assertEquals((64L << 20) / 4096, Geometry.defaultLogBlockCount(4096, (4L << 30) / 4096), "4 GiB of data: 64 MiB");
        assertEquals((64L << 20) / 4096 + 1, Geometry.defaultLogBlockCount(4096, (4L << 30) / 4096 + 1), "then 1/64");
        assertEquals((1L << 30) / 4096, Geometry.defaultLogBlockCount(4096, (64L << 30) / 4096), "64 GiB of data: 1 GiB");
        assertEquals((1L << 30) / 512, Geometry.defaultLogBlockCount(512, 1L << 40), "at most 1 GiB");
        for (int blockSize : new int[] {512, 4096}) {
            long previous = 0;
            for (long blocks = 1; blocks < 1L << 32; blocks = blocks * 3 + 1) {
                long dataBytes = blocks * blockSize;
                long expectedBytes = Math.clamp(Math.max(dataBytes / 64, Math.min(dataBytes / 16, 64L << 20)), 256L << 10, 1L << 30);
                long logBlocks = Geometry.defaultLogBlockCount(blockSize, blocks);
                assertEquals((expectedBytes + blockSize - 1) / blockSize, logBlocks, "D " + blocks);
                assertTrue(logBlocks >= previous, "never shrinks as the data grows: D " + blocks);
                previous = logBlocks;
            }
        }
    }

    /** Every block of each file is used exactly once: superblock, imd blocks, data blocks, log, backup. */
    @Test
    void everyBlockMapsToAUniqueLocationAndNothingOverlaps() {
        for (int blockSize : new int[] {512, 4096}) {
            for (MetadataPlacement placement : MetadataPlacement.values()) {
                for (long count : COUNTS) {
                    for (long log : new long[] {0, Geometry.MIN_LOG_BLOCKS, 37, Geometry.defaultLogBlockCount(blockSize, count)}) {
                        checkLayout(Geometry.of(blockSize, count, placement, log));
                    }
                }
            }
        }
    }

    private static void checkLayout(Geometry geometry) {
        String label = geometry.toString();
        int blockSize = geometry.blockSizeBytes();
        boolean interleaved = geometry.placement() == MetadataPlacement.INTERLEAVED;
        assertEquals(0, geometry.dataFileSizeBytes() % blockSize, label);
        assertEquals(0, geometry.metadataFileSizeBytes() % blockSize, label);
        BitSet dataFile = new BitSet();
        BitSet metadataFile = interleaved ? dataFile : new BitSet();
        claim(dataFile, 0, label + " data superblock");
        if (!interleaved) {
            claim(metadataFile, 0, label + " metadata superblock");
        }
        for (long group = 0; group < geometry.groupCount(); group++) {
            long pair = geometry.imdPairOffsetBytes(group);
            assertEquals(0, pair % blockSize, label);
            claim(metadataFile, pair / blockSize, label + " imd " + group + ".0");
            claim(metadataFile, pair / blockSize + 1, label + " imd " + group + ".1");
            long first = geometry.firstBlockOfGroup(group);
            int blocks = geometry.blocksInGroup(group);
            assertTrue(blocks >= 1 && blocks <= geometry.tuplesPerGroup(), label);
            for (int i = 0; i < blocks; i++) {
                long logical = first + i;
                assertEquals(group, geometry.groupOf(logical), label);
                assertEquals(i, geometry.indexInGroup(logical), label);
                long offset = geometry.dataOffsetBytes(logical);
                assertEquals(geometry.dataOffsetBytes(first) + (long) i * blockSize, offset, label + " group data contiguous");
                claim(dataFile, offset / blockSize, label + " data " + logical);
            }
        }
        assertEquals(geometry.dataBlockCount(), geometry.firstBlockOfGroup(geometry.groupCount() - 1)
                + geometry.blocksInGroup(geometry.groupCount() - 1), label);
        assertEquals(0, geometry.logOffsetBytes() % blockSize, label);
        for (long i = 0; i < geometry.logBlockCount(); i++) {
            claim(metadataFile, geometry.logOffsetBlocks() + i, label + " log block " + i);
        }
        long backup = geometry.backupSuperblockOffsetBytes();
        assertEquals(geometry.metadataFileSizeBytes() - blockSize, backup, label);
        assertEquals(geometry.logOffsetBytes() + geometry.logBlockCount() * blockSize, backup, label + " log then backup");
        claim(metadataFile, backup / blockSize, label + " backup superblock");
        // No hole and nothing past the end: the files are exactly as large as the layout.
        assertEquals(geometry.dataFileSizeBytes() / blockSize, dataFile.cardinality(), label);
        assertEquals(dataFile.cardinality(), dataFile.length(), label);
        assertEquals(geometry.metadataFileSizeBytes() / blockSize, metadataFile.cardinality(), label);
        assertEquals(metadataFile.cardinality(), metadataFile.length(), label);
    }

    private static void claim(BitSet used, long block, String what) {
        assertTrue(block >= 0 && block < Integer.MAX_VALUE, what);
        assertTrue(!used.get((int) block), what + " overlaps block " + block);
        used.set((int) block);
    }

    @Test
    void dataBlocksFittingWithAGivenLogIsTheLargestLayoutThatFits() {
        assertEquals(1982, Geometry.dataBlocksFitting(1 << 20, 512, INTERLEAVED, 0), "docs/FORMAT.md §2.1, no log");
        assertEquals(31 * 62 + 44, Geometry.dataBlocksFitting(1 << 20, 512, INTERLEAVED, 16),
                "A = 2030 = 31 x 64 + 46: 31 full groups and one of 44 blocks");
        assertEquals(0, Geometry.dataBlocksFitting(4 * 512, 512, INTERLEAVED, 0));
        assertEquals(1, Geometry.dataBlocksFitting(5 * 512, 512, INTERLEAVED, 0));
        assertEquals(1, Geometry.dataBlocksFitting(21 * 512, 512, INTERLEAVED, 16));
        for (int blockSize : new int[] {512, 4096}) {
            for (long log : new long[] {0, 16, 100}) {
                for (long size = 0; size < 3000L * blockSize; size += blockSize / 2 + 7) {
                    long fitting = Geometry.dataBlocksFitting(size, blockSize, INTERLEAVED, log);
                    if (fitting > 0) {
                        assertTrue(Geometry.of(blockSize, fitting, INTERLEAVED, log).dataFileSizeBytes() <= size, "size " + size);
                    }
                    assertTrue(Geometry.of(blockSize, fitting + 1, INTERLEAVED, log).dataFileSizeBytes() > size, "size " + size);
                    // Leftover is at most the two blocks a new group's pair would need (plus a partial block).
                    long used = fitting == 0 ? 0 : Geometry.of(blockSize, fitting, INTERLEAVED, log).dataFileSizeBytes();
                    assertTrue(fitting == 0 || size - used < 3L * blockSize, "slack at size " + size);
                }
            }
        }
        assertEquals(99, Geometry.dataBlocksFitting(100 * 4096L + 4095, 4096, SEPARATE, 16), "the log is on the metadata device");
    }

    @Test
    void dataBlocksFittingWithTheDefaultLogIsTheLargestLayoutThatFitsWithItsOwnDefaultLog() {
        // docs/FORMAT.md §2.1's worked examples.
        assertEquals(1486, Geometry.dataBlocksFitting(1 << 20, 512, INTERLEAVED));
        assertEquals(1 << 20, Geometry.of(512, 1486, INTERLEAVED, 512).dataFileSizeBytes());
        assertEquals(16_455_563, Geometry.dataBlocksFitting(64L << 30, 4096, INTERLEAVED));
        Geometry big = Geometry.of(4096, 16_455_563, INTERLEAVED, Geometry.defaultLogBlockCount(4096, 16_455_563));
        assertEquals(257_119, big.logBlockCount());
        assertEquals(32_266, big.groupCount());
        assertEquals(64L << 30, big.dataFileSizeBytes(), "no block left over");
        assertEquals(245_814, Geometry.dataBlocksFitting(1L << 30, 4096, INTERLEAVED));
        assertEquals(15_364, Geometry.defaultLogBlockCount(4096, 245_814), "a 1 GiB device: a log of 60 MiB (a sixteenth of its data)");
        for (int blockSize : new int[] {512, 4096}) {
            long step = blockSize / 2 + 7;
            // Around the smallest default log, where it starts to grow (D = 16 x its floor), and where
            // 1/64 takes over from the 64 MiB round floor (D = 64 x 64 MiB / B).
            long growsAt = withDefaultLog(blockSize, 16 * Geometry.defaultLogBlockCount(blockSize, 1)).dataFileSizeBytes();
            long proportionalAt = withDefaultLog(blockSize, 64 * (64L << 20) / blockSize).dataFileSizeBytes();
            for (long[] range : new long[][] {{0, 3000L * blockSize}, {growsAt - 3000L * blockSize, growsAt + 3000L * blockSize},
                    {proportionalAt - 3000L * blockSize, proportionalAt + 3000L * blockSize}}) {
                for (long size = range[0]; size < range[1]; size += step) {
                    long fitting = Geometry.dataBlocksFitting(size, blockSize, INTERLEAVED);
                    if (fitting > 0) {
                        long used = withDefaultLog(blockSize, fitting).dataFileSizeBytes();
                        assertTrue(used <= size, "size " + size);
                        // At most 3 blocks left: a new group's pair, its block and one more log block would need 4.
                        assertTrue(size - used < 4L * blockSize, "slack at size " + size);
                    }
                    assertTrue(withDefaultLog(blockSize, fitting + 1).dataFileSizeBytes() > size, "size " + size);
                }
            }
        }
        assertEquals(99, Geometry.dataBlocksFitting(100 * 4096L + 4095, 4096, SEPARATE));
    }

    /** With 512-byte blocks, D = 496 k: a new group and a new log block at once, so three blocks may be left over. */
    @Test
    void theDefaultLogCanLeaveThreeBlocksUnused() {
        long fits = 496 * 20; // 160 full groups, a log of 620 blocks (a sixteenth, above its floor of 512)
        Geometry geometry = withDefaultLog(512, fits);
        assertEquals(620, geometry.logBlockCount());
        long size = geometry.dataFileSizeBytes() + 3 * 512;
        assertEquals(fits, Geometry.dataBlocksFitting(size, 512, INTERLEAVED));
        assertEquals(size + 512, withDefaultLog(512, fits + 1).dataFileSizeBytes(), "one more block needs four more");
    }

    private static Geometry withDefaultLog(int blockSize, long dataBlocks) {
        return Geometry.of(blockSize, dataBlocks, INTERLEAVED, Geometry.defaultLogBlockCount(blockSize, dataBlocks));
    }

    @Test
    void boundsAreAsserted() {
        assertThrows(IllegalArgumentException.class, () -> Geometry.of(1024, 10, INTERLEAVED, 16));
        assertThrows(IllegalArgumentException.class, () -> Geometry.of(512, 0, INTERLEAVED, 16));
        assertThrows(IllegalArgumentException.class, () -> Geometry.of(512, 62L * (1L << 32) + 1, SEPARATE, 16),
                "group numbers must fit 32 bits");
        Geometry largest = Geometry.of(512, 62L * (1L << 32), SEPARATE, 16);
        assertEquals(1L << 32, largest.groupCount());
        assertThrows(IllegalArgumentException.class, () -> Geometry.of(4096, Long.MAX_VALUE / 4096, INTERLEAVED, 16),
                "byte offsets must fit 64 bits");
        assertThrows(IllegalArgumentException.class, () -> Geometry.of(512, 100, SEPARATE, Long.MAX_VALUE - 10),
                "the log's byte offsets must fit 64 bits");
        IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class, () -> Geometry.of(512, 100, INTERLEAVED, 15));
        assertEquals("the tuple log needs at least 16 blocks, got 15", tooShort.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Geometry.of(512, 100, INTERLEAVED, -1));
        assertThrows(IllegalArgumentException.class, () -> Geometry.dataBlocksFitting(1 << 20, 512, INTERLEAVED, -1));
        Geometry geometry = Geometry.of(512, 100, INTERLEAVED, 16);
        assertThrows(IndexOutOfBoundsException.class, () -> geometry.dataOffsetBytes(100));
        assertThrows(IndexOutOfBoundsException.class, () -> geometry.dataOffsetBytes(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> geometry.imdPairOffsetBytes(2));
        assertThrows(IndexOutOfBoundsException.class, () -> geometry.blocksInGroup(-1));
    }
}
