package dev.csum;

import dev.csum.engine.LogRecovery;
import dev.csum.engine.LogSettling;
import dev.csum.format.Superblock;
import dev.csum.format.VolumeConverter;
import dev.csum.format.VolumeFormatter;
import dev.csum.format.VolumeLabel;
import dev.csum.format.VolumeResizer;
import dev.csum.io.FileChannelIoPort;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The operations on a volume's devices while no session has it open — format, convert, inspect,
 * resize — behind {@link Volume}'s static methods (documented there): each maps its options to the
 * format layer's request and the format layer's refusal to the API's.
 */
final class VolumeTools {
    private VolumeTools() {
    }

    static VolumeInfo format(FormatOptions options) throws IOException {
        long sizeBytes = options.sizeBytes().orElse(VolumeFormatter.EXISTING_SIZE);
        try {
            return ApiMapping.info(VolumeFormatter.format(new VolumeFormatter.Request(options.dataPath(),
                options.metadataPath(), sizeBytes, options.blockSizeBytes(), ApiMapping.algorithm(options.checksum()),
                options.overwrite(), options.logSizeBytes(), ApiMapping.allocation(options.allocation()),
                options.logBlockBytes())));
        } catch (dev.csum.format.InvalidVolumeException refused) {
            throw ApiMapping.invalidVolume(refused);
        }
    }

    static VolumeInfo convert(ConvertOptions options) throws IOException {
        try {
            return ApiMapping.info(VolumeConverter.convert(new VolumeConverter.Request(options.dataPath(),
                options.metadataPath(), options.logSizeBytes()), VolumeTools::resolveVersionOneCrashStates));
        } catch (dev.csum.format.InvalidVolumeException refused) {
            throw ApiMapping.invalidVolume(refused);
        }
    }

    /** Convert's first step: the version 1 crash states resolved in place (FORMAT.md §7.1). */
    private static int resolveVersionOneCrashStates(Superblock versionOne, Path dataPath, Path metadataPathOrNull)
            throws IOException {
        try (IoPort port = FileChannelIoPort.open(dataPath, metadataPathOrNull, 32, false, versionOne.blockSizeBytes())) {
            return LogRecovery.resolveVersionOneCrashStates(port, versionOne);
        }
    }

    static VolumeInspection inspect(Path dataPath, Path metadataPathOrNull) throws IOException {
        try {
            VolumeLabel.Opened label = VolumeLabel.read(OpenedDevices.existing(dataPath, "data device"),
                metadataPathOrNull == null ? null : OpenedDevices.existing(metadataPathOrNull, "metadata device"));
            return new VolumeInspection(ApiMapping.info(label.superblock()), label.usedBackup(), label.warnings());
        } catch (dev.csum.format.InvalidVolumeException refused) {
            throw ApiMapping.invalidVolume(refused);
        }
    }

    static VolumeInfo resize(ResizeOptions options) throws IOException {
        try {
            return ApiMapping.info(VolumeResizer.resize(new VolumeResizer.Request(options.dataPath(),
                options.metadataPath(), options.sizeBytes()), LogSettling::settle));
        } catch (dev.csum.format.InvalidVolumeException refused) {
            throw ApiMapping.invalidVolume(refused);
        }
    }
}
