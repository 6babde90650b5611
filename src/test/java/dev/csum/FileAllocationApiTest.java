package dev.csum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public {@link FileAllocation}: the format layer's constants one for one, names, and format's use of it. */
class FileAllocationApiTest {
    @TempDir
    Path dir;

    @Test
    void theApisAllocationsAreTheFormatLayersConstantForConstant() {
        assertEquals(Arrays.stream(dev.csum.format.FileAllocation.values()).map(Enum::name).toList(),
            Arrays.stream(FileAllocation.values()).map(Enum::name).toList());
        for (FileAllocation allocation : FileAllocation.values()) {
            assertEquals(allocation, ApiMapping.allocation(ApiMapping.allocation(allocation)));
            assertEquals(allocation, FileAllocation.fromName(allocation.displayName().toUpperCase()));
        }
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> FileAllocation.fromName("thick"));
        assertTrue(unknown.getMessage().contains("auto, sparse, reserved, zeroed"), unknown.getMessage());
    }

    @Test
    void formatDefaultsToAutoAndTakesAnExplicitChoice() throws Exception {
        Path file = dir.resolve("volume");
        FormatOptions options = FormatOptions.of(file).withSizeBytes(16L << 20);
        assertEquals(FileAllocation.AUTO, options.allocation());
        assertEquals(FileAllocation.SPARSE, options.withAllocation(FileAllocation.SPARSE).withBlockSizeBytes(512).allocation(),
            "kept through other with… calls");
        assertThrows(NullPointerException.class, () -> options.withAllocation(null));
        VolumeInfo info = Volume.format(options.withAllocation(FileAllocation.ZEROED));
        assertTrue(info.dataZeroed());
        assertEquals(FileAllocation.ZEROED, FileAllocation.ZEROED.resolvedFor(file, 4096));
        try (Volume volume = Volume.open(VolumeOptions.of(file))) {
            byte[] read = new byte[4096];
            Arrays.fill(read, (byte) 1);
            volume.read(0, read, 0, read.length).join();
            assertTrue(Arrays.equals(new byte[4096], read), "a never-written block of a zeroed file reads as zeros");
        }
    }
}
