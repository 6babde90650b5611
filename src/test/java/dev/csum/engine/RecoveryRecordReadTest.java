package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.IntegrityException;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.format.Geometry;
import dev.csum.internal.VolumeInternals;
import dev.csum.io.FaultKind;
import dev.csum.io.ForwardingIoPort;
import dev.csum.io.IoPort;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Recovery reads every record it replays a second time, after the scan found it: a fault on that
 * read (transient: a misdirected read) must not cost the record's watermark, or a flushed write whose
 * data the device dropped is taken for a write in flight and its block's old data is returned as good
 * (torture seed 6929). Recovery now counts the watermark the scan read, and reads a record again
 * when the replay's read of it fails.
 */
class RecoveryRecordReadTest {
    private static final int BLOCK = SmallCacheVolume.BLOCK;

    @Test
    void aFailedReplayReadOfARecordNeitherLosesItsWatermarkNorItsEntries() throws IOException {
        SmallCacheVolume formatted = SmallCacheVolume.format(61, 7);
        SimulatedDisk disk = formatted.disk();
        Geometry geometry = formatted.geometry();
        Volume volume = open(disk);
        long block = 10;
        assertNull(ManualIo.write(volume, BLOCK * block, fill(1)));
        assertNull(ManualIo.flush(volume));
        // The second write's record lands; the device drops its data (acknowledged, never stored).
        disk.armNextWrite(FaultKind.LOST_WRITE, IoPort.DATA_FILE, geometry.dataOffsetBytes(block) / BLOCK);
        assertNull(ManualIo.write(volume, BLOCK * block, fill(2)));
        assertNull(ManualIo.flush(volume)); // covers it: from here a stale read of it is a bug
        assertNull(ManualIo.write(volume, BLOCK * (block + 100), fill(3))); // its record carries that watermark
        assertNull(ManualIo.flush(volume));
        assertEquals(1, disk.stats().faults(FaultKind.LOST_WRITE));
        disk.crash();

        FirstLogReadsFail port = new FirstLogReadsFail(disk.reopen(), geometry);
        Volume reopened = VolumeInternals.openOnPort(port, VolumeOptions.of(Path.of("sim")), true);
        assertTrue(port.failed > 0, "the replay's reads of records were failed once each");
        Outcome outcome = new Outcome();
        reopened.read(BLOCK * block, BLOCK, MemorySegment.ofArray(new byte[BLOCK]), null, outcome, 0);
        assertTrue(VolumeInternals.runUntilIdle(reopened, 1_000_000));
        assertInstanceOf(IntegrityException.class, outcome.failure,
            "the flushed write whose data was dropped is a detected lost write, not its old data returned");
        MemorySegment other = MemorySegment.ofArray(new byte[BLOCK]);
        assertNull(ManualIo.read(reopened, BLOCK * (block + 100), other), "the other block's record was replayed");
        assertEquals(-1, other.mismatch(fill(3)));
        reopened.close();
    }

    private MemorySegment fill(int value) {
        return SmallCacheVolume.fill(value);
    }

    private static Volume open(SimulatedDisk disk) throws IOException {
        return VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("sim")), true);
    }

    /**
     * Fails the first read of each record-sized (one block) read inside the log region — recovery's
     * replay reads; its scan reads the region in larger pieces — with {@code -EIO}, as a transient fault.
     */
    private static final class FirstLogReadsFail extends ForwardingIoPort {
        private final long logStartBytes;
        private final long logEndBytes;
        private final Set<Long> failedOnce = new HashSet<>();
        private final Set<Long> failing = new HashSet<>();
        int failed;

        FirstLogReadsFail(SimulatedDisk disk, Geometry geometry) {
            super(disk);
            this.logStartBytes = geometry.logOffsetBytes();
            this.logEndBytes = logStartBytes + geometry.logBlockCount() * BLOCK;
        }

        @Override
        public boolean prepareRead(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
            if (fileIndex == METADATA_FILE && buffer.byteSize() == BLOCK && offsetBytes >= logStartBytes
                    && offsetBytes < logEndBytes && failedOnce.add(offsetBytes)) {
                failing.add(userData);
            }
            return super.prepareRead(fileIndex, offsetBytes, buffer, flags, userData);
        }

        @Override
        public int submitAndReap(int minCompletions, CompletionSink sink) throws IOException {
            return super.submitAndReap(minCompletions, (userData, result) -> {
                if (failing.remove(userData)) {
                    failed++;
                    sink.onCompletion(userData, -5); // EIO
                } else {
                    sink.onCompletion(userData, result);
                }
            });
        }
    }
}
