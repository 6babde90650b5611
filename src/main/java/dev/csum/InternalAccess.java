package dev.csum;

import dev.csum.engine.EngineTestFault;
import dev.csum.format.PortFormatter;
import dev.csum.internal.VolumeInternals;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.util.UUID;

/** {@link Volume}'s side of {@link VolumeInternals}: the package-private operations behind the door. */
final class InternalAccess implements VolumeInternals.Access {
    @Override
    public Volume openOnPort(IoPort port, VolumeOptions options, boolean manualDrive, EngineTestFault testFault)
            throws IOException {
        return Volume.openOnPort(port, options, manualDrive, testFault);
    }

    @Override
    public boolean runUntilIdle(Volume volume, int maxSteps) throws IOException {
        return volume.runUntilIdle(maxSteps);
    }

    @Override
    public VolumeInfo formatOnPort(IoPort port, int blockSizeBytes, Checksum checksum, MetadataPlacement placement,
                                   UUID uuid) throws IOException {
        return ApiMapping.info(PortFormatter.format(port, blockSizeBytes, ApiMapping.algorithm(checksum),
            ApiMapping.placement(placement), uuid));
    }
}
