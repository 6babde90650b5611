package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.Volume;
import dev.csum.VolumeOptions;
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
 * One unreadable sector in one imd copy costs that copy, not the group: the pair's load (at run time
 * and in log recovery) reads the copies one by one when the read of both fails, and goes on with the
 * copy that reads, as it does with one damaged copy.
 */
class ImdCopyReadFaultTest {
    private static final int BLOCK = 512;
    /** A group away from the superblock (whose read covers the first 4 KiB of the device). */
    private static final int GROUP = 3;
    /** Block 3 of that group (62 blocks a group at 512 bytes). */
    private static final long B3 = GROUP * 62L + 3;
    private final Arena arena = Arena.ofAuto();
    private Geometry geometry;

    @Test
    void aLoadWhoseFirstCopyCannotBeReadUsesTheSecond() throws IOException {
        SimulatedDisk disk = formattedDisk(1);
        Volume volume = open(disk);
        assertNull(ManualIo.write(volume, BLOCK * B3, fill(7)));
        volume.close(); // checkpointed: both copies hold block 3's tuple
        SimulatedDisk again = disk.reopen();
        again.injectLatentSectorError(IoPort.METADATA_FILE, geometry.imdPairOffsetBytes(GROUP) / BLOCK);
        Volume reopened = open(again);
        MemorySegment back = MemorySegment.ofArray(new byte[BLOCK]);
        assertNull(ManualIo.read(reopened, BLOCK * B3, back), "the pair loads from its readable copy");
        assertEquals(-1, back.mismatch(fill(7)));
        reopened.close(); // the checkpoint rewrites both copies: the bad sector is written over
        Volume healed = open(again.reopen());
        assertNull(ManualIo.read(healed, BLOCK * B3, MemorySegment.ofArray(new byte[BLOCK])));
        healed.close();
    }

    @Test
    void recoveryWhosePairHasAnUnreadableCopyOpensFromTheOther() throws IOException {
        SimulatedDisk disk = formattedDisk(2);
        Volume volume = open(disk);
        assertNull(ManualIo.write(volume, BLOCK * B3, fill(7)));
        volume.close();
        SimulatedDisk secondDisk = disk.reopen();
        Volume second = open(secondDisk);
        assertNull(ManualIo.write(second, BLOCK * (B3 + 1), fill(8)));
        assertNull(ManualIo.flush(second));
        secondDisk.crash(); // the new tuple is only in the log: recovery must read the group's pair
        SimulatedDisk third = secondDisk.reopen();
        third.injectLatentSectorError(IoPort.METADATA_FILE, geometry.imdPairOffsetBytes(GROUP) / BLOCK + 1);
        Volume recovered = open(third);
        MemorySegment back = MemorySegment.ofArray(new byte[BLOCK]);
        assertNull(ManualIo.read(recovered, BLOCK * B3, back));
        assertEquals(-1, back.mismatch(fill(7)));
        assertNull(ManualIo.read(recovered, BLOCK * (B3 + 1), back));
        assertEquals(-1, back.mismatch(fill(8)));
        recovered.close();
    }

    private MemorySegment fill(int value) {
        return arena.allocate(BLOCK, 8).fill((byte) value);
    }




    private SimulatedDisk formattedDisk(long seed) throws IOException {
        SimulatedDisk disk = SimulatedDisk.builder(seed).dataFileBytes(1L << 20)
            .faultPlan(FaultPlan.none().withCrash(0.0, 0.0)).build();
        geometry = PortFormatter.format(disk, BLOCK, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED,
            new UUID(6, seed)).geometry();
        return disk;
    }

    private static Volume open(SimulatedDisk disk) throws IOException {
        return VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("sim")), true);
    }
}
