package dev.csum.torture;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.csum.PortFormatter;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.format.MetadataPlacement;
import dev.csum.io.IoPort;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Engine bugs the torture run found, each pinned by the smallest scenario that showed it. */
class EngineRegressionTest {

    /**
     * Closing a volume whose device fails every write (a device that went away) must end with an
     * IOException, not retry the settle commit forever.
     */
    @Test
    void closeOnADeviceThatFailsEveryWriteReturnsWithAnError() throws IOException {
        SimulatedDisk disk = SimulatedDisk.builder(3).dataFileBytes(1 << 20).build();
        PortFormatter.format(disk, 512, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED, new UUID(1, 2));
        TorturePort port = new TorturePort(disk, (offset, length, written, onMedia) -> { });
        Volume volume = Volume.openOnPort(port, VolumeOptions.of(Path.of("dead")), true);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(512 * 4, 512);
            boolean[] done = {false};
            volume.write(0, data.byteSize(), data, null, (token, failure) -> done[0] = true, 0);
            volume.runUntilIdle(1_000_000);
            // The group now has an unsettled commit; the device dies before close settles it.
            disk.crash();
            port.cut();
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(IOException.class, volume::close));
        }
    }

    /**
     * A read of a group whose imd pair is not cached, whose data read fails before the pair arrives
     * and whose pair read then fails too: the piece was finished (and recycled) on the data error
     * while still listed as waiting for the pair, and the pair's failure then hit a recycled piece
     * (NullPointerException in the event loop). Every completion order must end in an IOException.
     */
    @Test
    void dataReadErrorWhileTheImdPairLoadsIsReportedOnce() throws IOException {
        int dataFirst = 0;
        for (long seed = 1; seed <= 16; seed++) {
            SimulatedDisk disk = SimulatedDisk.builder(seed).dataFileBytes(1 << 20).build();
            var superblock = PortFormatter.format(disk, 512, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED,
                new UUID(seed, 2));
            var geometry = superblock.geometry();
            long dataSector = geometry.dataOffsetBytes(70) / 512;
            long imdSector = geometry.imdPairOffsetBytes(geometry.groupOf(70)) / 512;
            disk.injectLatentSectorError(IoPort.DATA_FILE, dataSector);
            disk.injectLatentSectorError(IoPort.METADATA_FILE, imdSector);
            Volume volume = Volume.openOnPort(disk, VolumeOptions.of(Path.of("lse")), true);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment into = arena.allocate(512, 512);
                IOException[] outcome = {null};
                int[] completions = {0};
                volume.read(70 * 512L, 512, into, null, (token, failure) -> {
                    completions[0]++;
                    outcome[0] = failure;
                }, 0);
                volume.runUntilIdle(1_000_000);
                org.junit.jupiter.api.Assertions.assertEquals(1, completions[0], "seed " + seed);
                org.junit.jupiter.api.Assertions.assertNotNull(outcome[0], "seed " + seed);
                if (outcome[0].getMessage().startsWith("read ")) {
                    dataFirst++;
                }
            }
            disk.clearFaults();
            volume.close();
        }
        org.junit.jupiter.api.Assertions.assertTrue(dataFirst > 0, "some seed completed the data read first");
    }
}
