package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertNull;

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

/**
 * The fixture of the parking, pair-less and log recovery tests: a 4 MiB simulated volume of
 * 512-byte blocks (interleaved, 62 blocks per group, no faults, no crash points); {@link #open} opens
 * it with a 16 KiB imd cache — 16 pair slots for its groups, so writes spread over the groups evict
 * dirty ones.
 *
 * @param disk     the formatted disk
 * @param geometry its layout
 */
record SmallCacheVolume(SimulatedDisk disk, Geometry geometry) {
    static final int BLOCK = 512;
    /** 62 tuples per group of 512-byte blocks. */
    static final int GROUP_BLOCKS = 62;
    private static final Arena ARENA = Arena.ofAuto();

    /** Formats a fresh disk; {@code seed} drives it, {@code volumeId} names the volume with it. */
    static SmallCacheVolume format(long seed, long volumeId) throws IOException {
        SimulatedDisk disk = SimulatedDisk.builder(seed).dataFileBytes(4L << 20)
            .faultPlan(FaultPlan.none().withCrash(0.0, 0.0)).build();
        Geometry geometry = PortFormatter.format(disk, BLOCK, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED,
            new UUID(volumeId, seed)).geometry();
        return new SmallCacheVolume(disk, geometry);
    }

    /** Opens the volume on {@code port} (its disk, or a test port over it) with the 16 KiB imd cache, driven by the caller's thread. */
    static Volume open(IoPort port) throws IOException {
        return VolumeInternals.openOnPort(port, VolumeOptions.of(Path.of("sim")).withImdCacheBytes(16 * 1024), true);
    }

    /** Block {@code index} of group {@code group}. */
    static long blockOf(int group, int index) {
        return (long) group * GROUP_BLOCKS + index;
    }

    /** One block of {@code value} bytes. */
    static MemorySegment fill(int value) {
        return ARENA.allocate(BLOCK, 8).fill((byte) value);
    }

    /** Reads {@code block} back (asserting the read succeeds). */
    static MemorySegment readBack(Volume volume, long block) throws IOException {
        MemorySegment back = MemorySegment.ofArray(new byte[BLOCK]);
        assertNull(ManualIo.read(volume, BLOCK * block, back), "read of block " + block);
        return back;
    }
}
