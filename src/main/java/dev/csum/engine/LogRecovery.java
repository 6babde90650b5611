package dev.csum.engine;

import dev.csum.io.PortIo;
import dev.csum.format.Geometry;
import dev.csum.format.ImdBlock;
import dev.csum.format.ImdValidity;
import dev.csum.format.InvalidVolumeException;
import dev.csum.format.LogRecord;
import dev.csum.format.LogRegion;
import dev.csum.format.Superblock;
import dev.csum.engine.GroupResolver.History;
import dev.csum.engine.LogScan.Scanned;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Replays the tuple log at open, before the event loop starts (DURABILITY.md "Recovery").
 *
 * <ol>
 * <li>Scan every block of the log region for valid records (magic, volume tag, length, CRC-32C).
 *     The highest sequence is the head; its tail field says where replay starts; the highest durable
 *     watermark {@code W} among the replayed records says which writes a completed flush covered.</li>
 * <li>For every block a replayed record names (and every block whose two imd copies differ in a
 *     group it names), choose the tuple its data matches among the <em>candidates</em>: the logged
 *     tuples from the last one at or below {@code W} onwards — an older state would be a lost write —
 *     or, when none is at or below {@code W}, the imd copies' tuples and every logged one. A
 *     never-written candidate matches all-zero data (read twice). The newest matching candidate wins;
 *     when none matches (a write in flight tore the block, or a flushed write was lost) the newest
 *     candidate is kept, so the block reads as an integrity error, never as wrong data.</li>
 * <li>Writable: write both imd copies of every such group (older slot first, synced before the other:
 *     {@link PairRewriter}), sync, then write an
 *     empty record whose tail is itself, so the next open has nothing to replay. Read-only: nothing
 *     is written; the chosen tuples are handed to the engine ({@link Result#overlay()}) and applied
 *     when each group is loaded.</li>
 * </ol>
 * Opening a cleanly closed volume reads the log region and writes nothing. Step 1 is
 * {@link LogScan}'s, step 2 {@link GroupResolver}'s; this class replays the records between them and
 * does step 3.
 */
public final class LogRecovery {
    private final PortIo io;
    private final Superblock superblock;
    private final Geometry geometry;
    private final int blockSizeBytes;
    private final LogRegion region;
    private final int volumeTag;
    private final Arena arena = Arena.ofShared(); // shared: a port may do the I/O on its own threads
    private final int alignment;
    private final LogScan scan;
    private final GroupResolver resolver;

    private LogRecovery(IoPort port, Superblock superblock) {
        this.io = new PortIo(port);
        this.superblock = superblock;
        this.geometry = superblock.geometry();
        this.blockSizeBytes = geometry.blockSizeBytes();
        this.region = superblock.logRegion();
        this.volumeTag = superblock.volumeTag();
        this.alignment = Math.max(4096, port.alignmentBytes());
        this.resolver = new GroupResolver(io, geometry, volumeTag, superblock.checksum().newChecksum(), arena, alignment);
        this.scan = new LogScan(io, region, volumeTag, arena, alignment);
    }

    /**
     * Where the log stands after recovery.
     *
     * @param nextSequence the sequence of the next record
     * @param headBlock the log block the next record goes to
     * @param durableWatermark the watermark the next record carries
     * @param headRecordSequence the sequence of the last record on the media (a clean close's or
     *                           recovery's empty record: its tail is itself); 0 when the log holds none
     * @param headRecordBlocks blocks of that record, which ends at {@code headBlock}; 0 when none. It
     *                         holds the log's durable tail: it stays live until a later record
     *                         carrying a newer tail is durable ({@link TupleLog}, "Space")
     * @param sequenceCeiling the log sequence ceiling the media durably holds (FORMAT.md §8.1): records
     *                        below it may be written; 0 when none is stored
     */
    record Start(long nextSequence, long headBlock, long durableWatermark, long headRecordSequence,
                 int headRecordBlocks, long sequenceCeiling) {
        /** A log with no record on the media (a volume without a log, or a log found empty) below {@code ceiling}. */
        static Start empty(long ceiling) {
            return new Start(Math.max(1, ceiling), 0, 0, 0, 0, ceiling);
        }
    }

    /**
     * Recovery's outcome: where the log stands, and (read-only) the chosen tuples of each replayed
     * group, its whole imd block image, to apply over the pair when the group is loaded.
     */
    public record Result(Start start, Map<Long, byte[]> overlay, int replayedRecords, int replayedGroups,
                         int blocksRead) {
    }

    /** Recovers the volume's log (a volume without one, format version 1: nothing to do). */
    public static Result recover(IoPort port, Superblock superblock, boolean readOnly) throws IOException {
        if (superblock.geometry().logBlockCount() == 0) {
            return new Result(Start.empty(0), Map.of(), 0, 0, 0);
        }
        refuseUnalignedLog(port, superblock);
        LogRecovery recovery = new LogRecovery(port, superblock);
        try {
            return recovery.run(readOnly);
        } finally {
            recovery.arena.close();
        }
    }

    /**
     * Refuses, before any I/O, a volume whose log blocks are smaller than the direct-I/O alignment the
     * port needs (FORMAT.md §3, {@code LOG_SECTORS}: a volume formatted where 512-byte direct I/O
     * worked, now on a device that needs more).
     */
    static void refuseUnalignedLog(IoPort port, Superblock superblock) throws InvalidVolumeException {
        String unaligned = LogRegion.unalignedReason(superblock.logRegion().blockBytes(), port.alignmentBytes());
        if (unaligned != null) {
            throw new InvalidVolumeException(unaligned);
        }
    }

    /**
     * Resolves the crash states of a format version 1 volume, before {@code csum convert} makes it
     * version 2 (FORMAT.md §7.1): every imd pair whose two valid copies are one generation apart and
     * hold different tuples (a version 1 commit whose data write may or may not have landed) has its
     * differing blocks read, each keeps the tuple its data matches (the newer first; none: the newer,
     * so the block reads as an integrity error), and both copies are rewritten with the result, older
     * slot first. Version 1 resolved such a pair at its first use; version 2 never takes two differing
     * copies for a crash state (RELIABILITY.md §3, bug 13), so conversion resolves them first. The
     * volume stays version 1 and valid throughout: a crash during it leaves pairs to resolve again.
     *
     * @return the groups rewritten
     */
    public static int resolveVersionOneCrashStates(IoPort port, Superblock versionOne) throws IOException {
        if (versionOne.geometry().logBlockCount() != 0) {
            throw new IllegalArgumentException("not a format version 1 volume");
        }
        LogRecovery recovery = new LogRecovery(port, versionOne);
        try {
            return recovery.resolveAllCrashStates();
        } finally {
            recovery.arena.close();
        }
    }

    private int resolveAllCrashStates() throws IOException {
        int batchGroups = 64;
        MemorySegment pairs = arena.allocate((long) batchGroups * 2 * blockSizeBytes, alignment);
        long[] offsets = new long[batchGroups];
        MemorySegment[] buffers = new MemorySegment[batchGroups];
        int[] results = new int[batchGroups];
        MemorySegment pair = arena.allocate(2L * blockSizeBytes, alignment);
        PairRewriter rewriter = new PairRewriter(io, geometry, volumeTag, arena, alignment);
        int rewritten = 0;
        long groupCount = geometry.groupCount();
        for (long first = 0; first < groupCount; first += batchGroups) {
            int count = (int) Math.min(batchGroups, groupCount - first);
            for (int k = 0; k < count; k++) {
                offsets[k] = geometry.imdPairOffsetBytes(first + k);
                buffers[k] = pairs.asSlice((long) k * 2 * blockSizeBytes, 2L * blockSizeBytes);
            }
            io.readAll(IoPort.METADATA_FILE, offsets, buffers, count, results);
            for (int k = 0; k < count; k++) {
                // A pair that failed to read is left to the engine (it fails its blocks as it always did).
                if (results[k] == 2 * blockSizeBytes && copiesDifferAfterACommit(first + k, buffers[k])
                        && resolver.resolveGroup(first + k, Map.of(), 0, pair)) {
                    rewriter.add(first + k, pair.asSlice(0, blockSizeBytes));
                    rewritten++;
                }
            }
        }
        rewriter.flush();
        if (rewritten > 0) {
            requireSynced(IoPort.METADATA_FILE);
        }
        return rewritten;
    }

    /** Whether the pair holds two valid copies one generation apart with different tuples. */
    private boolean copiesDifferAfterACommit(long group, MemorySegment pair) {
        MemorySegment first = pair.asSlice(0, blockSizeBytes);
        MemorySegment second = pair.asSlice(blockSizeBytes, blockSizeBytes);
        if (ImdBlock.validate(first, group, volumeTag, 0) != ImdValidity.VALID
                || ImdBlock.validate(second, group, volumeTag, 1) != ImdValidity.VALID) {
            return false;
        }
        int g0 = ImdBlock.generation(first);
        int g1 = ImdBlock.generation(second);
        boolean adjacent = g0 + 1 == g1 || g1 + 1 == g0;
        return adjacent && MemorySegment.mismatch(first, ImdBlock.HEADER_BYTES, blockSizeBytes,
            second, ImdBlock.HEADER_BYTES, blockSizeBytes) >= 0;
    }

    private Result run(boolean readOnly) throws IOException {
        long regionBlocks = region.blockCount();
        int logBlockBytes = region.blockBytes();
        int maxRecordBlocks = TupleLog.maxRecordBlocks(region);
        CeilingCopies ceilings = new CeilingCopies(io, superblock, arena.allocate(blockSizeBytes, alignment));
        long storedCeiling = ceilings.read();
        Map<Long, Scanned> bySequence = scan.scan();
        if (bySequence.isEmpty()) {
            return new Result(Start.empty(storedCeiling), Map.of(), 0, 0, 0);
        }
        Scanned head = null;
        for (Scanned record : bySequence.values()) {
            if (head == null || record.sequence() > head.sequence()) {
                head = record;
            }
        }
        long watermark = 0;
        TreeMap<Long, Map<Integer, History>> groups = new TreeMap<>();
        MemorySegment recordBuffer = arena.allocate((long) maxRecordBlocks * logBlockBytes, alignment);
        int replayed = 0;
        int headEntries = -1; // the head record's entries, once replay has read it
        for (long sequence = head.tail(); sequence <= head.sequence(); sequence++) {
            Scanned record = bySequence.get(sequence);
            if (record == null) {
                continue; // lost, torn or overwritten: its blocks fail as integrity errors if it mattered
            }
            // The scan read this record whole and valid: its watermark counts even if the replay's read
            // of it fails (torture seed 6929: a misdirected read of the head record lost the watermark
            // that made a flushed, dropped data write a detected lost write, and its old data passed).
            watermark = Math.max(watermark, record.watermark());
            MemorySegment bytes = recordBuffer.asSlice(0, (long) record.lengthBlocks() * logBlockBytes);
            if (!readRecord(record, bytes)) {
                continue;
            }
            replayed++;
            watermark = Math.max(watermark, LogRecord.durableWatermark(bytes));
            int entries = LogRecord.entryCount(bytes);
            if (sequence == head.sequence()) {
                headEntries = entries;
            }
            for (int i = 0; i < entries; i++) {
                long block = LogRecord.entryLogicalBlock(bytes, i);
                if (block < 0 || block >= geometry.dataBlockCount()) {
                    continue; // a record passed its checksum with an impossible entry: ignore it
                }
                groups.computeIfAbsent(geometry.groupOf(block), g -> new HashMap<>())
                    .computeIfAbsent(geometry.indexInGroup(block), k -> new History())
                    .add(sequence, LogRecord.entryTupleBits(bytes, i));
            }
        }
        Map<Long, byte[]> overlay = new HashMap<>();
        MemorySegment pair = arena.allocate(2L * blockSizeBytes, alignment);
        List<Long> toWrite = new ArrayList<>();
        PairRewriter rewriter = readOnly ? null : new PairRewriter(io, geometry, volumeTag, arena, alignment);
        for (Map.Entry<Long, Map<Integer, History>> group : groups.entrySet()) {
            if (resolver.resolveGroup(group.getKey(), group.getValue(), watermark, pair)) {
                if (readOnly) {
                    overlay.put(group.getKey(), pair.asSlice(0, blockSizeBytes).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                } else {
                    rewriter.add(group.getKey(), pair.asSlice(0, blockSizeBytes));
                    toWrite.add(group.getKey());
                }
            }
        }
        if (rewriter != null) {
            rewriter.flush();
        }
        // A session starts at the ceiling: above every sequence ever written, the ones of records the
        // scan could not read now included (FORMAT.md §8.1). A volume that stores none yet (ceiling 0)
        // starts regionBlocks above the head, the rule before the ceiling, and stores one before its
        // first record.
        long nextSequence = storedCeiling > 0 ? Math.max(storedCeiling, head.sequence() + 1)
            : head.sequence() + regionBlocks;
        long headBlock = (head.startBlock() + head.lengthBlocks()) % regionBlocks;
        // Anything but a clean close's empty record at the head gets a new empty record: the engine
        // starts with that record as the media's tail (TupleLog, "Space"), never with records it
        // could not read back (replayed 0: their blocks then fail as integrity errors).
        boolean needsEmptyRecord = !(head.tail() == head.sequence() && replayed == 1 && headEntries == 0);
        if (readOnly || !needsEmptyRecord) {
            return new Result(new Start(nextSequence, headBlock, watermark, head.sequence(), head.lengthBlocks(),
                storedCeiling), overlay, replayed, groups.size(), resolver.blocksRead());
        }
        if (!toWrite.isEmpty()) {
            requireSynced(IoPort.METADATA_FILE);
        }
        // Everything replayed is now in both imd copies: an empty record whose tail is itself, below a
        // ceiling the media holds first.
        long ceiling = storedCeiling;
        if (nextSequence >= ceiling) {
            ceiling = nextSequence + CeilingCopies.leaseSequences(regionBlocks);
            ceilings.raise(ceiling);
        }
        MemorySegment empty = recordBuffer.asSlice(0, logBlockBytes);
        LogRecord.seal(empty, logBlockBytes, volumeTag, nextSequence, head.sequence(), nextSequence, 0,
            logBlockOffset(headBlock));
        int written = io.write(IoPort.METADATA_FILE, logBlockOffset(headBlock), empty);
        if (written != logBlockBytes) {
            throw new IOException("log recovery: writing the log's empty record at block " + headBlock + " failed: "
                + resultText(written));
        }
        requireSynced(IoPort.METADATA_FILE);
        return new Result(new Start(nextSequence + 1, (headBlock + 1) % regionBlocks, head.sequence(), nextSequence, 1,
            ceiling), overlay, replayed, groups.size(), resolver.blocksRead());
    }

    private long logBlockOffset(long block) {
        return scan.logBlockOffset(block);
    }

    private void requireSynced(int fileIndex) throws IOException {
        int result = io.fdatasync(fileIndex);
        if (result < 0) {
            throw new IOException("log recovery: fdatasync failed: " + resultText(result));
        }
    }

    static String resultText(int result) {
        return result < 0 ? dev.csum.uring.Errno.name(-result) : "short transfer of " + result + " bytes";
    }

    /** Attempts at reading a record the scan found valid before replay gives it up (a transient fault: once more). */
    private static final int REPLAY_READ_ATTEMPTS = 3;

    /**
     * Reads a record the scan found valid into {@code bytes} for replay; true when it reads back whole
     * and valid. A read that fails or does not validate is tried again: the scan just read the record
     * intact, so a failure may be transient (a misdirected read); a sticky one fails every time.
     */
    private boolean readRecord(Scanned record, MemorySegment bytes) throws IOException {
        long offset = logBlockOffset(record.startBlock());
        for (int attempt = 0; attempt < REPLAY_READ_ATTEMPTS; attempt++) {
            if (io.read(IoPort.METADATA_FILE, offset, bytes) == bytes.byteSize()
                    && LogRecord.validLengthBlocksAt(bytes, region.blockBytes(), volumeTag, offset) == record.lengthBlocks()
                    && LogRecord.sequence(bytes) == record.sequence()) {
                return true;
            }
        }
        return false;
    }
}
