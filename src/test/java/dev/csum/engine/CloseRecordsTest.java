package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.IntegrityException;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.format.Geometry;
import dev.csum.format.MetadataPlacement;
import dev.csum.format.PortFormatter;
import dev.csum.internal.VolumeInternals;
import dev.csum.io.FaultKind;
import dev.csum.io.FaultPlan;
import dev.csum.io.IoPort;
import dev.csum.io.SimMediaEvent;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The next open trusts the newest log record it finds. A clean close ends the log with an empty record
 * (nothing to replay); if the device loses it, close must notice (it reads it back) and write it
 * again — else recovery replays the session's last records as writes in flight, and a data write
 * the device dropped reads as its block's old data, accepted (torture seed 6317, default cache,
 * before the fix).
 */
class CloseRecordsTest {
    private static final int BLOCK = 512;
    private final Arena arena = Arena.ofAuto();
    private Geometry geometry;
    // (close reads its last record back and writes another when it is not there: CloseRecord.ATTEMPTS)

    @Test
    void aLostLastRecordOfACleanCloseStillLeavesACleanHead() throws IOException {
        SimulatedDisk disk = SimulatedDisk.builder(7).dataFileBytes(1L << 20)
            .faultPlan(FaultPlan.none().withCrash(0.0, 0.0)).build();
        geometry = PortFormatter.format(disk, BLOCK, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED,
            new UUID(7, 7)).geometry();
        long logStart = geometry.logOffsetBytes();
        long logEnd = logStart + geometry.logBlockCount() * BLOCK;
        long[] logHead = {-1}; // where the next record goes: after the last one written
        disk.mediaListener(event -> { // interleaved: the log is in the one physical file
            boolean write = event.kind() == SimMediaEvent.Kind.WRITE || event.kind() == SimMediaEvent.Kind.WRITE_DURABLE;
            if (write && event.offsetBytes() >= logStart && event.offsetBytes() < logEnd) {
                logHead[0] = event.offsetBytes() + event.data().length;
            }
        });
        Volume volume = VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("sim")), true);
        assertNull(ManualIo.write(volume, BLOCK * 3, fill(1)));
        assertNull(ManualIo.flush(volume));
        disk.armNextWrite(FaultKind.LOST_WRITE, IoPort.DATA_FILE, geometry.dataOffsetBytes(3) / BLOCK);
        assertNull(ManualIo.write(volume, BLOCK * 3, fill(2))); // its record is written, its data write is lost
        assertTrue(logHead[0] > logStart && logHead[0] < logEnd, "the log's head is known and does not wrap");
        // The device loses close's last record: the empty record its checkpoint round ends with.
        disk.armNextWrite(FaultKind.LOST_WRITE, IoPort.METADATA_FILE, logHead[0] / BLOCK);
        volume.close();
        assertEquals(2, disk.stats().faults(FaultKind.LOST_WRITE));

        Volume reopened = VolumeInternals.openOnPort(disk.reopen(), VolumeOptions.of(Path.of("sim")), true);
        Outcome outcome = new Outcome();
        reopened.read(3L * BLOCK, BLOCK, MemorySegment.ofArray(new byte[BLOCK]), null, outcome, 0);
        assertTrue(VolumeInternals.runUntilIdle(reopened, 1_000_000));
        assertInstanceOf(IntegrityException.class, outcome.failure,
            "the lost data write is detected, not block 3's old data returned");
        reopened.close();
    }

    private MemorySegment fill(int value) {
        return arena.allocate(BLOCK, 8).fill((byte) value);
    }


}
