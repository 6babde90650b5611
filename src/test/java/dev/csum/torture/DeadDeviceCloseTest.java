package dev.csum.torture;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.csum.PortFormatter;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.format.MetadataPlacement;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Found by the torture run: closing a volume whose device fails every write (a device that went
 * away) must end with an IOException, not retry the settle commit forever.
 */
class DeadDeviceCloseTest {

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
}
