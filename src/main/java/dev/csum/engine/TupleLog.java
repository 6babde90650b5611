package dev.csum.engine;

import dev.csum.format.ImdBlock;
import dev.csum.format.LogRecord;
import dev.csum.format.LogRegion;
import dev.csum.format.Superblock;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The write-ahead tuple log (format version 2; DURABILITY.md "The tuple log"): group commits wait
 * in the open record; once per loop step the open record is sealed and written at the log's head,
 * and when that write has completed the commits' data writes are issued. Writes from any groups
 * share one record (group commit across the whole volume); while the records in flight are at
 * {@link #MAX_RECORDS_IN_FLIGHT}, new commits accumulate in the open record, so the busier the
 * device, the more entries a record carries.
 *
 * <h2>Space</h2>
 * ({@link LogSpace} keeps the region's blocks.) Records are appended at the head of the circular region and never wrap: one that would not fit
 * before the end starts at block 0, the skipped blocks counted with the record before. A record is
 * live from its sealing until the tail passes its sequence, which happens only after every entry
 * in it is durably checkpointed into the imd pairs ({@link Checkpointer}). When the open record
 * finds no room, it waits for a checkpoint round to move the tail.
 *
 * <p>A record the tail passed is <em>dead</em>, but its blocks are reused only once the media
 * knows it is dead: once a record carrying a tail beyond it is durable (the <em>media tail</em>).
 * Until then recovery after a power loss starts from an older tail and replays it, and a record
 * written over it and torn by the power loss would leave a hole in what recovery replays: a block
 * logged in that record and in an older surviving one would be recovered to the older tuple although
 * its newer data and checkpoint are durable (a false integrity error; torture seed 6897). So when the
 * tail moves, a <em>tail record</em> (one block, no entries, carrying the new tail) is written with
 * {@link IoPort#FLAG_DSYNC} into free space (one block of the region is kept for it), and its
 * completion frees the dead records. Invariant: a record write never covers a record at or above
 * the media tail.
 *
 * <h2>Sequences</h2>
 * Each record gets the next sequence number. A record is <em>outstanding</em> from sealing until
 * every group commit in it has completed its data writes; {@link #completedThrough()} is the
 * highest sequence with no outstanding record at or below it, what a flush issued now covers. A
 * completed flush raises the durable watermark carried by later records (recovery reads a logged
 * write at or below it whose block holds older data as a lost write, not as an excused stale read).
 * A record is written only below the durable log sequence ceiling ({@link SequenceCeiling}), so no
 * sequence is ever used twice, even after a recovery that could not read the newest records.
 *
 * <p>Event-loop only; the record buffers come from one slab allocated once.
 */
final class TupleLog {
    /**
     * Blocks kept free for tail records (see "Space"): as many as close may write to record its
     * watermark ({@link CloseRecord#ATTEMPTS}), so that a log a pinned cover filled still takes
     * close's record, and its rewrite when the device lost the first (torture seed 3143: with one block
     * kept, the rewrite found no room, and the next open took the session's last writes for writes in
     * flight).
     */
    private static final int TAIL_RECORD_RESERVE_BLOCKS = CloseRecord.ATTEMPTS;
    /** Records whose write may be in flight at once. */
    static final int MAX_RECORDS_IN_FLIGHT = 2;
    /** Largest record, in bytes (one write). */
    static final int MAX_RECORD_BYTES = 64 * 1024;
    /** No sequence: a group with nothing logged and not checkpointed. */
    static final long NONE = Long.MAX_VALUE;

    private final EngineContext context;
    private final CommitPath commits;
    /** Bytes of a log block, the unit of records' places and lengths (512, or the volume's block). */
    private final int logBlockBytes;
    private final LogRegion region;
    /** Log blocks in the region. */
    private final long regionBlocks;
    private final int maxRecordBlocks;
    private final int maxRecordEntries;

    // ---- the open record: group commits waiting to be sealed
    private final OpenRecord open = new OpenRecord();

    // ---- records being written: buffer, sequence and the commits they carry, per in-flight slot
    private final RecordSlots records;

    // ---- the region's blocks: where records go, which are live, dead or free
    private final LogSpace space;

    // ---- sequences
    private long nextSequence;
    private long tailSequence;
    /** The tail carried by the tail record in flight or durable; below {@link #tailSequence} a new one is due. */
    private long tailRecordIssued;
    private boolean tailRecordInFlight;
    /** Why the last tail record's write failed (retried only after a checkpoint round), or null. */
    private IOException tailRecordFailure;
    private final DurableWatermark watermark;
    /** Close's last record and its read-back. */
    private final CloseRecord close = new CloseRecord();
    private IOException lastWriteFailure;
    /** The first sequence of this session: recovery's empty record precedes it. */
    private final long firstSequence;
    /** The sequence of the last empty record whose write succeeded, or -1. */
    private long lastEmptyRecordCompleted = -1;
    private final SequenceCeiling ceiling;

    /**
     * @param recordSlab {@link #slabBytes} bytes: the record buffers, then one block for raising the ceiling
     */
    TupleLog(EngineContext context, CommitPath commits, MemorySegment recordSlab, LogRecovery.Start start,
             Superblock superblock) {
        this.context = context;
        this.commits = commits;
        this.region = context.logRegion;
        this.logBlockBytes = region.blockBytes();
        this.regionBlocks = region.blockCount();
        this.maxRecordBlocks = maxRecordBlocks(region);
        this.maxRecordEntries = LogRecord.capacityEntries(maxRecordBlocks, logBlockBytes);
        if (maxRecordEntries < context.geometry.tuplesPerGroup()) {
            throw new IllegalArgumentException("a log of " + regionBlocks + " blocks cannot hold a record of one whole group");
        }
        long recordBytes = recordSlotBytes(region, context.blockSizeBytes);
        if (recordSlab.byteSize() < slabBytes(region, context.blockSizeBytes)) {
            throw new IllegalArgumentException("record slab too small");
        }
        this.ceiling = new SequenceCeiling(context, superblock,
            recordSlab.asSlice(MAX_RECORDS_IN_FLIGHT * recordBytes, context.blockSizeBytes), start.sequenceCeiling(),
            this::sealDue);
        this.records = new RecordSlots(recordSlab, MAX_RECORDS_IN_FLIGHT, recordBytes);
        this.nextSequence = start.nextSequence();
        this.firstSequence = start.nextSequence();
        this.tailSequence = start.nextSequence();
        this.watermark = new DurableWatermark(start.nextSequence(), start.durableWatermark());
        this.space = new LogSpace(regionBlocks, start.headBlock(), start.headRecordSequence(), start.headRecordBlocks(),
            start.nextSequence());
        // Recovery's last record stays (dead) until the first tail move's record frees it: an open
        // that writes nothing leaves the log as it found it.
        this.tailRecordIssued = tailSequence;
    }

    /** The largest record in log blocks of {@code region}: 64 KiB, at most a quarter of the region. */
    static int maxRecordBlocks(LogRegion region) {
        long quarter = Math.max(1, region.blockCount() / 4);
        return (int) Math.max(1, Math.min(MAX_RECORD_BYTES / region.blockBytes(), quarter));
    }

    /** Bytes of one record buffer: the largest record, rounded up to whole volume blocks (so every buffer stays block-aligned). */
    private static long recordSlotBytes(LogRegion region, int volumeBlockBytes) {
        long bytes = (long) maxRecordBlocks(region) * region.blockBytes();
        return (bytes + volumeBlockBytes - 1) / volumeBlockBytes * volumeBlockBytes;
    }

    /**
     * Bytes of record buffers the log needs, and a volume block for the ceiling's superblock (one
     * slab, allocated by the engine).
     */
    static long slabBytes(LogRegion region, int volumeBlockBytes) {
        return MAX_RECORDS_IN_FLIGHT * recordSlotBytes(region, volumeBlockBytes) + volumeBlockBytes;
    }

    // ---------------------------------------------------------------- commits in, records out

    /** A group commit is ready (its tuples in {@code state.commitPieces}): it joins the open record. */
    void add(GroupState state) {
        open.add(state);
    }

    /**
     * Takes {@code state}'s commit back out of the open record (not sealed: nothing of it was written).
     * A pair-less group whose pair must be loaded does this, so that no commit waiting for log room
     * keeps its pair from loading, and its log cover from moving.
     */
    void withdraw(GroupState state) {
        assert state.commitPhase() == GroupPhase.Commit.IN_OPEN_RECORD : "withdrawing a sealed commit: " + state;
        open.withdraw(state);
    }

    /**
     * Seals and writes open records while there are commits waiting, a record slot free and room
     * at the head. Called once per loop step (after the step's new commits) and as records complete.
     */
    void sealDue() {
        if (!ceilingAllowsNext()) {
            return;
        }
        writeTailRecordIfDue();
        while (!open.isEmpty() && !records.full() && ceiling.allows(nextSequence)) {
            int entries = open.entriesFitting(maxRecordEntries);
            int lengthBlocks = LogRecord.blocksFor(entries, logBlockBytes);
            long start = space.place(lengthBlocks, TAIL_RECORD_RESERVE_BLOCKS);
            if (start < 0) {
                return; // no room: a checkpoint round has to move the tail first
            }
            writeRecord(open.take(entries), entries, lengthBlocks, start, context.recordWriteFlags);
        }
    }

    /**
     * Whether the next record may be written as far as the sequence ceiling goes; raises it when a
     * record waits and the ceiling is near. A failed raise fails the commits waiting in the open
     * record (and a due tail record, like a failed tail record write, retried after a checkpoint
     * round) before anything tries again: the next commit does, so a device that fails every write
     * fails each commit once instead of being asked forever.
     */
    private boolean ceilingAllowsNext() {
        IOException failed = ceiling.takeFailure();
        if (failed != null && !ceiling.allows(nextSequence)) {
            lastWriteFailure = failed;
            if (tailRecordDue()) {
                tailRecordFailure = failed;
            }
            failOpenRecord(failed);
            return false;
        }
        if (!tailRecordDue() && open.isEmpty()) {
            return true; // nothing to write: no raise
        }
        ceiling.raiseIfDue(nextSequence);
        return ceiling.allows(nextSequence);
    }

    private boolean tailRecordDue() {
        return (tailRecordIssued < tailSequence || close.due()) && !tailRecordInFlight && tailRecordFailure == null;
    }

    /**
     * Close, once its syncs made every write through {@code flushed} durable: when entries stay in the
     * log (a cover the session pinned: a failed checkpoint, a parked group that could not be loaded),
     * one more empty record carrying that watermark, so the next open does not take the session's
     * last writes for writes in flight. Then {@link #closeRecordVerified} reads the last record back.
     */
    void writeCloseRecord(long flushed) {
        watermark.onFlushDurable(flushed);
        close.ask(endsWithEmptyRecord());
        sealDue();
    }

    /**
     * Close: reads back the log's last record — the next open's head — and writes another (the next
     * sequence, at the next place) when it is not there intact, up to {@link CloseRecord#ATTEMPTS}
     * times. The open trusts the newest record it finds: had the device lost, misdirected or torn the
     * last one, an older head's tail and watermark would make recovery replay the session's last
     * writes as if they were in flight, and a data write the device also dropped would read as its
     * block's old data, accepted (torture seed 6317 with the default cache; 6301, 8927 with parking).
     * True once verified, given up, or when this session wrote no record to verify.
     */
    boolean closeRecordVerified() {
        if (close.verified() || tailRecordFailure != null || !close.hasRecord()) {
            return true;
        }
        if (busy() || close.readingBack()) {
            return false;
        }
        if (close.due()) {
            sealDue();
            if (close.due() && !busy()) {
                // Not written, and nothing in flight will change that (no room: a pinned log that
                // filled; the ceiling): the log stays as it is.
                close.giveUp();
                context.counters.increment(EngineCounters.IMD_REPAIR_FAILURES);
                return true;
            }
            return false;
        }
        close.startReadBack();
        context.ops.create(OpTable.LOG_VERIFY, OpTable.READ_OP, this, 0, IoPort.METADATA_FILE,
            region.blockOffsetBytes(close.lastStartBlock()), records.buffer(0).asSlice(0, logBlockBytes), 0);
        return false;
    }

    /** The read of close's last record completed (see closeRecordVerified). */
    void onCloseRecordRead(int result) {
        MemorySegment bytes = records.buffer(0).asSlice(0, logBlockBytes);
        long offsetBytes = region.blockOffsetBytes(close.lastStartBlock());
        boolean intact = result == logBlockBytes
            && LogRecord.validLengthBlocksAt(bytes, logBlockBytes, context.volumeTag, offsetBytes) == 1
            && LogRecord.sequence(bytes) == close.lastSequence();
        if (close.readBack(intact)) {
            if (!intact) {
                context.counters.increment(EngineCounters.IMD_REPAIR_FAILURES);
            }
            return;
        }
        context.counters.increment(EngineCounters.CLOSE_RECORDS_REWRITTEN);
        sealDue();
    }

    /** A copy of the ceiling's superblock was written (see {@link SequenceCeiling}). */
    void onCeilingWrite(int copy, int result) {
        ceiling.onWrite(copy, result);
    }

    /**
     * Writes a tail record when the tail moved beyond what the media knows and no tail record is in
     * flight: one block, no entries, {@link IoPort#FLAG_DSYNC}, in the block kept free for it.
     */
    private void writeTailRecordIfDue() {
        if (!tailRecordDue() || records.full()) {
            return;
        }
        long start = space.place(1, 0);
        if (start >= 0) { // no room only after a tail record failed and kept its block
            if (close.due() && close.issue()) {
                advanceTail(nextSequence); // close's record, nothing live: its tail is itself
            }
            close.emptyRecordIssued(nextSequence, start);
            tailRecordIssued = tailSequence;
            tailRecordInFlight = true;
            writeRecord(null, 0, 1, start, IoPort.FLAG_DSYNC);
        }
    }

    private void writeRecord(GroupState first, int entries, int lengthBlocks, long startBlock, int flags) {
        int slot = records.free();
        long sequence = nextSequence++;
        MemorySegment record = records.buffer(slot).asSlice(0, (long) lengthBlocks * logBlockBytes);
        int entry = 0;
        for (GroupState state = first; state != null; state = state.nextInRecord) {
            state.commitSequence = sequence;
            state.moveCommit(GroupPhase.Commit.RECORD_IN_FLIGHT);
            if (state.logTailSequence == NONE) {
                state.logTailSequence = sequence;
            }
            if (state.checkpointInFlight() && state.sinceSnapshotSequence == NONE) {
                state.sinceSnapshotSequence = sequence;
            }
            MemorySegment next = state.other();
            for (Piece piece = state.commitPieces.head; piece != null; piece = piece.next) {
                for (int i = 0; i < piece.blockCount; i++) {
                    LogRecord.setEntry(record, entry++, piece.firstBlock + i,
                        ImdBlock.tupleBits(next, piece.firstIndex + i));
                }
            }
        }
        assert entry == entries : "record entries counted " + entries + ", written " + entry;
        LogRecord.seal(record, logBlockBytes, context.volumeTag, sequence, watermark.value(), tailSequence, entries,
            region.blockOffsetBytes(startBlock));
        records.take(slot, sequence, record.byteSize(), startBlock, tailSequence, first);
        space.add(sequence, startBlock, lengthBlocks);
        addOutstanding(sequence, first);
        context.counters.increment(EngineCounters.LOG_RECORDS);
        context.counters.add(EngineCounters.LOG_ENTRIES, entries);
        context.ops.create(OpTable.LOG_WRITE, OpTable.WRITE_OP, this, slot, IoPort.METADATA_FILE,
            region.blockOffsetBytes(startBlock), record, flags);
        if (context.testFault == EngineTestFault.DATA_BEFORE_RECORD) {
            // Test only: the ordering bug torture must catch (data written before its record).
            for (GroupState state = first; state != null; state = state.nextInRecord) {
                commits.issueDataWritesEarly(state);
            }
        }
    }

    /** A record's write completed: its commits may write their data (or fail, on an error). */
    void onRecordWrite(int slot, int result) {
        long lengthBytes = records.lengthBytes(slot);
        long sequence = records.sequence(slot);
        long carriedTail = records.carriedTail(slot);
        GroupState state = records.release(slot);
        IOException failure = null;
        if (state == null && result == lengthBytes && carriedTail == sequence) {
            lastEmptyRecordCompleted = sequence;
        }
        if (result != lengthBytes) {
            failure = context.deviceError("log record write", IoPort.METADATA_FILE,
                region.blockOffsetBytes(records.startBlock(slot)), lengthBytes, result);
            lastWriteFailure = failure;
        }
        if (state == null) {
            tailRecordInFlight = false;
            if (failure != null) {
                tailRecordFailure = failure;
                tailRecordIssued = space.mediaTail();
            }
        }
        if (failure == null && (state == null || context.recordWriteFlags == IoPort.FLAG_DSYNC)) {
            freeBelow(carriedTail); // a durable record: the media knows its tail
        }
        while (state != null) {
            GroupState next = state.nextInRecord;
            state.nextInRecord = null;
            commits.onRecordWritten(state, failure);
            state = next;
        }
        sealDue();
    }

    // ---------------------------------------------------------------- live records and the tail

    /**
     * Moves the tail to {@code newTail} (never back): every record below it had all its entries
     * durably checkpointed, so it is dead. Its blocks are free once a tail record carrying the new
     * tail is durable (see "Space").
     */
    void advanceTail(long newTail) {
        tailRecordFailure = null; // a round completed: a failed tail record may be tried again
        if (newTail <= tailSequence) {
            return;
        }
        assert newTail <= nextSequence : "tail past the head";
        tailSequence = newTail;
        space.markDeadBelow(newTail);
        if (context.testFault == EngineTestFault.REUSE_BEFORE_TAIL_DURABLE) {
            freeBelow(newTail); // test only: the ordering bug torture must catch
        }
    }

    /** A record carrying {@code durableTail} is durable: the dead records below it are free. */
    private void freeBelow(long durableTail) {
        assert durableTail <= tailSequence : "a durable tail ahead of the tail";
        space.freeBelow(durableTail);
    }

    /** The sequence the next sealed record gets: no entry sealed so far is at or above it. */
    long nextSequence() {
        return nextSequence;
    }

    long tailSequence() {
        return tailSequence;
    }

    /** Fraction of the region that live records use (the tail has not passed them), 0 to 1. */
    double fill() {
        return space.liveFraction();
    }

    /** Whether commits wait in the open record for room (a checkpoint round must move the tail). */
    boolean waitingForRoom() {
        return !open.isEmpty() && records.inFlight() == 0 && ceiling.allows(nextSequence);
    }

    /** Whether anything is in the open record or being written (records, or the ceiling they wait for). */
    boolean busy() {
        return !open.isEmpty() || records.inFlight() > 0 || ceiling.raising();
    }

    IOException lastWriteFailure() {
        return lastWriteFailure;
    }

    /**
     * Fails every commit waiting in the open record: the log has no room and none can be made
     * (checkpoints fail), so their tuples can never be logged.
     */
    void failOpenRecord(IOException failure) {
        GroupState state = open.takeAll();
        while (state != null) {
            GroupState next = state.nextInRecord;
            state.nextInRecord = null;
            commits.onRecordWritten(state, failure);
            state = next;
        }
    }

    // ---------------------------------------------------------------- outstanding records and flushes

    private void addOutstanding(long sequence, GroupState first) {
        int commitsInRecord = 0;
        for (GroupState state = first; state != null; state = state.nextInRecord) {
            commitsInRecord++;
        }
        watermark.onSealed(sequence, commitsInRecord);
    }

    /** A group commit of record {@code sequence} completed (its data writes done or failed). */
    void onCommitDone(long sequence) {
        watermark.onCommitDone(sequence);
    }

    /** What a flush issued now covers (see {@link DurableWatermark#completedThrough()}). */
    long completedThrough() {
        return watermark.completedThrough();
    }

    /** A flush that covered everything through {@code flushed} completed. */
    void onFlushDurable(long flushed) {
        watermark.onFlushDurable(flushed);
    }

    /** A record write failed: the durable watermark stays where it is for the rest of the session. */
    void freezeWatermark() {
        watermark.freeze();
    }

    /**
     * Why commits waiting for log room can never get it, or null: the last tail record's write
     * failed, so the dead records it would free keep their blocks until a checkpoint round completes.
     */
    IOException tailRecordFailure() {
        return tailRecordFailure;
    }

    /**
     * Whether the last record written is an empty one that completed and nothing was logged since:
     * the log holds nothing to replay. Also true when nothing was written since open (recovery left
     * the log that way).
     */
    boolean endsWithEmptyRecord() {
        return !busy() && (nextSequence == firstSequence || lastEmptyRecordCompleted == nextSequence - 1);
    }

}
