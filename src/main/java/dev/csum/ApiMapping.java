package dev.csum;

import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.format.Geometry;
import dev.csum.format.Superblock;

/**
 * Translations between the API's types and the internal ones they stand for. The layers below the
 * API never see an API type, so every translation happens here, in the API package.
 */
final class ApiMapping {
    private ApiMapping() {
    }

    static ChecksumAlgorithm algorithm(Checksum checksum) {
        return ChecksumAlgorithm.fromName(checksum.displayName());
    }

    static Checksum checksum(ChecksumAlgorithm algorithm) {
        return Checksum.fromName(algorithm.displayName());
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

    static VolumeInfo info(Superblock superblock) {
        Geometry geometry = superblock.geometry();
        return new VolumeInfo(superblock.volumeUuid(), superblock.formatVersion(), geometry.blockSizeBytes(),
            checksum(superblock.checksum()), placement(geometry.placement()), geometry.dataBlockCount(),
            geometry.usableBytes(), geometry.groupCount(), geometry.tuplesPerGroup(),
            geometry.backupSuperblockOffsetBytes(), geometry.dataFileSizeBytes(), geometry.metadataFileSizeBytes());
    }
}
