package dev.csum.cli;

import dev.csum.Checksum;
import dev.csum.FileAllocation;
import dev.csum.FormatOptions;
import dev.csum.Volume;
import dev.csum.VolumeInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.TypeConversionException;

/** {@code csum format}: writes a new volume's superblocks and empty metadata (never the data area). */
@Command(name = "format", sortOptions = false,
    description = {"Create a volume on DEVICE: superblocks and empty checksum metadata; the data area is never written"
            + " except as --allocation zeroed lays out a file.",
        "Creates DEVICE when --size is given and it does not exist. Without --force it refuses, naming what it found"
            + " and before writing anything, a device that holds a volume, file system, partition table, LUKS or LVM"
            + " header, swap, or any non-zero byte in its first or last MiB."})
final class FormatCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "DEVICE", description = "Data device: a file (created with --size) or block device.")
    Path device;

    @Option(names = {"-M", "--metadata"}, paramLabel = "DEVICE",
        description = "Keep the checksum metadata on this separate device (created as needed).")
    Path metadata;

    @Option(names = {"-s", "--size"}, paramLabel = "BYTES", converter = Sizes.BytesConverter.class,
        description = "Data device size (e.g. 64m, 10g); default: the existing file's or device's size.")
    Long sizeBytes;

    @Option(names = {"-b", "--block-size"}, paramLabel = "BYTES", defaultValue = "4096",
        converter = BlockSizeConverter.class,
        description = "Checksum block size: 512 or 4096 (default ${DEFAULT-VALUE}).")
    int blockSizeBytes;

    @Option(names = {"-c", "--checksum"}, paramLabel = "ALGORITHM", defaultValue = "crc32c",
        converter = ChecksumConverter.class,
        description = "crc32c, crc16-ccitt or crc16-t10dif (default ${DEFAULT-VALUE}).")
    Checksum checksum;

    @Option(names = "--log-size", paramLabel = "BYTES", converter = Sizes.BytesConverter.class,
        description = "Size of the tuple log (e.g. 4m): whole blocks, at least 16 of them. Default: 1/64 of the data"
            + " area but at least 64 MiB or a sixteenth of it; at least 256 KiB, at most 1 GiB.")
    Long logSizeBytes;

    @Option(names = "--log-block-size", paramLabel = "BYTES", converter = BlockSizeConverter.class,
        description = {"The unit the tuple log's records are written in: 512, or the block size. Default: 512 when the"
            + " blocks are larger and the metadata device takes 512-byte direct I/O (the log then fills, and"
            + " checkpoints, up to 8x less often), else the block size.",
            "Give the block size for a device whose physical sectors are larger than 512 bytes and that may damage a"
                + " whole physical sector at a power loss (docs/RELIABILITY.md)."})
    Integer logBlockBytes;

    @Option(names = "--allocation", paramLabel = "KIND", defaultValue = "auto", converter = AllocationConverter.class,
        description = {"How a regular file is laid out, all reading as zeros: sparse (holes: thin, first writes slower),"
            + " reserved (fallocate: the space taken, metadata-fast) or zeroed (zeros written, ~1 s per GiB).",
            "Default auto: zeroed when the blocks are smaller than the file system's (a 512-byte write into a never"
                + " written 4 KiB file-system block runs alone on ext4: ~10x slower first writes), else reserved."})
    FileAllocation allocation;

    @Option(names = {"-f", "--force"},
        description = "Overwrite whatever DEVICE and the metadata device hold: a volume, file system or data there is lost.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (logSizeBytes != null && logSizeBytes <= 0) {
            throw new IllegalArgumentException("--log-size must be positive, was " + logSizeBytes);
        }
        FormatOptions options = FormatOptions.of(device).withMetadataPath(metadata).withBlockSizeBytes(blockSizeBytes)
            .withChecksum(checksum).withOverwrite(force).withLogSizeBytes(logSizeBytes == null ? 0 : logSizeBytes)
            .withAllocation(allocation).withLogBlockBytes(logBlockBytes == null ? 0 : logBlockBytes);
        VolumeInfo info = Volume.format(sizeBytes == null ? options : options.withSizeBytes(sizeBytes));
        main.out.printf("formatted %s: %s usable in %,d blocks of %d bytes, %s, %s metadata (%,d groups of %d blocks)%n",
            device, Sizes.human(info.usableBytes()), info.dataBlockCount(), info.blockSizeBytes(),
            info.checksum().displayName(), metadata == null ? "interleaved" : "separate (" + metadata + ")",
            info.groupCount(), info.blocksPerGroup());
        main.out.printf("tuple log %s (%,d bytes) in %d-byte log blocks on the %s device; data area %s%n",
            Sizes.human(info.logSizeBytes()), info.logSizeBytes(), info.logBlockBytes(), metadata == null ? "data" : "metadata",
            info.dataZeroed() ? "zeroed" : "not zeroed (the device cannot zero it without writing it)");
        if (Files.isRegularFile(device)) {
            FileAllocation made = allocation.resolvedFor(device, blockSizeBytes);
            main.out.printf("file allocation %s%s%n", made.displayName(), made == allocation ? "" : " (auto)");
        }
        main.out.printf("volume uuid %s%n", info.uuid());
        return ExitCode.OK;
    }

    /** 512 or 4096, typed as bytes or with a suffix ({@code 4k}). */
    static final class BlockSizeConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            long bytes;
            try {
                bytes = Sizes.parseBytes(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
            if (bytes != 512 && bytes != 4096) {
                throw new TypeConversionException("block size must be 512 or 4096 bytes, not " + value);
            }
            return (int) bytes;
        }
    }

    /** A value by name through a {@code fromName} whose IllegalArgumentException lists the valid names. */
    abstract static class ByName<T> implements ITypeConverter<T> {
        private final Function<String, T> fromName;

        ByName(Function<String, T> fromName) {
            this.fromName = fromName;
        }

        @Override
        public T convert(String value) {
            try {
                return fromName.apply(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** A file allocation by name. */
    static final class AllocationConverter extends ByName<FileAllocation> {
        AllocationConverter() {
            super(FileAllocation::fromName);
        }
    }

    /** A checksum algorithm by name. */
    static final class ChecksumConverter extends ByName<Checksum> {
        ChecksumConverter() {
            super(Checksum::fromName);
        }
    }
}
