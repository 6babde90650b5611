package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.format.InvalidVolumeException;
import dev.csum.format.LogRecord;
import dev.csum.format.LogRegion;
import dev.csum.format.MetadataPlacement;
import dev.csum.format.PortFormatter;
import dev.csum.format.Superblock;
import dev.csum.internal.VolumeInternals;
import dev.csum.io.FaultPlan;
import dev.csum.io.ForwardingIoPort;
import dev.csum.io.IoPort;
import dev.csum.io.SimMediaEvent;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A volume of 4096-byte blocks with {@code LOG_SECTORS} (FORMAT.md §3, §8): its records are 512-byte
 * log blocks, one loop step's few entries in one sector, written at sector offsets; a crash replays
 * them; and a device whose direct I/O needs more than 512-byte alignment is refused before any I/O.
 */
class LogSectorsTest {
    private static final int BLOCK = 4096;
    private final Arena arena = Arena.ofAuto();

    private static SimulatedDisk disk(long seed) {
        return SimulatedDisk.builder(seed).dataFileBytes(16L << 20).faultPlan(FaultPlan.none().withCrash(0.0, 0.0)).build();
    }

    @Test
    void recordsOfAFewEntriesTakeOneSectorEachAndACrashReplaysThem() throws IOException {
        SimulatedDisk disk = disk(41);
        Superblock superblock = PortFormatter.format(disk, BLOCK, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED,
            new UUID(41, 41));
        assertTrue(superblock.logSectors(), "a device taking 512-byte direct I/O gets 512-byte log blocks");
        LogRegion log = superblock.logRegion();
        assertEquals(512, log.blockBytes());
        assertEquals(superblock.geometry().logBlockCount() * 8, log.blockCount());
        List<long[]> logWrites = new ArrayList<>(); // offset, length
        disk.mediaListener(event -> {
            boolean write = event.kind() == SimMediaEvent.Kind.WRITE || event.kind() == SimMediaEvent.Kind.WRITE_DURABLE;
            if (write && event.offsetBytes() >= log.offsetBytes() && event.offsetBytes() < log.offsetBytes() + log.lengthBytes()) {
                logWrites.add(new long[] {event.offsetBytes(), event.data().length});
            }
        });
        Volume volume = VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("sim")), true);
        for (int i = 0; i < 6; i++) {
            assertNull(ManualIo.write(volume, (long) BLOCK * (10 + 520 * i), fill(i + 1))); // six groups, a record each
        }
        assertNull(ManualIo.flush(volume));
        assertTrue(logWrites.size() >= 6, "a record per write: " + logWrites.size());
        for (long[] write : logWrites) {
            assertEquals(512, write[1], "a record of one entry is one 512-byte log block");
            assertEquals(0, (write[0] - log.offsetBytes()) % 512);
        }
        assertTrue(logWrites.stream().anyMatch(write -> (write[0] - log.offsetBytes()) % BLOCK != 0),
            "records start inside a 4096-byte block");
        assertEquals(5, countRecordsWithEntries(disk, log, superblock.volumeTag()) - 1,
            "six records in the first 3 KiB of the log (one per write), the first at its start");

        disk.crash(); // the session's records stay: the next open replays them
        disk = disk.reopen();
        volume = VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("sim")), true);
        for (int i = 0; i < 6; i++) {
            MemorySegment back = arena.allocate(BLOCK, BLOCK);
            assertNull(ManualIo.read(volume, (long) BLOCK * (10 + 520 * i), back));
            assertEquals(-1, back.mismatch(fill(i + 1)), "write " + i + " replayed from its 512-byte record");
        }
        volume.close();
    }

    @Test
    void aDeviceWhoseDirectIoNeedsMoreThanASectorIsRefusedBeforeAnyIo() throws IOException {
        SimulatedDisk disk = disk(43);
        PortFormatter.format(disk, BLOCK, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED, new UUID(43, 43));
        long writesBefore = disk.stats().writes();
        IoPort fourKn = new ForwardingIoPort(disk) {
            @Override
            public int alignmentBytes() {
                return 4096;
            }
        };
        InvalidVolumeException refused = assertThrows(InvalidVolumeException.class,
            () -> VolumeInternals.openOnPort(fourKn, VolumeOptions.of(Path.of("sim")), true));
        assertEquals("log blocks of 512 bytes need 512-byte direct I/O; the metadata device needs 4096-byte alignment",
            refused.getMessage());
        assertEquals(writesBefore, disk.stats().writes(), "nothing written");
    }

    /** Records in the log's first 4096 bytes that carry entries, found at their own 512-byte offsets. */
    private static int countRecordsWithEntries(SimulatedDisk disk, LogRegion log, int tag) {
        byte[] bytes = new byte[BLOCK];
        disk.readRaw(IoPort.METADATA_FILE, log.offsetBytes(), bytes);
        MemorySegment region = MemorySegment.ofArray(bytes);
        int records = 0;
        for (int block = 0; block < BLOCK / 512; block++) {
            MemorySegment at = region.asSlice(block * 512L);
            if (LogRecord.validLengthBlocksAt(at, 512, tag, log.blockOffsetBytes(block)) == 1 && LogRecord.entryCount(at) > 0) {
                records++;
            }
        }
        return records;
    }

    private MemorySegment fill(int value) {
        return arena.allocate(BLOCK, BLOCK).fill((byte) value);
    }
}
