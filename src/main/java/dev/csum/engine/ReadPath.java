package dev.csum.engine;

import dev.csum.format.ImdBlock;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The read path: issues a piece's data read, waits for its group's imd pair when that is still
 * loading, and verifies: checks each block of a read piece against its group's tuples,
 * re-reads a mismatching piece once into a private buffer (dm-integrity's recheck: the data may have
 * been overwritten in flight), and reports what still fails. Never-written blocks read as zeros; on a
 * volume whose data area was zeroed at format, only when the device holds zeros there.
 *
 * <p>Which tuples may describe a block, in order: the committed copy; the commit in flight; after a
 * crash, the brother copy; and, only for a read (or re-read) that a commit completed during, the
 * state before that commit.
 *
 * <p>A read's data is what the device held when the read ran, which may be well before its
 * completion is delivered: a port whose completions come from threads (the portable FileChannel
 * port) can deliver a read after writes that landed later, once the writer has completed commit
 * after commit. The group keeps only the committed state, the one in flight and the one before, so
 * a first read may hold data no kept state describes. Its re-read is therefore <em>fenced</em>: it
 * is issued once the group's commit in flight (if any) is over, and no commit of the group starts
 * until it completes ({@link GroupState#fencedRereads}, {@link GroupState#rereadsInFlight}). No data
 * write of the group runs under it, so it reads the committed state and its verdict is final: a
 * mismatch there is damage, never a race. Writes to the group wait for the re-reads in flight
 * (rare: only a read that mismatched has one), and a re-read due while writes wait goes after their
 * commit: neither can starve the other. Event-loop only.
 */
final class ReadPath {
    private final EngineContext context;
    private final PieceCompletion completion;

    ReadPath(EngineContext context, PieceCompletion completion) {
        this.context = context;
        this.completion = completion;
    }

    /** Issues a piece's data read (its group is cached; its imd pair may still be loading). */
    void issue(Piece piece) {
        piece.commitsAtIssue = piece.group.commitsCompleted;
        issueDataRead(piece);
    }

    /**
     * Issues the data read of a piece whose group is in the dense tuple cache (not in the imd
     * cache): verified against it when the data arrives ({@link #verifyDense}).
     */
    void issueDense(Piece piece) {
        piece.dense = true;
        issueDataRead(piece);
    }

    private void issueDataRead(Piece piece) {
        context.ops.create(OpTable.DATA_READ, OpTable.READ_OP, piece, 0, IoPort.DATA_FILE,
            context.geometry.dataOffsetBytes(piece.firstBlock), piece.data, 0);
    }

    /**
     * An in-place read whose destination's arena was closed while it ran (the caller broke
     * {@code Volume.readInPlace}'s contract): its request fails, instead of the event loop failing on
     * an access to the closed memory. (The device may already have written into it: the contract
     * says so.)
     */
    private boolean callerMemoryGone(Piece piece) {
        Request request = piece.request;
        if (!request.inPlace || request.buffer.scope().isAlive()) {
            return false;
        }
        request.fail(Engine.callerMemoryInaccessible("read", request.offsetBytes, request.lengthBytes, "destination",
            new IllegalStateException("Already closed")));
        return true;
    }

    private IOException readFailure(Piece piece, int result) {
        return context.deviceError("read", IoPort.DATA_FILE, context.geometry.dataOffsetBytes(piece.firstBlock),
            piece.lengthBytes(context.blockSizeBytes), result);
    }

    void onDataRead(Piece piece, int result) {
        if (piece.dense) {
            verifyDense(piece, result);
            return;
        }
        if (piece.groupFailed) {
            completion.finishPiece(piece, null);
            return;
        }
        if (result != piece.lengthBytes(context.blockSizeBytes)) {
            IOException failure = readFailure(piece, result);
            if (!piece.group.loaded()) {
                // Still listed in the group's readWaiters: finishing it now would recycle a listed
                // piece. onGroupLoaded finishes it (verifyRead sees the request's failure).
                piece.request.fail(failure);
                piece.dataDone = true;
                return;
            }
            completion.finishPiece(piece, failure);
            return;
        }
        piece.dataDone = true;
        if (piece.group.loaded()) {
            verify(piece);
        }
        // Else the piece is in the group's readWaiters and is verified when the imd pair arrives.
    }

    /**
     * Verifies a dense read's data against the dense tuple cache, as {@link #matchingTuple} would
     * against the committed copy (the group is in no imd cache slot, so nothing is in flight for it).
     * A block that does not verify — or a group that left the dense cache while the read ran (a write
     * took it into the imd cache) — sends the piece back through the imd cache: read again, checked
     * with every rule there (the re-read included), so the dense cache never reports a mismatch itself.
     */
    private void verifyDense(Piece piece, int result) {
        if (result != piece.lengthBytes(context.blockSizeBytes)) {
            completion.finishPiece(piece, readFailure(piece, result));
            return;
        }
        if (piece.request.failure != null || callerMemoryGone(piece)) {
            completion.finishPiece(piece, null);
            return;
        }
        DenseTuples dense = context.dense;
        int slot = dense.slotOf(context.geometry.groupOf(piece.firstBlock));
        if (slot == GroupSlotMap.ABSENT) {
            completion.rerouteRead(piece);
            return;
        }
        // Zeroing a never-written block and setting its tag as it verifies is harmless if a later block
        // fails: the reroute reads the data again and sets every tag.
        for (int i = 0; i < piece.blockCount; i++) {
            int index = piece.firstIndex + i;
            boolean ok;
            if (!dense.written(slot, index)) {
                ok = zerosIfZeroed(piece.data, i) == UNWRITTEN;
                context.blockOf(piece.data, i).fill((byte) 0);
            } else {
                ok = !context.verifyReads
                    || context.blockChecksum(piece.data, i, piece.firstBlock + i, piece.request) == dense.checksum(slot, index);
            }
            if (!ok) {
                completion.rerouteRead(piece);
                return;
            }
            setTag(piece, i, (short) 0);
        }
        completion.finishPiece(piece, null);
    }

    /** A group's imd pair has been loaded, or failed to load: verifies (or fails) the reads waiting for it. */
    void onGroupLoaded(GroupState state, IOException failure) {
        Piece piece;
        while ((piece = state.readWaiters.poll()) != null) {
            if (piece.request.kind == Request.COUNT) {
                if (failure != null) {
                    completion.finishPiece(piece, failure);
                } else {
                    count(piece);
                }
                continue;
            }
            if (failure != null) {
                if (piece.dataDone) {
                    completion.finishPiece(piece, failure);
                } else {
                    piece.request.fail(failure);
                    piece.groupFailed = true; // the data completion will finish it
                }
            } else if (piece.dataDone) {
                verify(piece);
            }
        }
    }

    /** A count piece's group is loaded: tallies its blocks (and, once per group, the group) and finishes it. */
    void count(Piece piece) {
        GroupState state = piece.group;
        long[] tally = piece.request.tally;
        boolean firstPieceOfGroup = piece.firstIndex == 0;
        if (state.damaged()) {
            tally[Request.TALLY_GROUPS_DAMAGED] += firstPieceOfGroup ? 1 : 0;
            completion.finishPiece(piece, null);
            return;
        }
        if (firstPieceOfGroup && state.copiesDiffer) {
            tally[Request.TALLY_GROUPS_DIFFERING]++;
        }
        MemorySegment committed = state.committed();
        for (int i = 0; i < piece.blockCount; i++) {
            int index = piece.firstIndex + i;
            int slot = ImdBlock.tupleWritten(committed, index) ? Request.TALLY_WRITTEN
                : ImdBlock.tupleDiscarded(committed, index) ? Request.TALLY_DISCARDED : Request.TALLY_NEVER_WRITTEN;
            tally[slot]++;
        }
        completion.finishPiece(piece, null);
    }

    void verify(Piece piece) {
        GroupState state = piece.group;
        if (piece.request.failure != null || callerMemoryGone(piece)) {
            completion.finishPiece(piece, null);
            return;
        }
        if (state.damaged()) {
            for (int i = 0; i < piece.blockCount; i++) {
                piece.request.addBadBlock(piece.firstBlock + i);
            }
            context.counters.add(EngineCounters.MISMATCHES, piece.blockCount);
            completion.finishPiece(piece, null);
            return;
        }
        // The state before the last commit may describe the data only if that commit completed while
        // this read ran; for a later read it would accept the old data of a lost write.
        int bad = checkBlocks(piece, piece.data, piece.commitsAtIssue != state.commitsCompleted, false, false);
        if (bad == 0) {
            completion.finishPiece(piece, null);
            return;
        }
        // dm-integrity's lesson: re-read once into a private buffer before declaring a mismatch
        // (the data may have been overwritten in flight by a write to the same blocks). Without a
        // free buffer the piece's own is re-read: its data failed anyway.
        MemorySegment recheck = context.buffers.allocate(piece.lengthBytes(context.blockSizeBytes));
        piece.mismatchesBeforeRecheck = bad;
        piece.recheckBuffer = recheck == null ? piece.data : recheck;
        if (state.commitInFlight() || (state.commitsHeldForRereads() && !state.pendingWrites.isEmpty())) {
            // Issued when that commit (or the one the held writes start) is over: issueFencedRereads.
            // A re-read never overtakes writes that wait for re-reads, or a stream of mismatching reads
            // (a damaged block read again and again) would hold the group's writes forever.
            state.fencedRereads.add(piece);
        } else {
            issueReread(piece);
        }
    }

    /** The group's commit is over: issues the re-reads that waited for it (commits wait for them). */
    void issueFencedRereads(GroupState state) {
        assert !state.commitInFlight() : "fenced re-reads issued under a commit in group " + state.group;
        Piece piece;
        while ((piece = state.fencedRereads.poll()) != null) {
            issueReread(piece);
        }
    }

    private void issueReread(Piece piece) {
        GroupState state = piece.group;
        state.rereadsInFlight++;
        piece.commitsAtIssue = state.commitsCompleted;
        context.ops.create(OpTable.RECHECK_READ, OpTable.READ_OP, piece, 0, IoPort.DATA_FILE,
            context.geometry.dataOffsetBytes(piece.firstBlock), piece.recheckBuffer, 0);
    }

    void onRecheckRead(Piece piece, int result) {
        GroupState state = piece.group;
        MemorySegment recheck = piece.recheckBuffer;
        piece.recheckBuffer = null;
        boolean privateBuffer = recheck != piece.data;
        state.rereadsInFlight--;
        assert piece.commitsAtIssue == state.commitsCompleted : "a commit completed under a fenced re-read in group "
            + state.group;
        if (!state.commitsHeldForRereads()) {
            completion.onRereadsDone(state); // before the piece finishes: it holds the group in the cache
            if (!state.commitInFlight() && !state.fencedRereads.isEmpty()) {
                issueFencedRereads(state); // the held writes started no commit (none left, or refused)
            }
        }
        IOException failure = null;
        int bad = 0;
        if (result != piece.lengthBytes(context.blockSizeBytes)) {
            failure = context.deviceError("re-read", IoPort.DATA_FILE, context.geometry.dataOffsetBytes(piece.firstBlock),
                piece.lengthBytes(context.blockSizeBytes), result);
        } else if (!callerMemoryGone(piece)) {
            // This pass also zeroes the re-read copy's unwritten blocks and fills the tags from it;
            // a failing block is reported (the verdict is final).
            bad = checkBlocks(piece, recheck, false, true, true);
            if (bad == 0) {
                context.counters.add(EngineCounters.RECHECK_RECOVERIES, piece.mismatchesBeforeRecheck);
                if (privateBuffer) {
                    MemorySegment.copy(recheck, 0, piece.data, 0, piece.lengthBytes(context.blockSizeBytes));
                }
            }
        }
        if (privateBuffer) {
            context.buffers.free(recheck);
        }
        if (bad > 0) {
            finishMismatched(piece, bad);
        } else {
            completion.finishPiece(piece, failure);
        }
    }

    /** Finishes a piece whose failing blocks {@link #checkBlocks} reported ({@code bad} of them). */
    private void finishMismatched(Piece piece, int bad) {
        assert bad > 0 : "reporting a mismatch for a piece that verifies";
        context.counters.add(EngineCounters.MISMATCHES, bad);
        completion.finishPiece(piece, null);
    }

    /**
     * Verifies every block of {@code data} (the piece's blocks) against the group's tuples, zeroes
     * never-written blocks and fills the request's application tags.
     *
     * @param includePrevious also accept the state before the last commit (for a read that may have
     *     raced with that commit: one that commit completed during)
     * @param reread {@code data} is the re-read (see {@link #matchingTuple})
     * @param report add each failing block to the request's bad blocks (the verdict pass)
     * @return the number of blocks that failed
     */
    private int checkBlocks(Piece piece, MemorySegment data, boolean includePrevious, boolean reread,
                            boolean report) {
        int bad = 0;
        for (int i = 0; i < piece.blockCount; i++) {
            if (!acceptBlock(piece, data, i, includePrevious, reread)) {
                bad++;
                if (report) {
                    piece.request.addBadBlock(piece.firstBlock + i);
                }
            }
        }
        return bad;
    }

    private boolean acceptBlock(Piece piece, MemorySegment data, int i, boolean includePrevious, boolean reread) {
        GroupState state = piece.group;
        int index = piece.firstIndex + i;
        MemorySegment tuples = matchingTuple(state, index, data, i, piece.firstBlock + i, includePrevious, reread,
            piece.request);
        if (tuples == UNWRITTEN) {
            context.blockOf(data, i).fill((byte) 0);
            setTag(piece, i, (short) 0);
            return true;
        }
        if (tuples == null) {
            return false;
        }
        setTag(piece, i, (short) ImdBlock.tupleAppTag(tuples, index));
        return true;
    }

    /** Marker: the block reads as never written. */
    private static final MemorySegment UNWRITTEN = MemorySegment.NULL;

    /**
     * Which imd copy describes this block's data: the committed copy, the commit in flight, the
     * brother (after a crash) or, for racing reads, the previous state. Returns {@link #UNWRITTEN}
     * when the block's current or older state is "never written" and the data matches nothing
     * newer; null on a mismatch.
     *
     * @param reread {@code data} comes from the re-read: all-zero data that only a crash's older copy
     *     accepts (see below) counts as "never written" only when a second read confirms it
     */
    private MemorySegment matchingTuple(GroupState state, int index, MemorySegment data, int blockInData,
                                        long logicalBlock, boolean includePrevious, boolean reread,
                                        Request request) {
        MemorySegment committed = state.committed();
        MemorySegment other = state.dual() || state.commitInFlight() || (includePrevious && state.previousValid)
            ? state.other() : null;
        boolean committedWritten = ImdBlock.tupleWritten(committed, index);
        boolean otherWritten = other != null && ImdBlock.tupleWritten(other, index);
        if (!committedWritten && !otherWritten) {
            return zerosIfZeroed(data, blockInData);
        }
        if (!context.verifyReads) {
            return committedWritten ? committed : other;
        }
        int sum = context.blockChecksum(data, blockInData, logicalBlock, request);
        if (committedWritten && sum == ImdBlock.tupleChecksum(committed, index)) {
            return committed;
        }
        if (otherWritten && sum == ImdBlock.tupleChecksum(other, index)) {
            return other;
        }
        // The data matches no written tuple. If the block's committed state is "never written" (a
        // write to it is in flight), the data on disk is whatever preceded the first write: the block
        // reads as zeros, its state before that write. After a crash the older copy saying so is
        // weaker evidence (the newer copy may describe data that did land, read back damaged): only
        // an all-zero block, what a never-written block holds, is taken as never written, and only
        // when the re-read finds it too (a misdirected read of never-written data also returns zeros).
        if (!committedWritten) {
            return zerosIfZeroed(data, blockInData);
        }
        // The commit in flight (or, for a read it raced, the one that just completed) is a discard or
        // write-zeroes, or the block's first write: its punch may have zeroed the data already, or
        // the write not landed yet. All-zero data is exactly what that "never written" state holds.
        if (other != null && !otherWritten && !state.dual() && ImdBlock.isAllZero(context.blockOf(data, blockInData))) {
            return UNWRITTEN;
        }
        if (reread && state.dual() && !otherWritten && ImdBlock.isAllZero(context.blockOf(data, blockInData))) {
            return UNWRITTEN;
        }
        return null;
    }

    /**
     * A block whose state is "never written": on a volume whose data area was zeroed at format
     * (format version 2, {@code DATA_ZEROED}) its bytes must be zeros, or the block reads as an
     * integrity error (a lost tuple must not turn written data into silent zeros); otherwise, as in
     * version 1, it reads as zeros whatever the device holds.
     */
    private MemorySegment zerosIfZeroed(MemorySegment data, int blockInData) {
        if (!context.dataZeroed || !context.verifyReads || ImdBlock.isAllZero(context.blockOf(data, blockInData))) {
            return UNWRITTEN;
        }
        return null;
    }

    private void setTag(Piece piece, int i, short tag) {
        short[] tags = piece.request.appTags;
        if (tags != null) {
            tags[piece.firstBlockInRequest + i] = tag;
        }
    }
}
