package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.csum.format.PortFormatter;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.format.MetadataPlacement;
import dev.csum.io.SimulatedDisk;
import dev.csum.internal.VolumeInternals;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Writes to the same blocks that wait for the same commit. Coalesced into one commit, their data
 * writes went to the device unordered while the tuple was the later write's: when the earlier
 * write's data landed last, the block held it under the later write's checksum and read as an
 * integrity error. Each write must behave as if applied in the order the engine accepted them.
 */
class OverlappingWritesTest {

    @Test
    void overlappingWritesWaitingForOneCommitApplyInOrder() throws IOException {
        for (long seed = 1; seed <= 40; seed++) {
            SimulatedDisk disk = SimulatedDisk.builder(seed).dataFileBytes(1 << 20).build();
            PortFormatter.format(disk, 512, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED, new UUID(seed, 3));
            Volume volume = VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("overlap")), true);
            Arena arena = Arena.ofAuto();
            // Blocks 2..5, then 3..4, then 4..8: the second and third overlap the first and each other.
            MemorySegment a = arena.allocate(4 * 512, 512).fill((byte) 0xA);
            MemorySegment b = arena.allocate(2 * 512, 512).fill((byte) 0xB);
            MemorySegment c = arena.allocate(5 * 512, 512).fill((byte) 0xC);
            // Plus an unrelated write that may share the commit.
            MemorySegment d = arena.allocate(512, 512).fill((byte) 0xD);
            IOException[] failures = new IOException[4];
            int[] completed = {0};
            volume.write(2 * 512, a.byteSize(), a, null, (t, f) -> { failures[0] = f; completed[0]++; }, 0);
            volume.write(3 * 512, b.byteSize(), b, null, (t, f) -> { failures[1] = f; completed[0]++; }, 0);
            volume.write(4 * 512, c.byteSize(), c, null, (t, f) -> { failures[2] = f; completed[0]++; }, 0);
            volume.write(20 * 512, d.byteSize(), d, null, (t, f) -> { failures[3] = f; completed[0]++; }, 0);
            VolumeInternals.runUntilIdle(volume, 1_000_000);
            assertEquals(4, completed[0], "seed " + seed);
            for (IOException failure : failures) {
                assertNull(failure, "seed " + seed);
            }
            MemorySegment back = arena.allocate(10 * 512, 512);
            IOException[] readFailure = {null};
            volume.read(0, back.byteSize(), back, null, (t, f) -> readFailure[0] = f, 0);
            VolumeInternals.runUntilIdle(volume, 1_000_000);
            assertNull(readFailure[0], "seed " + seed + ": the blocks must verify");
            byte[] expected = {0, 0, 0xA, 0xB, 0xC, 0xC, 0xC, 0xC, 0xC, 0};
            for (int block = 0; block < expected.length; block++) {
                assertEquals(expected[block], back.get(java.lang.foreign.ValueLayout.JAVA_BYTE, block * 512L + 100),
                    "seed " + seed + ", block " + block);
            }
            volume.close();
        }
    }

    /**
     * A write's piece that waits for an imd cache slot must not be overtaken by a later write to the
     * same blocks: it was, when the later piece found the slot freed first, and the earlier write's
     * data then landed last. With a 4-slot cache, write A spans 6 groups (its last pieces wait for
     * slots) and write B, issued a few loop steps later, overwrites A's last two blocks.
     */
    @Test
    void aWritePieceWaitingForACacheSlotIsNotOvertakenByALaterWrite() throws IOException {
        int tuples = (512 - 16) / 8;
        for (int seed = 1; seed <= 120; seed++) {
            int stepsBetween = seed % 40;
            SimulatedDisk disk = SimulatedDisk.builder(seed).dataFileBytes(1 << 20).build();
            PortFormatter.format(disk, 512, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED, new UUID(seed, 4));
            Volume volume = VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("slots")).withImdCacheBytes(4096), true);
            Arena arena = Arena.ofAuto();
            long aBlocks = 6L * tuples;
            MemorySegment a = arena.allocate(aBlocks * 512, 512).fill((byte) 0xA);
            MemorySegment b = arena.allocate(2 * 512, 512).fill((byte) 0xB);
            IOException[] failures = new IOException[2];
            volume.write(0, a.byteSize(), a, null, (t, f) -> failures[0] = f, 0);
            VolumeInternals.runUntilIdle(volume, stepsBetween); // B arrives while A's last pieces wait for slots
            volume.write((aBlocks - 2) * 512, b.byteSize(), b, null, (t, f) -> failures[1] = f, 0);
            VolumeInternals.runUntilIdle(volume, 1_000_000);
            assertNull(failures[0], "seed " + seed);
            assertNull(failures[1], "seed " + seed);
            MemorySegment back = arena.allocate(3 * 512, 512);
            IOException[] readFailure = {null};
            volume.read((aBlocks - 3) * 512, back.byteSize(), back, null, (t, f) -> readFailure[0] = f, 0);
            VolumeInternals.runUntilIdle(volume, 1_000_000);
            assertNull(readFailure[0], "seed " + seed);
            byte[] expected = {0xA, 0xB, 0xB};
            for (int block = 0; block < expected.length; block++) {
                assertEquals(expected[block], back.get(java.lang.foreign.ValueLayout.JAVA_BYTE, block * 512L + 7),
                    "seed " + seed + ", block " + block);
            }
            volume.close();
        }
    }
}
