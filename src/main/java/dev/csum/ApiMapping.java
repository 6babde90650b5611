package dev.csum;

import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.engine.ChecksumMismatchException;
import dev.csum.engine.EngineCounters;
import dev.csum.engine.Request;
import dev.csum.engine.ResultDelivery;
import dev.csum.format.Geometry;
import dev.csum.format.LogRegion;
import dev.csum.format.Superblock;
import java.io.IOException;

/**
 * Translations between the API's types and the internal ones they stand for. The layers below the
 * API never see an API type, so every translation happens here, in the API package.
 */
final class ApiMapping {
    private ApiMapping() {
    }

    /** The API's checksums are the internal algorithms, constant for constant (VolumeInfoTest checks it). */
    static ChecksumAlgorithm algorithm(Checksum checksum) {
        return ChecksumAlgorithm.valueOf(checksum.name());
    }

    static Checksum checksum(ChecksumAlgorithm algorithm) {
        return Checksum.valueOf(algorithm.name());
    }

    /** The API's allocations are the format's, constant for constant (FileAllocationTest checks it). */
    static dev.csum.format.FileAllocation allocation(FileAllocation allocation) {
        return dev.csum.format.FileAllocation.valueOf(allocation.name());
    }

    static FileAllocation allocation(dev.csum.format.FileAllocation allocation) {
        return FileAllocation.valueOf(allocation.name());
    }

    static dev.csum.format.MetadataPlacement placement(MetadataPlacement placement) {
        return switch (placement) {
            case INTERLEAVED -> dev.csum.format.MetadataPlacement.INTERLEAVED;
            case SEPARATE -> dev.csum.format.MetadataPlacement.SEPARATE;
        };
    }

    static MetadataPlacement placement(dev.csum.format.MetadataPlacement placement) {
        return switch (placement) {
            case INTERLEAVED -> MetadataPlacement.INTERLEAVED;
            case SEPARATE -> MetadataPlacement.SEPARATE;
        };
    }

    /** Indexed by the engine's request kind byte: {@code Request.READ}, {@code WRITE}, {@code FLUSH}. */
    private static final RequestKind[] REQUEST_KINDS = new RequestKind[6];

    static {
        REQUEST_KINDS[Request.READ] = RequestKind.READ;
        REQUEST_KINDS[Request.WRITE] = RequestKind.WRITE;
        REQUEST_KINDS[Request.FLUSH] = RequestKind.FLUSH;
        REQUEST_KINDS[Request.DISCARD] = RequestKind.DISCARD;
        REQUEST_KINDS[Request.WRITE_ZEROES] = RequestKind.WRITE_ZEROES;
    }

    /** The API kind of an engine request kind; no allocation (the event loop calls it per request). */
    static RequestKind requestKind(byte kind) {
        return REQUEST_KINDS[kind];
    }

    /**
     * The engine's {@link ResultDelivery}: the engine holds each request's {@link IoCallback} as an
     * opaque object; this calls it with the failure in API terms (a checksum mismatch becomes an
     * {@link IntegrityException}). On the event loop; allocates only for a mismatch.
     */
    static void deliver(Object callback, long token, IOException failure) {
        ((IoCallback) callback).onComplete(token, apiFailure(failure));
    }

    /** {@code failure} as the API reports it: an engine checksum mismatch is an {@link IntegrityException}. */
    static IOException apiFailure(IOException failure) {
        if (failure instanceof ChecksumMismatchException mismatch) {
            return new IntegrityException(mismatch.reason(), mismatch.requestOffsetBytes(), mismatch.badBlocks(),
                mismatch.blockSizeBytes());
        }
        return failure;
    }

    /** The format layer's refusal as the API's, with the same message. */
    static InvalidVolumeException invalidVolume(dev.csum.format.InvalidVolumeException refused) {
        return new InvalidVolumeException(refused.getMessage(), refused);
    }

    static VolumeStats stats(EngineCounters c) {
        return new VolumeStats(c.reads(), c.writes(), c.flushes(), c.bytesRead(), c.bytesWritten(), c.mismatches(),
            c.recheckRecoveries(), c.metadataFallbacks(), c.imdConfirmReads(), c.imdCacheHits(), c.imdCacheMisses(),
            c.imdCommits(), c.requestsInFlight(), c.imdRepairsDeferred(), c.imdRepairFailures(), c.deviceReads(),
            c.deviceWrites(), c.deviceBytesRead(), c.deviceBytesWritten(), c.deviceFlushes(), c.discards(),
            c.bytesDiscarded(), c.devicePunches(), c.logRecords(), c.logEntries(), c.checkpointWrites(),
            c.checkpointRounds(), c.groupsParked(), c.parkedReloads(), c.pairlessCommits(), c.pairlessLoads(),
            c.checkpointNanos(), c.checkpointSyncNanos());
    }

    static VolumeInfo info(Superblock superblock) {
        Geometry geometry = superblock.geometry();
        LogRegion log = superblock.logRegion();
        return new VolumeInfo(superblock.volumeUuid(), superblock.formatVersion(), geometry.blockSizeBytes(),
            checksum(superblock.checksum()), placement(geometry.placement()), geometry.dataBlockCount(),
            geometry.usableBytes(), geometry.groupCount(), geometry.tuplesPerGroup(),
            geometry.backupSuperblockOffsetBytes(), geometry.dataFileSizeBytes(), geometry.metadataFileSizeBytes(),
            log.lengthBytes(), superblock.dataZeroed(), log.blockBytes());
    }
}
