package dev.csum.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.checksum.ChecksumAlgorithm;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.opentest4j.AssertionFailedError;

/** Format refuses, before writing anything, a device that holds something, and says what; force overwrites it. */
class ExistingContentTest {

    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private static VolumeFormatter.Request request(Path data, Path metadata, long sizeBytes, boolean force) {
        return new VolumeFormatter.Request(data, metadata, sizeBytes, 512, ChecksumAlgorithm.CRC32C, force);
    }

    /** Asserts format without force refuses {@code data} with exactly {@code message} and leaves its bytes as they were. */
    private static void assertRefused(Path data, String message) throws Exception {
        String before = Tools.sha256(data);
        InvalidVolumeException refusal = assertThrows(InvalidVolumeException.class,
                () -> VolumeFormatter.format(request(data, null, -1, false)));
        assertEquals(message, refusal.getMessage());
        assertEquals(before, Tools.sha256(data), "the refused format wrote nothing");
    }

    private static String refusal(Path data, String holds) {
        return "data device " + data + " holds " + holds + "; format with --force to overwrite it";
    }

    private Path sparseFile(String name, long sizeBytes) throws Exception {
        return ForeignImage.sparseFile(dir.resolve(name), sizeBytes);
    }

    @ParameterizedTest(name = "{0} is refused by name, left as it was, and overwritten with force")
    @EnumSource(ForeignImage.class)
    void aDeviceHoldingAKnownSignatureIsRefusedByNameUnlessForced(ForeignImage image) throws Exception {
        Path file = image.make(dir);
        assertRefused(file, refusal(file, image.holds));
        Superblock formatted = VolumeFormatter.format(request(file, null, -1, true));
        assertEquals(formatted, VolumeLabel.read(file, null).superblock());
        assertEquals((long) image.sizeMebibytes << 20, Files.size(file));
    }

    @Test
    void aMetadataDeviceHoldingAFileSystemIsRefusedBeforeTheDataDeviceIsCreated() throws Exception {
        Path data = dir.resolve("data");
        Path metadata = ForeignImage.EXT4.make(dir);
        String before = Tools.sha256(metadata);
        InvalidVolumeException refusal = assertThrows(InvalidVolumeException.class,
                () -> VolumeFormatter.format(request(data, metadata, 8 * MIB, false)));
        assertEquals("metadata device " + metadata + " holds " + ForeignImage.EXT4.holds + "; format with --force to overwrite it",
                refusal.getMessage());
        assertEquals(before, Tools.sha256(metadata), "the refused format wrote nothing");
        assertFalse(Files.exists(data), "the refused format created nothing");
        VolumeFormatter.format(request(data, metadata, 8 * MIB, true));
        assertEquals(DeviceRole.DATA, VolumeLabel.read(data, metadata).superblock().role());
    }

    @Test
    void zeroFilledAndFreshSparseFilesAreFormattedWithoutForce() throws Exception {
        Path zeroFilled = dir.resolve("zeros");
        Files.write(zeroFilled, new byte[(int) (4 * MIB)]);
        VolumeFormatter.format(request(zeroFilled, null, -1, false));
        assertEquals(DeviceRole.COMBINED, VolumeLabel.read(zeroFilled, null).superblock().role());

        Path sparse = sparseFile("sparse", 64 * MIB);
        VolumeFormatter.format(request(sparse, null, -1, false));
        assertEquals(DeviceRole.COMBINED, VolumeLabel.read(sparse, null).superblock().role());
    }

    @Test
    void aNonZeroByteInTheFirstOrLastMiBIsRefusedNamingItsOffset() throws Exception {
        long size = 4 * MIB;
        for (long offset : new long[] {0, MIB - 1, size - MIB, size - 1}) {
            Path file = sparseFile("data-at-" + offset, size);
            ForeignImage.overwrite(file, offset, new byte[] {0x01});
            assertRefused(file, refusal(file, "data: non-zero byte at offset " + offset));
        }
        Path twoBytes = sparseFile("two-bytes", size);
        ForeignImage.overwrite(twoBytes, size - 100, new byte[] {0x01});
        ForeignImage.overwrite(twoBytes, 300_000, new byte[] {(byte) 0x80});
        assertRefused(twoBytes, refusal(twoBytes, "data: non-zero byte at offset 300000"));
    }

