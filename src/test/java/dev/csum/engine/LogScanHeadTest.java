package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.format.Geometry;
import dev.csum.format.LogRecord;
import dev.csum.format.Superblock;
import dev.csum.internal.VolumeInternals;
import dev.csum.io.ForwardingIoPort;
import dev.csum.io.IoPort;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Recovery's scan of the log must not miss the newest record because one read of it came back
 * from elsewhere while the rest of the region read fine: the session would then start at an older
 * head, write its first record over the newest one and lose its tuples (torture seed 7604). The scan
 * now confirms its head with a read of where a newer record would be.
 */
class LogScanHeadTest {
    private static final int BLOCK = SmallCacheVolume.BLOCK;

    @Test
    void aScanReadThatMissesTheNewestRecordIsCaughtByTheHeadConfirmation() throws IOException {
        SmallCacheVolume formatted = SmallCacheVolume.format(7604, 7);
        SimulatedDisk disk = formatted.disk();
        Geometry geometry = formatted.geometry();
        Volume volume = VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("sim")), true);
        long first = 10;
        long newest = 300;
        assertNull(ManualIo.write(volume, BLOCK * first, fill(1)));
        assertNull(ManualIo.flush(volume));
        assertNull(ManualIo.write(volume, BLOCK * newest, fill(2))); // its record is the log's newest
        assertNull(ManualIo.flush(volume));
        disk.crash();

        SimulatedDisk media = disk.reopen();
        long newestRecordBlock = newestRecordBlock(media, geometry);
        HidesABlockOnce port = new HidesABlockOnce(media, geometry.logOffsetBytes() + newestRecordBlock * BLOCK);
        Volume reopened = VolumeInternals.openOnPort(port, VolumeOptions.of(Path.of("sim")), true);
        assertEquals(1, port.hidden, "the scan's read of the region came back without the newest record");
        MemorySegment back = MemorySegment.ofArray(new byte[BLOCK]);
        assertNull(ManualIo.read(reopened, BLOCK * newest, back), "the newest record was replayed");
        assertEquals(-1, back.mismatch(fill(2)));
        assertNull(ManualIo.write(reopened, BLOCK * (newest + 1), fill(3))); // the session's records go after it
        assertNull(ManualIo.flush(reopened));
        reopened.close();

        Volume again = VolumeInternals.openOnPort(disk.reopen(), VolumeOptions.of(Path.of("sim")), true);
        for (long block : new long[] {first, newest, newest + 1}) {
            assertNull(ManualIo.read(again, BLOCK * block, back), "block " + block);
            assertEquals(-1, back.mismatch(fill(block == first ? 1 : block == newest ? 2 : 3)), "block " + block);
        }
        again.close();
    }

    private static MemorySegment fill(int value) {
        return SmallCacheVolume.fill(value);
    }

    /** The block where the record with the highest sequence on the media starts. */
    private static long newestRecordBlock(SimulatedDisk disk, Geometry geometry) {
        byte[] region = new byte[(int) (geometry.logBlockCount() * BLOCK)];
        disk.readRaw(IoPort.METADATA_FILE, geometry.logOffsetBytes(), region);
        MemorySegment bytes = MemorySegment.ofArray(region);
        long newestSequence = -1;
        long newestBlock = -1;
        for (long block = 0; block < geometry.logBlockCount(); block++) {
            MemorySegment candidate = bytes.asSlice(block * BLOCK);
            if (LogRecord.validLengthBlocksAt(candidate, BLOCK, Superblock.volumeTag(new UUID(7, 7604)),
                    geometry.logOffsetBytes() + block * BLOCK) > 0
                    && LogRecord.sequence(candidate) > newestSequence) {
                newestSequence = LogRecord.sequence(candidate);
                newestBlock = block;
            }
        }
        assertTrue(newestBlock >= 0, "the log holds records");
        return newestBlock;
    }

    /**
     * The first read longer than a block that covers {@code hiddenOffsetBytes} (the scan's read of
     * the region) returns zeros in that block, as a read whose block came back from elsewhere would;
     * every later read is the media's.
     */
    private static final class HidesABlockOnce extends ForwardingIoPort {
        private final long hiddenOffsetBytes;
        private final Map<Long, MemorySegment> hiding = new HashMap<>();
        int hidden;

        HidesABlockOnce(SimulatedDisk disk, long hiddenOffsetBytes) {
            super(disk);
            this.hiddenOffsetBytes = hiddenOffsetBytes;
        }

        @Override
        public boolean prepareRead(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
            if (hidden == 0 && hiding.isEmpty() && fileIndex == METADATA_FILE && buffer.byteSize() > BLOCK
                    && offsetBytes <= hiddenOffsetBytes && hiddenOffsetBytes < offsetBytes + buffer.byteSize()) {
                hiding.put(userData, buffer.asSlice(hiddenOffsetBytes - offsetBytes, BLOCK));
            }
            return super.prepareRead(fileIndex, offsetBytes, buffer, flags, userData);
        }

        @Override
        public int submitAndReap(int minCompletions, CompletionSink sink) throws IOException {
            return super.submitAndReap(minCompletions, (userData, result) -> {
                MemorySegment block = hiding.remove(userData);
                if (block != null) {
                    block.fill((byte) 0);
                    hidden++;
                }
                sink.onCompletion(userData, result);
            });
        }
    }
}
