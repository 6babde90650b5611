package dev.csum.testkit;

import dev.csum.Checksum;
import dev.csum.Durability;
import dev.csum.MetadataPlacement;
import java.util.Objects;

/**
 * A volume on a simulated disk: what {@link SimulatedVolumes#create} builds. Immutable; start from
 * {@link #of(long)} and change a field with the {@code with…} methods. The same options give the
 * same run, operation for operation.
 *
 * @param seed every random choice of the disk (latencies, completion order, faults) derives from it
 * @param dataDeviceBytes size of the simulated data device; the volume fills it
 * @param metadataPlacement interleaved, or on a separate simulated metadata device sized to fit
 * @param blockSizeBytes 512 or 4096
 * @param checksum the per-block checksum
 * @param queueDepth device operations in flight at most
 * @param faults what the disk injects on its own
 * @param durability the volume's write durability
 * @param imdCacheBytes the volume's metadata cache (small values make it evict and reload groups)
 * @param bufferArenaBytes the volume's buffers for data in flight (a request may be at most half)
 * @param seedStaleBrother run the engine with a flaw of the 2009 dm-csum patch (a commit that updates
 *     the older metadata copy with only the new tuples), to show a test catches it; false otherwise
 */
public record SimulationOptions(long seed, long dataDeviceBytes, MetadataPlacement metadataPlacement,
                                int blockSizeBytes, Checksum checksum, int queueDepth, Faults faults,
                                Durability durability, long imdCacheBytes, long bufferArenaBytes,
                                boolean seedStaleBrother) {
    public SimulationOptions {
        Objects.requireNonNull(metadataPlacement, "metadataPlacement");
        Objects.requireNonNull(checksum, "checksum");
        Objects.requireNonNull(faults, "faults");
        Objects.requireNonNull(durability, "durability");
        if (blockSizeBytes != 512 && blockSizeBytes != 4096) {
            throw new IllegalArgumentException("block size must be 512 or 4096 bytes, was " + blockSizeBytes);
        }
        if (dataDeviceBytes < 64L * blockSizeBytes || dataDeviceBytes % 4096 != 0) {
            throw new IllegalArgumentException("the data device must be a multiple of 4096 bytes and hold at least"
                + " 64 blocks, was " + dataDeviceBytes + " bytes");
        }
        if (queueDepth < 1 || queueDepth > 4096) {
            throw new IllegalArgumentException("queue depth must be 1..4096, was " + queueDepth);
        }
    }

    /**
     * Seed {@code seed}: a 4 MiB interleaved volume of 4096-byte blocks, crc32c, queue depth 32, no
     * media faults, default durability, a 64 KiB metadata cache and 4 MiB of buffers.
     */
    public static SimulationOptions of(long seed) {
        return new SimulationOptions(seed, 4L << 20, MetadataPlacement.INTERLEAVED, 4096, Checksum.CRC32C, 32,
            Faults.none(), Durability.DEFAULT, 64L << 10, 4L << 20, false);
    }

    public SimulationOptions withDataDeviceBytes(long bytes) {
        return new SimulationOptions(seed, bytes, metadataPlacement, blockSizeBytes, checksum, queueDepth, faults,
            durability, imdCacheBytes, bufferArenaBytes, seedStaleBrother);
    }

    public SimulationOptions withMetadataPlacement(MetadataPlacement placement) {
        return new SimulationOptions(seed, dataDeviceBytes, placement, blockSizeBytes, checksum, queueDepth, faults,
            durability, imdCacheBytes, bufferArenaBytes, seedStaleBrother);
    }

    public SimulationOptions withBlockSizeBytes(int bytes) {
        return new SimulationOptions(seed, dataDeviceBytes, metadataPlacement, bytes, checksum, queueDepth, faults,
            durability, imdCacheBytes, bufferArenaBytes, seedStaleBrother);
    }

    public SimulationOptions withChecksum(Checksum algorithm) {
        return new SimulationOptions(seed, dataDeviceBytes, metadataPlacement, blockSizeBytes, algorithm, queueDepth,
            faults, durability, imdCacheBytes, bufferArenaBytes, seedStaleBrother);
    }

    public SimulationOptions withQueueDepth(int depth) {
        return new SimulationOptions(seed, dataDeviceBytes, metadataPlacement, blockSizeBytes, checksum, depth, faults,
            durability, imdCacheBytes, bufferArenaBytes, seedStaleBrother);
    }

    public SimulationOptions withFaults(Faults plan) {
        return new SimulationOptions(seed, dataDeviceBytes, metadataPlacement, blockSizeBytes, checksum, queueDepth, plan,
            durability, imdCacheBytes, bufferArenaBytes, seedStaleBrother);
    }

    public SimulationOptions withDurability(Durability mode) {
        return new SimulationOptions(seed, dataDeviceBytes, metadataPlacement, blockSizeBytes, checksum, queueDepth,
            faults, mode, imdCacheBytes, bufferArenaBytes, seedStaleBrother);
    }

    public SimulationOptions withImdCacheBytes(long bytes) {
        return new SimulationOptions(seed, dataDeviceBytes, metadataPlacement, blockSizeBytes, checksum, queueDepth,
            faults, durability, bytes, bufferArenaBytes, seedStaleBrother);
    }

    public SimulationOptions withBufferArenaBytes(long bytes) {
        return new SimulationOptions(seed, dataDeviceBytes, metadataPlacement, blockSizeBytes, checksum, queueDepth,
            faults, durability, imdCacheBytes, bytes, seedStaleBrother);
    }

    /** The seed's stale-brother commit: see {@link #seedStaleBrother()}. */
    public SimulationOptions withSeedStaleBrother(boolean enabled) {
        return new SimulationOptions(seed, dataDeviceBytes, metadataPlacement, blockSizeBytes, checksum, queueDepth,
            faults, durability, imdCacheBytes, bufferArenaBytes, enabled);
    }
}
