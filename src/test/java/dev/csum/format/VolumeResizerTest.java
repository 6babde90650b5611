package dev.csum.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.FormatOptions;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.engine.LogSettling;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The grow's writes and their crash states (docs/FORMAT.md §7.2): stopped after each step, as a crash
 * would leave it, the volume opens as the old size (before the commit) or the new (from it), every
 * block written reading back, and grow run again finishes it. A torn commit finds the new backup.
 */
class VolumeResizerTest {
    private static final long OLD_SIZE = 4L << 20;
    private static final long NEW_SIZE = 9L << 20;

    @TempDir
    Path dir;

    private record Written(long block, byte[] bytes) {
    }

    /** Formats a volume and writes recognisable blocks, the old last block included; returns them. */
    private static List<Written> formatAndWrite(Path data, Path metadata, int blockSize) throws IOException {
        Volume.format(FormatOptions.of(data).withMetadataPath(metadata).withSizeBytes(OLD_SIZE).withBlockSizeBytes(blockSize));
        Random random = new Random(blockSize);
        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata))) {
            long blocks = volume.sizeBytes() / blockSize;
            List<Written> written = List.of(new Written(0, new byte[3 * blockSize]), new Written(70, new byte[blockSize]),
                new Written(blocks - 3, new byte[3 * blockSize]));
            for (Written w : written) {
                random.nextBytes(w.bytes());
                volume.writeBlocking(w.block() * blockSize, w.bytes(), 0, w.bytes().length);
            }
            return written;
        }
    }

    private static void assertReads(Path data, Path metadata, boolean readOnly, List<Written> written) throws IOException {
        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata).withReadOnly(readOnly))) {
            for (Written w : written) {
                byte[] read = new byte[w.bytes().length];
                volume.readBlocking(w.block() * volume.blockSizeBytes(), read, 0, read.length);
                assertArrayEquals(w.bytes(), read, "blocks from " + w.block());
            }
        }
    }

    private static VolumeResizer.Request request(Path data, Path metadata) {
        return new VolumeResizer.Request(data, metadata, NEW_SIZE);
    }

    @ParameterizedTest(name = "separate={0}, block {1}, stopped after {2}")
    @CsvSource({"false, 4096, SETTLED", "false, 4096, ZEROED", "false, 4096, BACKUP_WRITTEN", "false, 4096, OLD_BACKUP_ZEROED",
        "false, 512, ZEROED", "false, 512, OLD_BACKUP_ZEROED",
        "true, 4096, SETTLED", "true, 4096, ZEROED", "true, 4096, BACKUP_WRITTEN", "true, 4096, OLD_BACKUP_ZEROED",
        "true, 512, OLD_BACKUP_ZEROED"})
    void aCrashBeforeTheCommitLeavesTheOldVolume(boolean separate, int blockSize, VolumeResizer.Step step) throws IOException {
        Path data = dir.resolve("data");
        Path metadata = separate ? dir.resolve("meta") : null;
        List<Written> written = formatAndWrite(data, metadata, blockSize);
        Superblock old = VolumeLabel.read(data, metadata).superblock();

        assertEquals(old, VolumeResizer.resize(request(data, metadata), LogSettling::settle, step));

        VolumeLabel.Opened label = VolumeLabel.read(data, metadata);
        assertEquals(old, label.superblock(), "the old volume");
        assertEquals(Set.of(), label.damagedPrimaries());
        assertEquals(step == VolumeResizer.Step.OLD_BACKUP_ZEROED ? 1 : 0, label.warnings().size(), "only the old backup gone");
        assertReads(data, metadata, true, written);
        assertReads(data, metadata, false, written);

        Superblock grown = VolumeResizer.resize(request(data, metadata), LogSettling::settle);
        assertTrue(grown.dataBlockCount() > old.dataBlockCount());
        assertEquals(grown, VolumeLabel.read(data, metadata).superblock());
        assertEquals(List.of(), VolumeLabel.read(data, metadata).warnings());
        assertReads(data, metadata, false, written);
    }

    @ParameterizedTest(name = "separate={0}, block {1}")
    @CsvSource({"false, 4096", "false, 512", "true, 4096", "true, 512"})
    void aCrashAfterTheCommitLeavesTheNewVolume(boolean separate, int blockSize) throws IOException {
        Path data = dir.resolve("data");
        Path metadata = separate ? dir.resolve("meta") : null;
        List<Written> written = formatAndWrite(data, metadata, blockSize);
        Superblock old = VolumeLabel.read(data, metadata).superblock();

        Superblock grown = VolumeResizer.resize(request(data, metadata), LogSettling::settle, VolumeResizer.Step.COMMITTED);

        VolumeLabel.Opened label = VolumeLabel.read(data, metadata);
        assertEquals(grown, label.superblock(), "the new volume");
        assertEquals(separate ? Set.of(DeviceRole.DATA) : Set.of(), label.damagedPrimaries());
        if (separate) {
            assertEquals(List.of(data + ": superblock of " + old.dataBlockCount() + " data blocks, the metadata device's of "
                + grown.dataBlockCount() + " (a resize was interrupted); using the metadata device's copy"), label.warnings());
        }
        assertReads(data, metadata, true, written);
        assertReads(data, metadata, false, written); // a writable open rewrites the data device's primary
        assertEquals(List.of(), VolumeLabel.read(data, metadata).warnings());
        assertEquals(grown, VolumeResizer.resize(request(data, metadata), LogSettling::settle), "already that size");
    }

    /** A power loss tearing the commit write damages the primary: the new backup, complete, stands in. */
    @ParameterizedTest(name = "separate={0}")
    @CsvSource({"false", "true"})
    void aTornCommitFindsTheNewBackup(boolean separate) throws IOException {
        Path data = dir.resolve("data");
        Path metadata = separate ? dir.resolve("meta") : null;
        List<Written> written = formatAndWrite(data, metadata, 4096);
        VolumeResizer.resize(request(data, metadata), LogSettling::settle, VolumeResizer.Step.OLD_BACKUP_ZEROED);
        Superblock grown = ResizePlan.withDataBlocks(VolumeLabel.read(data, metadata).superblock(),
            Geometry.dataBlocksFitting(NEW_SIZE, 4096, separate ? MetadataPlacement.SEPARATE : MetadataPlacement.INTERLEAVED,
                VolumeLabel.read(data, metadata).superblock().logBlockCount()));
        tearPrimary(separate ? metadata : data, grown.metadataCopy());

        VolumeLabel.Opened label = VolumeLabel.read(data, metadata);
        assertEquals(grown, label.superblock(), "the new volume, from its backup");
        assertReads(data, metadata, false, written);
        assertEquals(List.of(), VolumeLabel.read(data, metadata).warnings(), "a writable open restored the primaries");
    }

    /** The first half of the new primary over the old one's block 0: what a torn 4096-byte write leaves. */
    private static void tearPrimary(Path device, Superblock written) throws IOException {
        MemorySegment block = MemorySegment.ofArray(new byte[written.blockSizeBytes()]);
        written.encode(block);
        byte[] all = block.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        try (RandomAccessFile file = new RandomAccessFile(device.toFile(), "rw")) {
            byte[] old = new byte[all.length];
            file.readFully(old);
            System.arraycopy(all, 0, old, 0, 512);
            old[100] ^= 1; // the halves differ in the geometry fields; make sure the checksum fails
            file.seek(0);
            file.write(old);
        }
        try (FileChannel channel = FileChannel.open(device)) {
            assertEquals(SuperblockValidity.DAMAGED, Superblock.inspect(VolumeFiles.read(channel, 0, 4096)).validity());
        }
    }

    /** A volume with blocks written only in its first half, and what they hold. */
    private static List<Written> formatAndWriteLow(Path data, Path metadata, int blockSize) throws IOException {
        dev.csum.VolumeInfo info = Volume.format(FormatOptions.of(data).withMetadataPath(metadata).withSizeBytes(OLD_SIZE)
            .withBlockSizeBytes(blockSize));
        List<Written> written = List.of(new Written(0, new byte[3 * blockSize]), new Written(70, new byte[blockSize]),
            new Written(shrunkBlocks(info) - 3, new byte[2 * blockSize])); // next to the new last block
        Random random = new Random(blockSize + 1);
        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata))) {
            for (Written w : written) {
                random.nextBytes(w.bytes());
                volume.writeBlocking(w.block() * blockSize, w.bytes(), 0, w.bytes().length);
            }
        }
        return written;
    }

    private static final long SHRUNK_SIZE = 2L << 20;

    private static long shrunkBlocks(dev.csum.VolumeInfo info) {
        return Geometry.dataBlocksFitting(SHRUNK_SIZE, info.blockSizeBytes(), info.metadataPlacement() == dev.csum.MetadataPlacement.SEPARATE
            ? MetadataPlacement.SEPARATE : MetadataPlacement.INTERLEAVED, info.logSizeBytes() / info.blockSizeBytes());
    }

    private static VolumeResizer.Request shrinkRequest(Path data, Path metadata) {
        return new VolumeResizer.Request(data, metadata, SHRUNK_SIZE);
    }

    @ParameterizedTest(name = "separate={0}, block {1}, stopped after {2}")
    @CsvSource({"false, 4096, SETTLED", "false, 4096, ZEROED", "false, 512, ZEROED",
        "true, 4096, SETTLED", "true, 4096, ZEROED", "true, 512, ZEROED"})
    void aShrinkCrashingBeforeItsCommitLeavesTheOldVolume(boolean separate, int blockSize, VolumeResizer.Step step)
            throws IOException {
        Path data = dir.resolve("data");
        Path metadata = separate ? dir.resolve("meta") : null;
        List<Written> written = formatAndWriteLow(data, metadata, blockSize);
        Superblock old = VolumeLabel.read(data, metadata).superblock();

        assertEquals(old, VolumeResizer.resize(shrinkRequest(data, metadata), LogSettling::settle, step));

        VolumeLabel.Opened label = VolumeLabel.read(data, metadata);
        assertEquals(old, label.superblock(), "the old volume");
        assertEquals(List.of(), label.warnings(), "its backup untouched");
        assertReads(data, metadata, false, written);
        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata))) {
            long newEnd = shrunkBlocks(volume.info()) * blockSize;
            byte[] zeros = new byte[(int) (volume.sizeBytes() - newEnd)];
            byte[] read = new byte[zeros.length];
            volume.readBlocking(newEnd, read, 0, read.length);
            assertArrayEquals(zeros, read, "the blocks being cut still read as zeros in the old volume");
        }

        Superblock shrunk = VolumeResizer.resize(shrinkRequest(data, metadata), LogSettling::settle);
        assertTrue(shrunk.dataBlockCount() < old.dataBlockCount());
        assertEquals(shrunk, VolumeLabel.read(data, metadata).superblock());
        assertEquals(List.of(), VolumeLabel.read(data, metadata).warnings());
        assertReads(data, metadata, false, written);
    }

    @ParameterizedTest(name = "separate={0}, block {1}, stopped after {2}")
    @CsvSource({"false, 4096, COMMITTED", "false, 4096, OLD_BACKUP_ZEROED", "false, 4096, BACKUP_WRITTEN", "false, 512, COMMITTED",
        "false, 4096, DONE", "true, 4096, COMMITTED", "true, 4096, OLD_BACKUP_ZEROED", "true, 4096, BACKUP_WRITTEN",
        "true, 512, BACKUP_WRITTEN", "true, 4096, DONE"})
    void aShrinkCrashingFromItsCommitOnLeavesTheNewVolume(boolean separate, int blockSize, VolumeResizer.Step step)
            throws IOException {
        Path data = dir.resolve("data");
        Path metadata = separate ? dir.resolve("meta") : null;
        List<Written> written = formatAndWriteLow(data, metadata, blockSize);
        Superblock old = VolumeLabel.read(data, metadata).superblock();

        Superblock shrunk = VolumeResizer.resize(shrinkRequest(data, metadata), LogSettling::settle, step);
        assertTrue(shrunk.dataBlockCount() < old.dataBlockCount());

        VolumeLabel.Opened label = VolumeLabel.read(data, metadata);
        assertEquals(shrunk, label.superblock(), "the new volume");
        assertEquals(separate && step != VolumeResizer.Step.DONE ? Set.of(DeviceRole.DATA) : Set.of(), label.damagedPrimaries());
        boolean backupMissing = step == VolumeResizer.Step.COMMITTED || step == VolumeResizer.Step.OLD_BACKUP_ZEROED;
        assertEquals((backupMissing ? 1 : 0) + (separate && step != VolumeResizer.Step.DONE ? 1 : 0), label.warnings().size(),
            label.warnings().toString());
        assertReads(data, metadata, true, written);
        assertReads(data, metadata, false, written);

        assertEquals(shrunk, VolumeResizer.resize(shrinkRequest(data, metadata), LogSettling::settle), "already that size");
        assertEquals(SHRUNK_SIZE, java.nio.file.Files.size(data), "the file cut to the size asked, past the volume's end");
        if (separate) {
            assertEquals(shrunk.geometry().metadataFileSizeBytes(), java.nio.file.Files.size(metadata));
        }
        try (Volume volume = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata))) {
            byte[] last = new byte[blockSize];
            new Random(5).nextBytes(last);
            volume.writeBlocking(volume.sizeBytes() - blockSize, last, 0, blockSize);
        }
        assertEquals(List.of(), VolumeLabel.read(data, metadata).warnings(), "a writable session wrote the new backup");
        assertReads(data, metadata, false, written);
    }

    /** A torn commit of a shrink: the old backup, untouched at the device's end, stands in: the old volume. */
    @ParameterizedTest(name = "separate={0}")
    @CsvSource({"false", "true"})
    void aShrinksTornCommitFindsTheOldBackup(boolean separate) throws IOException {
        Path data = dir.resolve("data");
        Path metadata = separate ? dir.resolve("meta") : null;
        List<Written> written = formatAndWriteLow(data, metadata, 4096);
        Superblock old = VolumeLabel.read(data, metadata).superblock();
        VolumeResizer.resize(shrinkRequest(data, metadata), LogSettling::settle, VolumeResizer.Step.ZEROED);
        tearPrimary(separate ? metadata : data, ResizePlan.withDataBlocks(old, old.dataBlockCount() / 2).metadataCopy());

        assertEquals(old, VolumeLabel.read(data, metadata).superblock(), "the old volume, from its backup");
        assertReads(data, metadata, false, written);
        assertEquals(List.of(), VolumeLabel.read(data, metadata).warnings(), "a writable open restored the primary");
    }

    @ParameterizedTest(name = "separate={0}")
    @CsvSource({"false", "true"})
    void shrinkingOverAWrittenBlockIsRefusedWithNothingChanged(boolean separate) throws IOException {
        Path data = dir.resolve("data");
        Path metadata = separate ? dir.resolve("meta") : null;
        formatAndWrite(data, metadata, 4096);
        byte[] before = java.nio.file.Files.readAllBytes(data);
        byte[] metadataBefore = separate ? java.nio.file.Files.readAllBytes(metadata) : null;
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> VolumeResizer.resize(shrinkRequest(data, metadata), LogSettling::settle));
        assertTrue(refused.getMessage().startsWith("shrinking would cut off block "), refused.getMessage());
        assertArrayEquals(before, java.nio.file.Files.readAllBytes(data), "nothing written");
        if (separate) {
            assertArrayEquals(metadataBefore, java.nio.file.Files.readAllBytes(metadata), "nothing written");
        }
    }

    @org.junit.jupiter.api.Test
    void growWritesTheMovedLogOfSectorBlocksAsZerosNotHoles() throws Exception {
        Path data = dir.resolve("sparse");
        Volume.format(FormatOptions.of(data).withSizeBytes(OLD_SIZE).withAllocation(dev.csum.FileAllocation.SPARSE)
            .withLogBlockBytes(512));
        Superblock grown = VolumeResizer.resize(request(data, null), LogSettling::settle);
        assertTrue(grown.logSectors());
        long logBytes = grown.logRegion().lengthBytes();
        long allocated = VolumeFormatterTest.allocatedBytes(data);
        assertTrue(allocated >= logBytes, "the moved log (" + logBytes + " bytes) written, " + allocated + " allocated");
        try (FileChannel channel = FileChannel.open(data)) {
            MemorySegment log = VolumeFiles.read(channel, grown.logRegion().offsetBytes(), (int) logBytes);
            assertEquals(-1, log.mismatch(MemorySegment.ofArray(new byte[(int) logBytes])), "zeros");
        }
        try (Volume volume = Volume.open(VolumeOptions.of(data))) {
            volume.writeBlocking(0, new byte[4096], 0, 4096);
        }
    }
}
