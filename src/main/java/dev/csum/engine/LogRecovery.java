package dev.csum.engine;

import dev.csum.checksum.BlockChecksum;
import dev.csum.format.Geometry;
import dev.csum.format.ImdBlock;
import dev.csum.format.ImdValidity;
import dev.csum.format.LogRecord;
import dev.csum.format.Superblock;
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
 * Opening a cleanly closed volume reads the log region and writes nothing.
 */
public final class LogRecovery {
    /** Bytes of log read per scan step. */
    private static final int SCAN_CHUNK_BYTES = 1 << 20;

    private final PortIo io;
    private final Geometry geometry;
    private final int blockSizeBytes;
    private final int volumeTag;
    private final BlockChecksum checksum;
    private final Arena arena = Arena.ofShared(); // shared: a port may do the I/O on its own threads
    private final int alignment;
    /** One group's data blocks, as recovery reads them (by index in the group). */
    private final MemorySegment groupData;
    private final long[] readOffsets;
    private final MemorySegment[] readBuffers;
    private final int[] readResults;

    private LogRecovery(IoPort port, Superblock superblock) {
        this.io = new PortIo(port);
        this.geometry = superblock.geometry();
        this.blockSizeBytes = geometry.blockSizeBytes();
        this.volumeTag = superblock.volumeTag();
        this.checksum = superblock.checksum().newChecksum();
        this.alignment = Math.max(4096, port.alignmentBytes());
        int tuples = geometry.tuplesPerGroup();
        this.groupData = arena.allocate((long) tuples * blockSizeBytes, alignment);
        this.readOffsets = new long[tuples];
        this.readBuffers = new MemorySegment[tuples];
        this.readResults = new int[tuples];
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
     */
    record Start(long nextSequence, long headBlock, long durableWatermark, long headRecordSequence,
                 int headRecordBlocks) {
        /** A log with no record on the media (just formatted, or a volume without a log). */
        static Start empty() {
            return new Start(1, 0, 0, 0, 0);
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
            return new Result(Start.empty(), Map.of(), 0, 0, 0);
        }
        LogRecovery recovery = new LogRecovery(port, superblock);
        try {
            return recovery.run(readOnly);
        } finally {
            recovery.arena.close();
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
        MemorySegment block = arena.allocate(blockSizeBytes, alignment);
        int[] blocksRead = {0};
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
                        && resolveGroup(first + k, Map.of(), 0, pair, block, blocksRead)) {
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

    private record Scanned(long sequence, long startBlock, int lengthBlocks, long tail, long watermark) {
    }

    /** Logged tuples of one block, in sequence order. */
    private static final class History {
        long[] sequences = new long[2];
        long[] tuples = new long[2];
        int count;

        void add(long sequence, long tuple) {
            if (count == sequences.length) {
                sequences = java.util.Arrays.copyOf(sequences, count * 2);
                tuples = java.util.Arrays.copyOf(tuples, count * 2);
            }
            sequences[count] = sequence;
            tuples[count] = tuple;
            count++;
        }
    }

    private Result run(boolean readOnly) throws IOException {
        long regionBlocks = geometry.logBlockCount();
        int maxRecordBlocks = TupleLog.maxRecordBlocks(regionBlocks, blockSizeBytes);
        Map<Long, Scanned> bySequence = scan(regionBlocks, maxRecordBlocks);
        if (bySequence.isEmpty()) {
            return new Result(Start.empty(), Map.of(), 0, 0, 0);
        }
        Scanned head = null;
        for (Scanned record : bySequence.values()) {
            if (head == null || record.sequence() > head.sequence()) {
                head = record;
            }
        }
        long watermark = 0;
        TreeMap<Long, Map<Integer, History>> groups = new TreeMap<>();
        MemorySegment recordBuffer = arena.allocate((long) maxRecordBlocks * blockSizeBytes, alignment);
        int replayed = 0;
        for (long sequence = head.tail(); sequence <= head.sequence(); sequence++) {
            Scanned record = bySequence.get(sequence);
            if (record == null) {
                continue; // lost, torn or overwritten: its blocks fail as integrity errors if it mattered
            }
            MemorySegment bytes = recordBuffer.asSlice(0, (long) record.lengthBlocks() * blockSizeBytes);
            if (io.read(IoPort.METADATA_FILE, logBlockOffset(record.startBlock()), bytes) != bytes.byteSize()
                    || LogRecord.validLengthBlocksAt(bytes, blockSizeBytes, volumeTag, logBlockOffset(record.startBlock()))
                        != record.lengthBlocks()
                    || LogRecord.sequence(bytes) != sequence) {
                continue;
            }
            replayed++;
            watermark = Math.max(watermark, LogRecord.durableWatermark(bytes));
            int entries = LogRecord.entryCount(bytes);
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
        int[] blocksRead = {0};
        MemorySegment pair = arena.allocate(2L * blockSizeBytes, alignment);
        MemorySegment block = arena.allocate(blockSizeBytes, alignment);
        List<Long> toWrite = new ArrayList<>();
        PairRewriter rewriter = readOnly ? null : new PairRewriter(io, geometry, volumeTag, arena, alignment);
        for (Map.Entry<Long, Map<Integer, History>> group : groups.entrySet()) {
            if (resolveGroup(group.getKey(), group.getValue(), watermark, pair, block, blocksRead)) {
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
        // A session starts above any sequence the region may hold: the records written after the head
        // lie, disjoint, in the region's other blocks, so fewer than regionBlocks of them exist. A head
        // missed by the scan (a record unreadable now) can then never share a sequence with a new one.
        long nextSequence = head.sequence() + regionBlocks;
        long headBlock = (head.startBlock() + head.lengthBlocks()) % regionBlocks;
        // Anything but a clean close's empty record at the head gets a new empty record: the engine
        // starts with that record as the media's tail (TupleLog, "Space"), never with records it
        // could not read back (replayed 0: their blocks then fail as integrity errors).
        boolean needsEmptyRecord = !(head.tail() == head.sequence() && replayed == 1 && emptyRecord(head));
        if (readOnly || !needsEmptyRecord) {
            return new Result(new Start(nextSequence, headBlock, watermark, head.sequence(), head.lengthBlocks()),
                overlay, replayed, groups.size(), blocksRead[0]);
        }
        if (!toWrite.isEmpty()) {
            requireSynced(IoPort.METADATA_FILE);
        }
        // Everything replayed is now in both imd copies: an empty record whose tail is itself.
        MemorySegment empty = recordBuffer.asSlice(0, blockSizeBytes);
        LogRecord.seal(empty, blockSizeBytes, volumeTag, nextSequence, head.sequence(), nextSequence, 0,
            logBlockOffset(headBlock));
        int written = io.write(IoPort.METADATA_FILE, logBlockOffset(headBlock), empty);
        if (written != blockSizeBytes) {
            throw new IOException("log recovery: writing the log's empty record at block " + headBlock + " failed: "
                + resultText(written));
        }
        requireSynced(IoPort.METADATA_FILE);
        return new Result(new Start(nextSequence + 1, (headBlock + 1) % regionBlocks, head.sequence(), nextSequence, 1),
            overlay, replayed, groups.size(), blocksRead[0]);
    }

    private boolean emptyRecord(Scanned record) throws IOException {
        MemorySegment bytes = arena.allocate((long) record.lengthBlocks() * blockSizeBytes, alignment);
        return io.read(IoPort.METADATA_FILE, logBlockOffset(record.startBlock()), bytes) == bytes.byteSize()
            && LogRecord.entryCount(bytes) == 0;
    }

    private long logBlockOffset(long block) {
        return geometry.logOffsetBytes() + block * blockSizeBytes;
    }

    /**
     * Every valid record in the region, by sequence. A chunk read that shows bytes but no valid
     * record, or a record whose offset field names another place, is read once more and the records
     * of both reads are taken: either read may have been misdirected (the device returned another
     * place's bytes). An all-zero chunk is believed (a log not used that far yet), unless the whole
     * region shows no record: then it is all read once more, since a session that misses every record
     * would start its sequences over them (torture seeds 498, 9147). A record found at a place it was
     * not written for (a misdirected write) is ignored.
     */
    private Map<Long, Scanned> scan(long regionBlocks, int maxRecordBlocks) throws IOException {
        Map<Long, Scanned> found = new HashMap<>();
        long chunkBlocks = Math.max(1, SCAN_CHUNK_BYTES / blockSizeBytes);
        MemorySegment buffer = arena.allocate((chunkBlocks + maxRecordBlocks) * blockSizeBytes, alignment);
        int[] misplaced = new int[1];
        for (long first = 0; first < regionBlocks; first += chunkBlocks) {
            long readBlocks = Math.min(regionBlocks - first, chunkBlocks + maxRecordBlocks);
            long scanBlocks = Math.min(chunkBlocks, regionBlocks - first);
            MemorySegment bytes = buffer.asSlice(0, readBlocks * blockSizeBytes);
            readChunk(first, bytes);
            List<Scanned> records = scanChunk(first, bytes, scanBlocks, misplaced);
            boolean unused = records.isEmpty() && ImdBlock.isAllZero(bytes.asSlice(0, scanBlocks * blockSizeBytes));
            if ((records.isEmpty() && !unused) || misplaced[0] > 0) {
                rereadChunk(first, bytes, scanBlocks, records, misplaced);
            }
            for (Scanned record : records) {
                found.putIfAbsent(record.sequence(), record);
            }
        }
        if (found.isEmpty()) {
            // Nothing at all: a fresh log, or reads that all came back from elsewhere. Once more,
            // since a session that misses every record would start its sequences over them.
            for (long first = 0; first < regionBlocks; first += chunkBlocks) {
                long readBlocks = Math.min(regionBlocks - first, chunkBlocks + maxRecordBlocks);
                List<Scanned> records = new ArrayList<>();
                rereadChunk(first, buffer.asSlice(0, readBlocks * blockSizeBytes),
                    Math.min(chunkBlocks, regionBlocks - first), records, misplaced);
                for (Scanned record : records) {
                    found.putIfAbsent(record.sequence(), record);
                }
            }
        }
        return found;
    }

    /**
     * Reads the chunk again and adds its records to {@code records}: both reads count, since a record
     * valid where it was written is there whichever read saw it (either may be the misdirected one).
     */
    private void rereadChunk(long first, MemorySegment bytes, long scanBlocks, List<Scanned> records, int[] misplaced)
            throws IOException {
        readChunk(first, bytes);
        records.addAll(scanChunk(first, bytes, scanBlocks, misplaced));
    }

    private void readChunk(long first, MemorySegment bytes) throws IOException {
        if (io.read(IoPort.METADATA_FILE, logBlockOffset(first), bytes) != bytes.byteSize()) {
            readBlockByBlock(first, bytes);
        }
    }

    /** The valid records starting in the chunk's first {@code scanBlocks} blocks; counts into {@code misplaced} the others found. */
    private List<Scanned> scanChunk(long first, MemorySegment bytes, long scanBlocks, int[] misplaced) {
        List<Scanned> records = new ArrayList<>();
        misplaced[0] = 0;
        for (long i = 0; i < scanBlocks; i++) {
            MemorySegment candidate = bytes.asSlice(i * blockSizeBytes);
            int length = LogRecord.validLengthBlocksAt(candidate, blockSizeBytes, volumeTag, logBlockOffset(first + i));
            if (length > 0) {
                long sequence = LogRecord.sequence(candidate);
                records.add(new Scanned(sequence, first + i, length, LogRecord.tailSequence(candidate),
                    LogRecord.durableWatermark(candidate)));
            } else if (LogRecord.validLengthBlocks(candidate, blockSizeBytes, volumeTag) > 0) {
                misplaced[0]++;
            }
        }
        return records;
    }

    /**
     * Reads the region's blocks from {@code first} one at a time after a read of them all failed (a
     * latent sector error): a block that still fails reads as zeros, so only the records it holds
     * are lost (their blocks then fail as integrity errors), not every record of the chunk.
     */
    private void readBlockByBlock(long first, MemorySegment bytes) throws IOException {
        for (long offset = 0; offset < bytes.byteSize(); offset += blockSizeBytes) {
            MemorySegment block = bytes.asSlice(offset, blockSizeBytes);
            if (io.read(IoPort.METADATA_FILE, logBlockOffset(first) + offset, block) != blockSizeBytes) {
                block.fill((byte) 0);
            }
        }
    }

    /**
     * Loads the group's pair into {@code pair} (half 0: the tuples chosen, half 1: scratch), decides
     * every logged block and every block whose copies differ. Returns false when neither copy is
     * usable (the group stays damaged: its blocks read as integrity errors).
     */
    private boolean resolveGroup(long group, Map<Integer, History> logged, long watermark, MemorySegment pair,
                                 MemorySegment block, int[] blocksRead) throws IOException {
        long pairOffset = geometry.imdPairOffsetBytes(group);
        MemorySegment[] halves = {pair.asSlice(0, blockSizeBytes), pair.asSlice(blockSizeBytes, blockSizeBytes)};
        if (io.read(IoPort.METADATA_FILE, pairOffset, pair) != pair.byteSize()) {
            throw new IOException("log recovery: reading the imd pair of group " + group + " failed");
        }
        ImdValidity[] verdicts = new ImdValidity[2];
        for (int copy = 0; copy < 2; copy++) {
            verdicts[copy] = ImdBlock.validate(halves[copy], group, volumeTag, copy);
            if (verdicts[copy] != ImdValidity.VALID) {
                // Confirm as the engine's loader does: VALID in either read wins, EMPTY needs both.
                MemorySegment again = arena.allocate(blockSizeBytes, alignment);
                if (io.read(IoPort.METADATA_FILE, pairOffset + (long) copy * blockSizeBytes, again) == blockSizeBytes) {
                    ImdValidity second = ImdBlock.validate(again, group, volumeTag, copy);
                    if (second == ImdValidity.VALID) {
                        MemorySegment.copy(again, 0, halves[copy], 0, blockSizeBytes);
                        verdicts[copy] = second;
                    } else if (second != ImdValidity.EMPTY && verdicts[copy] == ImdValidity.EMPTY) {
                        verdicts[copy] = second;
                    }
                }
            }
        }
        boolean firstUsable = verdicts[0].usable();
        boolean secondUsable = verdicts[1].usable();
        if (!firstUsable && !secondUsable) {
            return false;
        }
        int newer;
        boolean olderCandidate = false;
        if (firstUsable && secondUsable) {
            int g0 = ImdBlock.generation(halves[0]);
            int g1 = ImdBlock.generation(halves[1]);
            newer = ImdBlock.isNewer(g1, g0) ? 1 : 0;
            int newerGeneration = newer == 1 ? g1 : g0;
            int olderGeneration = newer == 1 ? g0 : g1;
            olderCandidate = olderGeneration + 1 == newerGeneration; // a checkpoint or commit torn between copies
        } else {
            newer = firstUsable ? 0 : 1;
        }
        int generation = ImdBlock.generation(halves[newer]);
        if (newer == 1) {
            // Half 0 receives the chosen tuples; keep the older copy's in half 1.
            MemorySegment scratch = arena.allocate(blockSizeBytes, alignment);
            MemorySegment.copy(halves[1], 0, scratch, 0, blockSizeBytes);
            MemorySegment.copy(halves[0], 0, halves[1], 0, blockSizeBytes);
            MemorySegment.copy(scratch, 0, halves[0], 0, blockSizeBytes);
        }
        MemorySegment chosen = halves[0];
        MemorySegment older = olderCandidate ? halves[1] : null;
        long firstBlock = geometry.firstBlockOfGroup(group);
        int tuples = geometry.blocksInGroup(group);
        // The candidates of every block to decide; the blocks that need their data read are read
        // together, up to the port's queue depth at a time.
        long[][] candidatesByIndex = new long[tuples][];
        int reads = 0;
        for (int index = 0; index < tuples; index++) {
            History history = logged.get(index);
            boolean copiesDiffer = older != null && ImdBlock.tupleBits(older, index) != ImdBlock.tupleBits(chosen, index);
            if (history == null && !copiesDiffer) {
                continue;
            }
            long[] candidates = candidates(history, watermark, ImdBlock.tupleBits(chosen, index),
                older == null ? null : ImdBlock.tupleBits(older, index));
            candidatesByIndex[index] = candidates;
            if (!allSame(candidates)) {
                readOffsets[reads] = geometry.dataOffsetBytes(firstBlock + index);
                readBuffers[reads] = groupData.asSlice((long) index * blockSizeBytes, blockSizeBytes);
                reads++;
            }
        }
        io.readAll(IoPort.DATA_FILE, readOffsets, readBuffers, reads, readResults);
        blocksRead[0] += reads;
        int read = 0;
        for (int index = 0; index < tuples; index++) {
            long[] candidates = candidatesByIndex[index];
            if (candidates == null) {
                continue;
            }
            long tuple = candidates[candidates.length - 1];
            if (!allSame(candidates)) {
                boolean readable = readResults[read++] == blockSizeBytes;
                tuple = readable ? choose(candidates, firstBlock + index,
                    groupData.asSlice((long) index * blockSizeBytes, blockSizeBytes), block, blocksRead) : tuple;
            }
            ImdBlock.setTupleBits(chosen, index, tuple);
        }
        ImdBlock.setHeader(chosen, group, generation, volumeTag);
        return true;
    }

    /** The candidate tuples of a block, oldest first (see the class comment). */
    private static long[] candidates(History history, long watermark, long newerCopy, Long olderCopy) {
        int lastDurable = -1;
        if (history != null) {
            for (int i = 0; i < history.count; i++) {
                if (history.sequences[i] <= watermark) {
                    lastDurable = i;
                }
            }
        }
        if (lastDurable >= 0) {
            return java.util.Arrays.copyOfRange(history.tuples, lastDurable, history.count);
        }
        int logged = history == null ? 0 : history.count;
        long[] result = new long[(olderCopy == null ? 1 : 2) + logged];
        int k = 0;
        if (olderCopy != null) {
            result[k++] = olderCopy;
        }
        result[k++] = newerCopy;
        for (int i = 0; i < logged; i++) {
            result[k++] = history.tuples[i];
        }
        return result;
    }

    private static boolean allSame(long[] candidates) {
        for (long candidate : candidates) {
            if (candidate != candidates[candidates.length - 1]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The newest candidate the block's data ({@code data}, read) matches, or the newest candidate
     * when none does. An all-zero block is read a second time (into {@code scratch}) before a
     * never-written candidate is taken: it may be a misdirected read of never-written data.
     */
    private long choose(long[] candidates, long logicalBlock, MemorySegment data, MemorySegment scratch,
                        int[] blocksRead) throws IOException {
        int sum = checksum.blockChecksum(data, logicalBlock);
        boolean zeros = ImdBlock.isAllZero(data);
        for (int i = candidates.length - 1; i >= 0; i--) {
            long candidate = candidates[i];
            if (ImdBlock.writtenOfBits(candidate) ? ImdBlock.checksumOfBits(candidate) == sum : zeros) {
                if (!ImdBlock.writtenOfBits(candidate)) {
                    blocksRead[0]++;
                    if (io.read(IoPort.DATA_FILE, geometry.dataOffsetBytes(logicalBlock), scratch) != blockSizeBytes
                            || !ImdBlock.isAllZero(scratch)) {
                        continue;
                    }
                }
                return candidate;
            }
        }
        return candidates[candidates.length - 1];
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
}
