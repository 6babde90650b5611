package dev.csum.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

class GeometryTest {

    private static final long[] COUNTS = {1, 2, 61, 62, 63, 123, 124, 125, 509, 510, 511, 1019, 1020, 1021, 4000, 5101};

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
    void interleaved512MappingEqualsTheSeedFormulas() {
        Geometry geometry = Geometry.of(512, 10_000, MetadataPlacement.INTERLEAVED);
        for (long block = 0; block < 10_000; block++) {
            assertEquals(mapDataSectorSame(block) * 512, geometry.dataOffsetBytes(block), "data of " + block);
            assertEquals(getImdSectorSame(block) * 512, geometry.imdPairOffsetBytes(geometry.groupOf(block)), "imd of " + block);
        }
    }

    @Test
    void workedExampleFromTheJavadoc() {
        Geometry geometry = Geometry.of(512, 1000, MetadataPlacement.INTERLEAVED);
        assertEquals(1, geometry.groupOf(100));
        assertEquals(38, geometry.indexInGroup(100));
        assertEquals(65 * 512, geometry.imdPairOffsetBytes(1));
        assertEquals(53_760, geometry.dataOffsetBytes(100));
        Geometry separate = Geometry.of(4096, 1000, MetadataPlacement.SEPARATE);
        assertEquals(101 * 4096L, separate.dataOffsetBytes(100));
        assertEquals(4096, separate.imdPairOffsetBytes(0));
        assertEquals(3 * 4096, separate.imdPairOffsetBytes(1));
    }

    @Test
    void lastGroupMayBePartial() {
        Geometry geometry = Geometry.of(512, 100, MetadataPlacement.INTERLEAVED);
        assertEquals(2, geometry.groupCount());
        assertEquals(62, geometry.blocksInGroup(0));
        assertEquals(38, geometry.blocksInGroup(1));
        assertEquals(62, geometry.firstBlockOfGroup(1));
        // superblock + 2 pairs + 100 data + backup
        assertEquals((1 + 4 + 100 + 1) * 512L, geometry.dataFileSizeBytes());
        assertEquals(105 * 512L, geometry.backupSuperblockOffsetBytes());
        assertEquals(100 * 512L, geometry.usableBytes());
    }

    /** Every block of each file is used exactly once: superblock, imd blocks, data blocks, backup. */
    @Test
    void everyBlockMapsToAUniqueLocationAndNothingOverlaps() {
        for (int blockSize : new int[] {512, 4096}) {
            for (MetadataPlacement placement : MetadataPlacement.values()) {
                for (long count : COUNTS) {
                    checkLayout(Geometry.of(blockSize, count, placement));
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
        long backup = geometry.backupSuperblockOffsetBytes();
        assertEquals(geometry.metadataFileSizeBytes() - blockSize, backup, label);
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
    void dataBlocksFittingIsTheLargestLayoutThatFits() {
        assertEquals(1982, Geometry.dataBlocksFitting(1 << 20, 512));
        assertEquals(0, Geometry.dataBlocksFitting(4 * 512, 512));
        assertEquals(1, Geometry.dataBlocksFitting(5 * 512, 512));
        for (int blockSize : new int[] {512, 4096}) {
            for (long size = 0; size < 3000L * blockSize; size += blockSize / 2 + 7) {
                long fitting = Geometry.dataBlocksFitting(size, blockSize);
                if (fitting > 0) {
                    assertTrue(Geometry.of(blockSize, fitting, MetadataPlacement.INTERLEAVED).dataFileSizeBytes() <= size, "size " + size);
                }
                assertTrue(Geometry.of(blockSize, fitting + 1, MetadataPlacement.INTERLEAVED).dataFileSizeBytes() > size, "size " + size);
                // Leftover is at most the two blocks a new group's pair would need (plus a partial block).
                long used = fitting == 0 ? 0 : Geometry.of(blockSize, fitting, MetadataPlacement.INTERLEAVED).dataFileSizeBytes();
                assertTrue(fitting == 0 || size - used < 3L * blockSize, "slack at size " + size);
            }
        }
        assertEquals(99, Geometry.dataBlocksFitting(100 * 4096L + 4095, 4096, MetadataPlacement.SEPARATE));
    }

    @Test
    void boundsAreAsserted() {
        assertThrows(IllegalArgumentException.class, () -> Geometry.of(1024, 10, MetadataPlacement.INTERLEAVED));
        assertThrows(IllegalArgumentException.class, () -> Geometry.of(512, 0, MetadataPlacement.INTERLEAVED));
        assertThrows(IllegalArgumentException.class, () -> Geometry.of(512, 62L * (1L << 32) + 1, MetadataPlacement.SEPARATE),
                "group numbers must fit 32 bits");
        Geometry largest = Geometry.of(512, 62L * (1L << 32), MetadataPlacement.SEPARATE);
        assertEquals(1L << 32, largest.groupCount());
        assertThrows(IllegalArgumentException.class, () -> Geometry.of(4096, Long.MAX_VALUE / 4096, MetadataPlacement.INTERLEAVED),
                "byte offsets must fit 64 bits");
        Geometry geometry = Geometry.of(512, 100, MetadataPlacement.INTERLEAVED);
        assertThrows(IndexOutOfBoundsException.class, () -> geometry.dataOffsetBytes(100));
        assertThrows(IndexOutOfBoundsException.class, () -> geometry.dataOffsetBytes(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> geometry.imdPairOffsetBytes(2));
        assertThrows(IndexOutOfBoundsException.class, () -> geometry.blocksInGroup(-1));
    }
}