    @Test
    void aDeviceSmallerThanTwoMiBIsScannedWhole() throws Exception {
        long size = 3 * MIB / 2;
        for (long offset : new long[] {MIB, 5 * MIB / 4}) {
            Path file = sparseFile("small-" + offset, size);
            ForeignImage.overwrite(file, offset, new byte[] {0x01});
            assertRefused(file, refusal(file, "data: non-zero byte at offset " + offset));
        }
    }

    @Test
    void bytesBetweenTheFirstAndLastMiBAreNotScanned() throws Exception {
        Path file = sparseFile("middle", 4 * MIB);
        ForeignImage.overwrite(file, 2 * MIB, new byte[] {0x01});
        VolumeFormatter.format(request(file, null, -1, false));
        assertEquals(DeviceRole.COMBINED, VolumeLabel.read(file, null).superblock().role());
    }

    @Test
    void aCsumVolumeWithBothSuperblocksZeroedIsRefusedForItsData() throws Exception {
        Path file = dir.resolve("volume");
        Geometry geometry = VolumeFormatter.format(request(file, null, 4 * MIB, false)).geometry();
        try (Volume volume = Volume.open(VolumeOptions.of(file)); Arena arena = Arena.ofConfined()) {
            volume.writeBlocking(0, arena.allocate(8192).fill((byte) 7));
        }
        byte[] zeros = new byte[geometry.blockSizeBytes()];
        ForeignImage.overwrite(file, 0, zeros);
        ForeignImage.overwrite(file, geometry.backupSuperblockOffsetBytes(), zeros);
        byte[] bytes = Files.readAllBytes(file);
        long firstNonZero = Arrays.mismatch(bytes, new byte[bytes.length]);
        assertTrue(firstNonZero >= zeros.length, "the imd blocks and data written are what is left: " + firstNonZero);
        assertRefused(file, refusal(file, "data: non-zero byte at offset " + firstNonZero));
    }

    @Test
    void aCsumVolumeWithBothSuperblocksCorruptIsRefused() throws Exception {
        Path file = dir.resolve("volume");
        Geometry geometry = VolumeFormatter.format(request(file, null, 4 * MIB, false)).geometry();
        long backup = geometry.backupSuperblockOffsetBytes();
        // A wrong checksum in both: the magic is still there.
        byte[] damaged = Files.readAllBytes(file);
        damaged[Superblock.CHECKSUM_OFFSET] ^= (byte) 0xFF;
        damaged[Math.toIntExact(backup) + Superblock.CHECKSUM_OFFSET] ^= (byte) 0xFF;
        Files.write(file, damaged);
        assertRefused(file, refusal(file,
                "a csum volume whose superblocks do not validate (superblock magic \"CSUMVOL\\x1A\" at byte 0)"));
        // Both overwritten with garbage: the magic is gone too.
        byte[] garbage = new byte[geometry.blockSizeBytes()];
        Arrays.fill(garbage, (byte) 0xA5);
        ForeignImage.overwrite(file, 0, garbage);
        ForeignImage.overwrite(file, backup, garbage);
        assertRefused(file, refusal(file, "data: non-zero byte at offset 0"));
        VolumeFormatter.format(request(file, null, -1, true));
        assertEquals(4 * MIB, Files.size(file));
    }

    @Test
    void aValidCsumVolumeIsNamedByItsUuid() throws Exception {
        Path file = dir.resolve("volume");
        Superblock existing = VolumeFormatter.format(request(file, null, 4 * MIB, false));
        String before = Tools.sha256(file);
        InvalidVolumeException refusal = assertThrows(InvalidVolumeException.class,
                () -> VolumeFormatter.format(request(file, null, -1, false)));
        assertEquals("data device " + file + " already holds csum volume " + existing.volumeUuid()
                + "; format with --force to overwrite it", refusal.getMessage());
        assertEquals(before, Tools.sha256(file));
    }

    @Test
    void aMissingToolFailsTheTestNamingTheDebianPackage() {
        AssertionFailedError missing = assertThrows(AssertionFailedError.class,
                () -> Tools.require("csum-no-such-tool", "csum-no-such-package"));
        assertEquals("csum-no-such-tool is missing: install the Debian package csum-no-such-package"
                + " (bin/test installs it when run as root)",
                missing.getMessage());
    }
}
