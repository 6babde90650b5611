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
 * @param dataDeviceBytes size of the simulated data device in bytes: a multiple of 4096 holding at
 *     least 64 blocks; the volume fills it
 * @param metadataPlacement interleaved, or on a separate simulated metadata device sized to fit
 * @param blockSizeBytes 512 or 4096
 * @param checksum the per-block checksum
 * @param queueDepth device operations in flight at most, 1..4096
 * @param faults what the disk injects on its own
 * @param durability the volume's write durability
 * @param imdCacheBytes the volume's metadata cache in bytes, at least 4096 (small values make it
 *     evict and reload groups)
 * @param bufferArenaBytes the volume's buffers for data in flight in bytes, at least 1 MiB (a request
 *     may be at most half)
 * @param harnessFault an ordering bug for the engine to commit, to show that a test catches it;
 *     {@link HarnessFault#NONE} otherwise
 */
public record SimulationOptions(long seed, long dataDeviceBytes, MetadataPlacement metadataPlacement,
                                int blockSizeBytes, Checksum checksum, int queueDepth, Faults faults,
                                Durability durability, long imdCacheBytes, long bufferArenaBytes,
                                HarnessFault harnessFault) {
    /**
     * Checks the components, each described above ({@code imdCacheBytes} and
     * {@code bufferArenaBytes} are checked by {@link SimulatedVolumes#create}).
     *
     * @throws NullPointerException when {@code metadataPlacement}, {@code checksum}, {@code faults},
     *     {@code durability} or {@code harnessFault} is null
     * @throws IllegalArgumentException when {@code blockSizeBytes} is neither 512 nor 4096,
     *     {@code dataDeviceBytes} is not a multiple of 4096 or holds fewer than 64 blocks, or
     *     {@code queueDepth} is outside 1..4096
     */
    public SimulationOptions {
        Objects.requireNonNull(metadataPlacement, "metadataPlacement");
        Objects.requireNonNull(checksum, "checksum");
        Objects.requireNonNull(faults, "faults");
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(harnessFault, "harnessFault (HarnessFault.NONE: a correct engine)");
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
     *
     * @param seed every random choice of the disk derives from it
     * @return the options
     */
    public static SimulationOptions of(long seed) {
        return new SimulationOptions(seed, 4L << 20, MetadataPlacement.INTERLEAVED, 4096, Checksum.CRC32C, 32,
            Faults.none(), Durability.DEFAULT, 64L << 10, 4L << 20, HarnessFault.NONE);
    }

    /**
     * These options with another data device size.
     *
     * @param bytes size of the simulated data device: a multiple of 4096 holding at least 64 blocks
     * @return a copy with that size
     * @throws IllegalArgumentException when {@code bytes} is not a multiple of 4096 or holds fewer
     *     than 64 blocks
     */
    public SimulationOptions withDataDeviceBytes(long bytes) {
        return new SimulationOptions(seed, bytes, metadataPlacement, blockSizeBytes, checksum, queueDepth, faults,
            durability, imdCacheBytes, bufferArenaBytes, harnessFault);
    }

    /**
     * These options with interleaved or separate metadata.
     *
     * @param placement where the volume keeps its metadata
     * @return a copy with that placement
     * @throws NullPointerException when {@code placement} is null
     */
    public SimulationOptions withMetadataPlacement(MetadataPlacement placement) {
        return new SimulationOptions(seed, dataDeviceBytes, placement, blockSizeBytes, checksum, queueDepth, faults,
            durability, imdCacheBytes, bufferArenaBytes, harnessFault);
    }

    /**
     * These options with another block size.
     *
     * @param bytes the checksum block size in bytes: 512 or 4096
     * @return a copy with that block size
     * @throws IllegalArgumentException when {@code bytes} is neither 512 nor 4096, or the data device
     *     holds fewer than 64 blocks of it
     */
    public SimulationOptions withBlockSizeBytes(int bytes) {
        return new SimulationOptions(seed, dataDeviceBytes, metadataPlacement, bytes, checksum, queueDepth, faults,
            durability, imdCacheBytes, bufferArenaBytes, harnessFault);
    }

    /**
     * These options with another per-block checksum.
     *
     * @param algorithm the checksum
     * @return a copy with that checksum
     * @throws NullPointerException when {@code algorithm} is null
     */
    public SimulationOptions withChecksum(Checksum algorithm) {
        return new SimulationOptions(seed, dataDeviceBytes, metadataPlacement, blockSizeBytes, algorithm, queueDepth,
            faults, durability, imdCacheBytes, bufferArenaBytes, harnessFault);
    }

    /**
     * These options with another queue depth.
     *
     * @param depth device operations in flight at most, 1..4096
     * @return a copy with that queue depth
     * @throws IllegalArgumentException when {@code depth} is outside 1..4096
     */
    public SimulationOptions withQueueDepth(int depth) {
        return new SimulationOptions(seed, dataDeviceBytes, metadataPlacement, blockSizeBytes, checksum, depth, faults,
            durability, imdCacheBytes, bufferArenaBytes, harnessFault);
    }

    /**
     * These options with another fault plan.
     *
     * @param plan what the disk injects on its own
     * @return a copy with that plan
     * @throws NullPointerException when {@code plan} is null
     */
    public SimulationOptions withFaults(Faults plan) {
        return new SimulationOptions(seed, dataDeviceBytes, metadataPlacement, blockSizeBytes, checksum, queueDepth, plan,
            durability, imdCacheBytes, bufferArenaBytes, harnessFault);
    }

    /**
     * These options with another write durability.
     *
     * @param mode the volume's write durability
     * @return a copy with that durability
     * @throws NullPointerException when {@code mode} is null
     */
    public SimulationOptions withDurability(Durability mode) {
        return new SimulationOptions(seed, dataDeviceBytes, metadataPlacement, blockSizeBytes, checksum, queueDepth,
            faults, mode, imdCacheBytes, bufferArenaBytes, harnessFault);
    }

    /**
     * These options with another metadata cache size.
     *
     * @param bytes the volume's metadata cache in bytes, at least 4096 (checked by
     *     {@link SimulatedVolumes#create}); small values make it evict and reload groups
     * @return a copy with that cache size
     */
    public SimulationOptions withImdCacheBytes(long bytes) {
        return new SimulationOptions(seed, dataDeviceBytes, metadataPlacement, blockSizeBytes, checksum, queueDepth,
            faults, durability, bytes, bufferArenaBytes, harnessFault);
    }

    /**
     * These options with another buffer arena size.
     *
     * @param bytes the volume's buffers for data in flight, in bytes: at least 1 MiB (checked by
     *     {@link SimulatedVolumes#create}); a request may be at most half
     * @return a copy with that arena size
     */
    public SimulationOptions withBufferArenaBytes(long bytes) {
        return new SimulationOptions(seed, dataDeviceBytes, metadataPlacement, blockSizeBytes, checksum, queueDepth,
            faults, durability, imdCacheBytes, bytes, harnessFault);
    }

    /**
     * These options with an ordering bug for the engine to commit: see {@link #harnessFault()}.
     *
     * @param fault the bug ({@link HarnessFault#NONE}: a correct engine)
     * @return a copy with that setting
     * @throws NullPointerException when {@code fault} is null
     */
    public SimulationOptions withHarnessFault(HarnessFault fault) {
        return new SimulationOptions(seed, dataDeviceBytes, metadataPlacement, blockSizeBytes, checksum, queueDepth,
            faults, durability, imdCacheBytes, bufferArenaBytes, fault);
    }
}
