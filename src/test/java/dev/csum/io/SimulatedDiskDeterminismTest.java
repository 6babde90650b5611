package dev.csum.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Same seed and same calls: the same completions, results, read data, faults and media. */
class SimulatedDiskDeterminismTest {

    private static final int SECTOR = SimulatedDisk.SECTOR_SIZE_BYTES;
    private static final long DATA_FILE_BYTES = 1 << 20;
    private static final long METADATA_FILE_BYTES = 128 * 1024;
    private static final int OPERATIONS = 3000;

    /** The outcome of one workload run: a hash of everything observable, and the stats. */
    private record Run(String traceHash, SimulatedDiskStats stats) {
    }

    /**
     * A random workload of reads, writes (some DSYNC), fsyncs, links and drains over both files, with
     * every fault at 2%, a crash and reopen halfway. The workload's own choices come from
     * {@code workloadSeed}; the disk's from {@code diskSeed}.
     */
    private static Run run(long diskSeed, long workloadSeed) throws NoSuchAlgorithmException {
        MessageDigest trace = MessageDigest.getInstance("SHA-256");
        SplittableRandom workload = new SplittableRandom(workloadSeed);
        SimulatedDisk disk = SimulatedDisk.builder(diskSeed).dataFileBytes(DATA_FILE_BYTES)
                .metadataFileBytes(METADATA_FILE_BYTES).queueDepth(32).latencyTicks(1, 24)
                .faultPlan(FaultPlan.all(0.02)).build();
        try (Arena arena = Arena.ofConfined()) {
            Map<Long, MemorySegment> readBuffers = new HashMap<>();
            IoPort.CompletionSink[] sink = new IoPort.CompletionSink[1];
            sink[0] = (userData, result) -> {
                trace.update(ByteBuffer.allocate(12).putLong(userData).putInt(result).array());
                MemorySegment buffer = readBuffers.remove(userData);
                if (buffer != null && result > 0) {
                    trace.update(buffer.asByteBuffer());
                }
            };
            for (long userData = 0; userData < OPERATIONS; userData++) {
                if (userData == OPERATIONS / 2) {
                    disk.crash();
                    disk = disk.reopen();
                    readBuffers.clear();
                }
                int fileIndex = workload.nextInt(4) == 0 ? IoPort.METADATA_FILE : IoPort.DATA_FILE;
                long fileSectors = (fileIndex == IoPort.DATA_FILE ? DATA_FILE_BYTES : METADATA_FILE_BYTES) / SECTOR;
                int sectors = 1 + workload.nextInt(16);
                long offsetBytes = workload.nextLong(fileSectors - sectors + 1) * SECTOR;
                int flags = (workload.nextInt(10) == 0 ? IoPort.FLAG_LINK : 0)
                        | (workload.nextInt(20) == 0 ? IoPort.FLAG_DRAIN : 0);
                int kind = workload.nextInt(10);
                while (disk.inFlight() >= disk.queueDepth()) {
                    disk.submitAndReap(1, sink[0]);
                }
                boolean prepared;
                if (kind < 5) {
                    MemorySegment buffer = arena.allocate((long) sectors * SECTOR, 4096);
                    readBuffers.put(userData, buffer);
                    prepared = disk.prepareRead(fileIndex, offsetBytes, buffer, flags, userData);
                } else if (kind < 9) {
                    MemorySegment buffer = arena.allocate((long) sectors * SECTOR, 4096);
                    buffer.fill((byte) workload.nextInt());
                    flags |= workload.nextInt(5) == 0 ? IoPort.FLAG_DSYNC : 0;
                    prepared = disk.prepareWrite(fileIndex, offsetBytes, buffer, flags, userData);
                } else {
                    prepared = disk.prepareFsync(fileIndex, flags, userData);
                }
                assertTrue(prepared);
                if (workload.nextInt(4) == 0) {
                    disk.submitAndReap(workload.nextInt(4), sink[0]);
                }
            }
            while (disk.inFlight() > 0) {
                disk.submitAndReap(1, sink[0]);
            }
            trace.update(disk.durableImage(IoPort.DATA_FILE));
            trace.update(disk.durableImage(IoPort.METADATA_FILE));
            trace.update(disk.stats().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return new Run(HexFormat.of().formatHex(trace.digest()), disk.stats());
        }
    }

    @Test
    void theSameSeedAndCallsReplayExactly() throws Exception {
        Run first = run(42, 7);
        Run second = run(42, 7);

        assertEquals(first.traceHash(), second.traceHash());
        assertEquals(first.stats().toString(), second.stats().toString());
        for (FaultKind kind : FaultKind.values()) {
            assertTrue(first.stats().faults(kind) > 0, "the workload must exercise " + kind + ": " + first.stats());
        }
        assertTrue(first.stats().cancelledOps() > 0 && first.stats().readErrors() > 0, first.stats().toString());
    }

    @Test
    void aDifferentDiskSeedGivesADifferentRun() throws Exception {
        assertNotEquals(run(42, 7).traceHash(), run(43, 7).traceHash());
    }
}
