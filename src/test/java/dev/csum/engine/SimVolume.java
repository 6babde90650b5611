package dev.csum.engine;

import dev.csum.format.PortFormatter;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.format.MetadataPlacement;
import dev.csum.format.Superblock;
import dev.csum.io.SimulatedDisk;
import dev.csum.internal.VolumeInternals;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;

/** Test helper: a volume on a simulated disk, driven manually on the test's thread. */
final class SimVolume {
    final SimulatedDisk disk;
    final Superblock superblock;
    Volume volume;

    private SimVolume(SimulatedDisk disk, Superblock superblock) throws IOException {
        this.disk = disk;
        this.superblock = superblock;
        this.volume = open(disk);
    }

    static SimVolume create(long seed, long dataFileBytes, int blockSizeBytes, MetadataPlacement placement)
            throws IOException {
        SimulatedDisk.Builder builder = SimulatedDisk.builder(seed).dataFileBytes(dataFileBytes).queueDepth(32);
        if (placement == MetadataPlacement.SEPARATE) {
            builder.metadataFileBytes(dataFileBytes / 8 + 64 * 1024);
        }
        SimulatedDisk disk = builder.build();
        Superblock superblock = PortFormatter.format(disk, blockSizeBytes, ChecksumAlgorithm.CRC32C, placement,
            new UUID(seed, ~seed));
        return new SimVolume(disk, superblock);
    }

    static Volume open(SimulatedDisk disk) throws IOException {
        return VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("sim")).withImdCacheBytes(64 * 1024), true);
    }

    void run() throws IOException {
        if (!VolumeInternals.runUntilIdle(volume, 10_000_000)) {
            throw new AssertionError("engine did not become idle");
        }
    }

    /** Simulates a crash: abandons the volume and everything in flight, then reopens on the media. */
    void crashAndReopen() throws IOException {
        disk.crash();
        SimulatedDisk fresh = disk.reopen();
        volume = open(fresh);
        reopenedDisk = fresh;
    }

    SimulatedDisk reopenedDisk;

    SimulatedDisk currentDisk() {
        return reopenedDisk != null ? reopenedDisk : disk;
    }
}
