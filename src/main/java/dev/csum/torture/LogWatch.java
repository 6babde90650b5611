package dev.csum.torture;

import dev.csum.format.Geometry;
import dev.csum.format.LogRecord;
import dev.csum.format.LogRegion;
import dev.csum.io.IoPort;
import dev.csum.io.SimulatedDisk;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * What the checker knows of the engine's tuple log (format version 2), from the record writes it
 * sees and the media it can read, for two judgements of {@link SeedChecker}:
 *
 * <ol>
 *   <li><b>Tuples the media may have lost.</b> A record write that did not land intact (lost,
 *       misdirected, torn, rotted), a live record another write lands on, a read of the log region
 *       (recovery's scan) that failed or came back altered: the tuples those records held may be gone,
 *       so their blocks are marked in the model ({@link ReferenceModel#metadataFault}) as a damaged imd
 *       copy marks its group's blocks.</li>
 *   <li><b>What recovery can tell after a crash.</b> Right after a power loss it scans the log region
 *       as recovery will (valid records by magic, volume tag, length and CRC-32C; the head's tail; the
 *       highest durable watermark among the records from the tail on) and tells the model, for every
 *       data write the device dropped, whether recovery sees it as a lost write (its record is
 *       replayed and at or below the watermark, or the tail passed it: its tuple is checkpointed), and
 *       for every unflushed write, whether recovery knows its tuple (its record is replayed, or the
 *       tail passed it): see {@link CrashLedger}.</li>
 * </ol>
 * It also counts the log's activity: record writes, blocks written (against the region's size: the
 * log wraps), and the record writes the device damaged, by kind.
 */
final class LogWatch {
    /** A record believed intact on the media: where, which sequence, which blocks it names. */
    private record Live(long startBytes, long sequence, long lengthBytes, long[] blocks) {
    }

    private final long seed;
    private final Geometry geometry;
    private final int logBlockBytes;
    private final int volumeTag;
    private final long regionStart;
    private final long regionEnd;
    private final ReferenceModel model;
    private final Supplier<SimulatedDisk> disk;
    private final SeedResult result;
    /** Per logical block: the sequence of the last record written with an entry for it, or -1. */
    private final long[] recordOfBlock;
    /** Records believed intact on the media, by start offset in the metadata file. */
    private final TreeMap<Long, Live> live = new TreeMap<>();
    /** Where each record in flight was meant to go, by sequence (a misdirected landing is elsewhere). */
    private final Map<Long, Long> targetBySequence = new HashMap<>();
    /** The highest tail a written record carried: records below it are dead, whatever overwrites them. */
    private long knownTail;
    /**
     * The replay floor, as the engine can know it: the highest tail carried by a record whose
     * {@code RWF_DSYNC} write completed, or whose write completed before a completed flush of the
     * metadata device (a device that lost such a write is a media fault). A power loss now leaves
     * recovery starting at or above it, so a record at or above it must stay intact until a durable
     * record carries a newer tail (the log's "Space" rule).
     */
    private long durableTail;
    /** The highest tail carried by a record whose plain write completed: durable at the next flush. */
    private long completedTail;
    /** Records in flight written with {@code RWF_DSYNC}. */
    private final java.util.Set<Long> dsyncInFlight = new java.util.HashSet<>();
    /** Whether the engine is running (not recovery, which rewrites what it replayed before it writes). */
    private boolean sessionRunning;

    LogWatch(long seed, Geometry geometry, LogRegion region, int volumeTag, ReferenceModel model,
             Supplier<SimulatedDisk> disk, SeedResult result) {
        this.seed = seed;
        this.geometry = geometry;
        this.logBlockBytes = region.blockBytes();
        this.volumeTag = volumeTag;
        this.regionStart = region.offsetBytes();
        this.regionEnd = regionStart + region.lengthBytes();
        this.model = model;
        this.disk = disk;
        this.result = result;
        this.recordOfBlock = new long[(int) geometry.dataBlockCount()];
        Arrays.fill(recordOfBlock, -1);
    }

    /** Whether {@code [offsetBytes, offsetBytes + lengthBytes)} of the metadata file touches the log region. */
    boolean touches(long offsetBytes, long lengthBytes) {
        return offsetBytes < regionEnd && offsetBytes + lengthBytes > regionStart;
    }

    /** The sequence of the last record written with an entry for {@code block}, or -1. */
    long recordOf(long block) {
        return recordOfBlock[(int) block];
    }

    /**
     * The engine issues a record write: the records it overwrites must be dead (the tail passed them)
     * and known dead on the media (below the replay floor); a record recovery would still replay after
     * a power loss now is a violation, whatever happens next.
     */
    void writeIssued(long offsetBytes, MemorySegment record, boolean dsync) {
        if (dsync) {
            dsyncInFlight.add(LogRecord.sequence(record));
        }
        if (sessionRunning) {
            for (Live overwritten : overlapping(offsetBytes, record.byteSize())) {
                if (overwritten.sequence >= durableTail && unreadable(overwritten)) {
                    // The device cannot return it (a sticky read fault): the open's scan could not
                    // see it, and no recovery would replay it before a write heals the sectors.
                    result.logRecordsOverwrittenUnreadable++;
                } else if (overwritten.sequence >= durableTail) {
                    result.unexpectedErrors++;
                    result.violation(seed, "log record " + LogRecord.sequence(record) + " written over record "
                        + overwritten.sequence + ", which recovery would still replay (durable tail " + durableTail + ")");
                }
            }
        }
        forgetOverlapping(offsetBytes, record.byteSize());
        targetBySequence.put(LogRecord.sequence(record), offsetBytes);
    }

    /** Whether the media cannot return {@code record} now: a sticky read fault lies in its blocks. */
    private boolean unreadable(Live record) {
        return disk.get().hasStickyReadFault(IoPort.METADATA_FILE, record.startBytes(), record.lengthBytes());
    }

    /** A record write completed successfully; {@code onMedia} is what the media holds where it was meant to go. */
    void writeLanded(long offsetBytes, MemorySegment written, byte[] onMedia) {
        long sequence = LogRecord.sequence(written);
        targetBySequence.remove(sequence);
        knownTail = Math.max(knownTail, LogRecord.tailSequence(written));
        if (dsyncInFlight.remove(sequence)) {
            durableTail = Math.max(durableTail, LogRecord.tailSequence(written));
        } else {
            completedTail = Math.max(completedTail, LogRecord.tailSequence(written));
        }
        long[] blocks = entries(written);
        for (long block : blocks) {
            recordOfBlock[(int) block] = sequence;
        }
        result.logRecordWrites++;
        result.logBlocksWritten += written.byteSize() / logBlockBytes;
        MemorySegment media = MemorySegment.ofArray(onMedia);
        if (MemorySegment.mismatch(written, 0, written.byteSize(), media, 0, onMedia.length) < 0) {
            live.put(offsetBytes, new Live(offsetBytes, sequence, written.byteSize(), blocks));
            return;
        }
        countDamage(written, media);
        model.metadataFault(blocks);
    }

    /** A read of the log region failed or returned bytes the media does not hold (recovery missed its records). */
    void readFaulty(long offsetBytes, long lengthBytes) {
        for (Live record : overlapping(offsetBytes, lengthBytes)) {
            model.metadataFault(record.blocks);
        }
    }

    /**
     * A write reached the metadata media at {@code offsetBytes} (any write, the engine's own included):
     * counts a record landing away from its target, and marks the live records it destroyed.
     */
    void mediaWrite(long offsetBytes, byte[] data) {
        MemorySegment bytes = MemorySegment.ofArray(data);
        if (LogRecord.validLengthBlocks(bytes, logBlockBytes, volumeTag) > 0) {
            Long target = targetBySequence.get(LogRecord.sequence(bytes));
            if (target != null && target != offsetBytes) {
                result.logRecordsMisdirected++;
            }
        }
        if (!touches(offsetBytes, data.length)) {
            return;
        }
        for (Live record : overlapping(offsetBytes, data.length)) {
            if (!intactOnMedia(record)) {
                live.remove(record.startBytes);
                if (record.sequence >= knownTail) {
                    model.metadataFault(record.blocks);
                }
            }
        }
    }

    /** The metadata device's cache was flushed: the records in it are durable. */
    void metadataFlushed() {
        durableTail = Math.max(durableTail, completedTail);
    }

    /** The volume is opening (recovery runs) or opened (the engine runs). */
    void sessionRunning(boolean running) {
        sessionRunning = running;
    }

    /**
     * Right after a power loss, on what survived: rebuilds the live records from the media and says
     * what recovery will make of them (see the class comment): the view the model judges the crash by.
     */
    CrashLedger.CrashView scanAfterCrash() {
        live.clear();
        targetBySequence.clear();
        TreeMap<Long, Long> watermarkBySequence = new TreeMap<>();
        long headTail = -1;
        long head = -1;
        byte[] region = new byte[(int) (regionEnd - regionStart)];
        disk.get().readRaw(IoPort.METADATA_FILE, regionStart, region);
        MemorySegment bytes = MemorySegment.ofArray(region);
        for (long offset = 0; offset < region.length; offset += logBlockBytes) {
            MemorySegment candidate = bytes.asSlice(offset);
            int length = LogRecord.validLengthBlocksAt(candidate, logBlockBytes, volumeTag, regionStart + offset);
            if (length == 0) {
                continue;
            }
            long sequence = LogRecord.sequence(candidate);
            MemorySegment record = candidate.asSlice(0, (long) length * logBlockBytes);
            live.put(regionStart + offset, new Live(regionStart + offset, sequence, record.byteSize(), entries(record)));
            watermarkBySequence.putIfAbsent(sequence, LogRecord.durableWatermark(record));
            if (sequence > head) {
                head = sequence;
                headTail = LogRecord.tailSequence(record);
            }
        }
        if (head < 0) {
            return CrashLedger.CrashView.NOTHING; // no log: recovery learns nothing from it
        }
        long tail = headTail;
        durableTail = tail;
        completedTail = tail;
        dsyncInFlight.clear();
        long watermark = 0;
        for (long w : watermarkBySequence.subMap(tail, true, head, true).values()) {
            watermark = Math.max(watermark, w);
        }
        knownTail = tail;
        long durable = watermark;
        return new CrashLedger.CrashView() {
            @Override
            public boolean tupleSurvived(long sequence) {
                return sequence >= 0 && (sequence < tail || watermarkBySequence.containsKey(sequence));
            }

            @Override
            public boolean lostWriteSeen(long sequence) {
                return sequence >= 0
                    && (sequence < tail || (sequence <= durable && watermarkBySequence.containsKey(sequence)));
            }
        };
    }

    private long[] entries(MemorySegment record) {
        int count = LogRecord.entryCount(record);
        long[] blocks = new long[count];
        int kept = 0;
        for (int i = 0; i < count; i++) {
            long block = LogRecord.entryLogicalBlock(record, i);
            if (block >= 0 && block < recordOfBlock.length) {
                blocks[kept++] = block;
            }
        }
        return kept == count ? blocks : Arrays.copyOf(blocks, kept);
    }

    private void countDamage(MemorySegment written, MemorySegment media) {
        int sectors = (int) (written.byteSize() / SimulatedDisk.SECTOR_SIZE_BYTES);
        int intact = 0;
        int flipped = 0;
        for (int s = 0; s < sectors; s++) {
            long from = (long) s * SimulatedDisk.SECTOR_SIZE_BYTES;
            long to = from + SimulatedDisk.SECTOR_SIZE_BYTES;
            if (MemorySegment.mismatch(written, from, to, media, from, to) < 0) {
                intact++;
            } else if (differsInOneBit(written, media, from, to)) {
                flipped++;
            }
        }
        if (flipped > 0 && intact + flipped == sectors) {
            result.logRecordsRotted++;
        } else if (intact > 0) {
            result.logRecordsTorn++;
        } else {
            result.logRecordsLostOrMisdirected++;
        }
    }

    private static boolean differsInOneBit(MemorySegment a, MemorySegment b, long from, long to) {
        int bits = 0;
        for (long i = from; i < to && bits <= 1; i++) {
            bits += Integer.bitCount((a.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i)
                ^ b.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i)) & 0xFF);
        }
        return bits == 1;
    }

    private boolean intactOnMedia(Live record) {
        byte[] bytes = new byte[(int) record.lengthBytes];
        disk.get().readRaw(IoPort.METADATA_FILE, record.startBytes, bytes);
        MemorySegment segment = MemorySegment.ofArray(bytes);
        return LogRecord.validLengthBlocksAt(segment, logBlockBytes, volumeTag, record.startBytes) * (long) logBlockBytes
            == record.lengthBytes
            && LogRecord.sequence(segment) == record.sequence;
    }

    private void forgetOverlapping(long offsetBytes, long lengthBytes) {
        for (Live record : overlapping(offsetBytes, lengthBytes)) {
            live.remove(record.startBytes);
        }
    }

    /** The live records overlapping {@code [offsetBytes, offsetBytes + lengthBytes)}, as a copy. */
    private java.util.List<Live> overlapping(long offsetBytes, long lengthBytes) {
        java.util.List<Live> found = new java.util.ArrayList<>();
        Map.Entry<Long, Live> before = live.floorEntry(offsetBytes);
        if (before != null && before.getKey() + before.getValue().lengthBytes > offsetBytes) {
            found.add(before.getValue());
        }
        for (Live record : live.subMap(offsetBytes, false, offsetBytes + lengthBytes, false).values()) {
            found.add(record);
        }
        return found;
    }
}
