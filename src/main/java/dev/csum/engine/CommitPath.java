package dev.csum.engine;

import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * The write path's per-group commits over the tuple log (format version 2, DURABILITY.md).
 *
 * <h2>A commit</h2>
 * A group's commit builds its next state in memory: the committed tuples (half {@link
 * GroupState#newerCopy}) plus the new ones, in the other half. Its entries go into the open log
 * record ({@link TupleLog}); when that record's write has completed, the commit's data writes are
 * issued; when they have all completed, the new state becomes the committed one and the pieces
 * finish. The imd pairs on disk are not written by a commit: the {@link Checkpointer} writes both
 * copies later, many commits at once, and only then may the log forget the entries.
 *
 * <h2>Ordering and group commit</h2>
 * Per group, the next commit starts only when the previous one's data writes have all completed,
 * and a commit never holds two writes of the same block ({@link CommitAssembly}): writes to
 * one block land in the order accepted, each under its own logged tuple. Writes that arrive
 * meanwhile wait in {@link GroupState#pendingWrites} and are coalesced into one commit. Different
 * groups commit concurrently and share log records.
 *
 * <h2>Fenced re-reads</h2>
 * A read whose data mismatched is re-read with the group's writes held back ({@link ReadPath}): no
 * commit starts while one of its re-reads waits for the commit in flight or runs, so the re-read
 * sees the committed state and its verdict is final.
 *
 * <h2>After a crash</h2>
 * Opening replays the log ({@code LogRecovery}), which rewrites both copies of every group it names.
 * Two valid copies that still differ are a lost checkpoint write: the newer copy serves alone
 * ({@code PairLoader}). A version 1 volume's crash states ({@link GroupState#dual}) are served
 * read-only; {@code csum convert} resolves them before the volume becomes version 2.
 */
final class CommitPath {
    private final EngineContext context;
    private final PieceCompletion completion;
    private final int blockSizeBytes;
    /** Groups given new writes since the last {@link #startDueCommits()}, each once. */
    private final ArrayDeque<GroupState> commitsDue = new ArrayDeque<>();
    /** What goes into each commit: its writes and its next state. */
    private final CommitAssembly assembly;
    /** Scratch for {@link #withdraw}: the withdrawn commit's writes, then those that came after. */
    private final PieceList withdrawnWrites = new PieceList();
    private TupleLog log;
    private Checkpointer checkpointer;
    /** Pair-less groups' reservations and loads (null: the cache holds every group, none is pair-less). */
    private GroupParking parking;
    /** Strict: the data-device sync a commit waits for after its data writes. */
    private final StrictSyncBatch strictSync;

    CommitPath(EngineContext context, PieceCompletion completion) {
        this.context = context;
        this.completion = completion;
        this.blockSizeBytes = context.blockSizeBytes;
        this.assembly = new CommitAssembly(context.blockSizeBytes);
        this.strictSync = new StrictSyncBatch(context, this::finishCommit);
    }

    /** Strict mode's batch sync (the engine starts it once per loop step and routes its completion). */
    StrictSyncBatch strictSync() {
        return strictSync;
    }

    /** Connects the log and the checkpointer (built after this, as they call back into it). */
    void connect(TupleLog tupleLog, Checkpointer groupCheckpointer, GroupParking groupParking) {
        this.log = tupleLog;
        this.checkpointer = groupCheckpointer;
        this.parking = groupParking;
    }

    // ---------------------------------------------------------------- after a load (from PairLoader)

    /** The group's pair is loaded: start the commit its pending writes wait for, if any. */
    void onPairLoaded(GroupState state) {
        tryCommit(state);
    }

    /** The group's pair could not be read: its pending writes fail. */
    void onPairFailed(GroupState state, IOException failure) {
        failWrites(state.pendingWrites, failure);
    }

    // ---------------------------------------------------------------- commits

    /**
     * Queues a write for its group's next commit. The commit itself starts in
     * {@link #startDueCommits()}, once per loop step, so that every write accepted in the same step
     * (a burst of callbacks issuing their next writes) joins one commit.
     */
    void addWrite(GroupState state, Piece piece) {
        state.pendingWrites.add(piece);
        if (!state.commitDue) {
            state.commitDue = true;
            commitsDue.add(state);
        }
    }

    /** Starts the commits of the groups that received writes since the last call (see addWrite). */
    void startDueCommits() {
        GroupState state;
        while ((state = commitsDue.poll()) != null) {
            state.commitDue = false;
            tryCommit(state);
        }
    }

    /**
     * Asks for the group's in-memory state to reach both imd copies (before eviction, at close): hands
     * the group to the checkpointer once no commit is in flight.
     */
    void requestSettle(GroupState state) {
        if (!state.settleRequested) {
            state.settleRequested = true;
            tryCommit(state);
        }
    }

    /**
     * A read or count waits for a pair-less group's pair: it is loaded in place once no commit is in
     * flight (writes arriving meanwhile wait for it).
     */
    void requestLoad(GroupState state) {
        state.loadWanted = true;
        tryCommit(state);
    }

    private void tryCommit(GroupState state) {
        if (state.pairless()) {
            tryPairlessCommit(state);
            return;
        }
        if (!state.loaded() || state.commitInFlight()) {
            return;
        }
        if (state.damaged()) {
            failDamaged(state);
            return;
        }
        if (state.dual()) {
            // Two differing copies are a crash state only on a version 1 volume, which opens read-only
            // (convert resolves them first: LogRecovery.resolveVersionOneCrashStates).
            assert state.pendingWrites.isEmpty() && !state.settleRequested
                : "a version 1 crash state in group " + state.group + " on a writable volume";
            return;
        }
        if (state.settleRequested) {
            state.settleRequested = false;
            checkpointer.want(state);
        }
        if (!state.pendingWrites.isEmpty() && !state.commitsHeldForRereads()) {
            startCommit(state);
        }
    }

    /** The group's fenced re-reads are over: start the commit its pending writes wait for, if any. */
    void onRereadsDone(GroupState state) {
        tryCommit(state);
    }

    /**
     * A pair-less group commits without its pair while its dirty tuples fit what the parked tuples
     * promised it; a read, a count or a settle (and a reservation refused) loads the pair in place
     * first, and the commits go on as for any loaded group.
     */
    private void tryPairlessCommit(GroupState state) {
        boolean loadDue = state.loadWanted || state.settleRequested;
        if (loadDue && state.commitPhase() == GroupPhase.Commit.IN_OPEN_RECORD) {
            withdraw(state); // it may wait for log room that only this load's checkpoint can make
        }
        if (state.commitInFlight()) {
            return; // finishCommit comes back here
        }
        if (loadDue) {
            parking.loadInPlace(state); // settleRequested stays: the loaded group asks the checkpointer
            return;
        }
        if (state.pendingWrites.isEmpty() || state.commitsHeldForRereads()) {
            return;
        }
        int mayDirty = state.dirtyCount();
        for (Piece piece = state.pendingWrites.head; piece != null; piece = piece.next) {
            mayDirty += piece.blockCount;
        }
        int more = Math.min(mayDirty, context.geometry.tuplesPerGroup()) - state.reservedEntries;
        if (more > 0 && !parking.reserve(state, more)) {
            parking.loadInPlace(state);
            return;
        }
        context.counters.increment(EngineCounters.PAIRLESS_COMMITS);
        startCommit(state);
    }

    /**
     * Takes a commit that is still in the open record back: its writes wait again, first, in the order
     * they came, for the commit after the group's pair is loaded.
     */
    private void withdraw(GroupState state) {
        // A read verifies only a loaded group, and a loaded group is never pair-less again while a
        // piece holds it: no fenced re-read can wait for this commit (finishCommit would issue it).
        assert state.fencedRereads.isEmpty() : "fenced re-reads wait for a withdrawn commit in group " + state.group;
        log.withdraw(state);
        Piece piece;
        PieceList back = withdrawnWrites;
        while ((piece = state.commitPieces.poll()) != null) {
            back.add(piece);
        }
        back.takeAll(state.pendingWrites);
        state.pendingWrites.takeAll(back);
        state.commitOpsPending = 0;
        state.moveCommit(GroupPhase.Commit.NONE);
        context.counters.add(EngineCounters.IMD_COMMITS, -1); // counted again when it commits
        context.counters.add(EngineCounters.PAIRLESS_COMMITS, -1);
    }

    private void startCommit(GroupState state) {
        state.commitTargetCopy = assembly.assemble(state);
        state.previousValid = false;
        state.commitFailed = false;
        state.commitOpsPending = state.commitPieces.size;
        context.counters.increment(EngineCounters.IMD_COMMITS);
        state.moveCommit(GroupPhase.Commit.IN_OPEN_RECORD);
        log.add(state);
    }

    /**
     * Issues the piece's data operation: its write, or for a discard or write-zeroes the punch that
     * makes its range read as zeros (one range: a piece's blocks are contiguous on the data device).
     */
    private void issueDataWrite(Piece piece) {
        long offset = context.geometry.dataOffsetBytes(piece.firstBlock);
        if (Request.zeroes(piece.request.kind)) {
            context.ops.create(OpTable.DATA_PUNCH, OpTable.PUNCH_OP, piece,
                Math.toIntExact(piece.lengthBytes(blockSizeBytes)), IoPort.DATA_FILE, offset, null, 0);
            return;
        }
        context.ops.create(OpTable.DATA_WRITE, OpTable.WRITE_OP, piece, 0, IoPort.DATA_FILE, offset, piece.data, 0);
    }

    /**
     * The record holding the group's commit was written (or failed): issue the commit's data
     * writes, or fail its writes (their tuples were never logged, so nothing of them is on disk).
     */
    void onRecordWritten(GroupState state, IOException failure) {
        if (state.dataIssuedEarly) {
            state.dataIssuedEarly = false;
            state.commitFailed |= failure != null;
            commitOpDone(state, 1); // the record counted as one more operation
            return;
        }
        if (failure != null) {
            state.commitFailed = true;
            for (Piece piece = state.commitPieces.head; piece != null; piece = piece.next) {
                piece.request.fail(failure);
            }
            commitOpDone(state, state.commitPieces.size);
            return;
        }
        state.moveCommit(GroupPhase.Commit.DATA_IN_FLIGHT);
        for (Piece piece = state.commitPieces.head; piece != null; piece = piece.next) {
            issueDataWrite(piece);
        }
    }

    /** Test only ({@link EngineTestFault#DATA_BEFORE_RECORD}): issues the commit's data writes before its record completed. */
    void issueDataWritesEarly(GroupState state) {
        state.dataIssuedEarly = true;
        state.commitOpsPending++;
        for (Piece piece = state.commitPieces.head; piece != null; piece = piece.next) {
            issueDataWrite(piece);
        }
    }

    void onDataWrite(Piece piece, int result) {
        GroupState state = piece.group;
        IOException failure = result == piece.lengthBytes(blockSizeBytes) ? null
            : context.deviceError("write", IoPort.DATA_FILE, context.geometry.dataOffsetBytes(piece.firstBlock),
                piece.lengthBytes(blockSizeBytes), result);
        piece.dataDone = true;
        if (failure != null) {
            piece.request.fail(failure);
        }
        commitOpDone(state, 1);
    }

    /**
     * A discard's or write-zeroes' punch completed. On a volume whose never-written blocks must read
     * as zeros ({@code DATA_ZEROED}) a failed punch fails the request, as a failed write does: its
     * tuples say "discarded" and its data may not be zeros, so the blocks read as integrity errors
     * until written again. Elsewhere a never-written block reads as zeros without being read, the
     * punch only gives the space back, and a failure (a block device that cannot zero) is counted, not
     * reported.
     */
    void onDataPunch(Piece piece, int lengthBytes, int result) {
        if (result < 0) {
            if (context.dataZeroed) {
                piece.request.fail(context.deviceError("punch", IoPort.DATA_FILE,
                    context.geometry.dataOffsetBytes(piece.firstBlock), lengthBytes, result));
            } else {
                context.counters.increment(EngineCounters.PUNCHES_REFUSED);
            }
        }
        piece.dataDone = true;
        commitOpDone(piece.group, 1);
    }

    /**
     * Counts {@code done} finished operations of the group's commit; when all are done, the new
     * state becomes the committed one (unless its record failed), the pieces finish and the group
     * may commit again. A data write that failed still leaves its logged tuple current: the block
     * then holds its old data, new data or a torn mix, and reads as an integrity error unless it
     * holds exactly the new data.
     */
    private void commitOpDone(GroupState state, int done) {
        state.commitOpsPending -= done;
        assert state.commitOpsPending >= 0 : "commit completions exceed its operations";
        if (state.commitOpsPending > 0) {
            return;
        }
        applyCommit(state);
        if (context.strict && !state.commitFailed) {
            // Strict: the commit completes when a sync issued after its data writes has completed.
            strictSync.await(state);
            return;
        }
        finishCommit(state, null);
    }

    /**
     * The commit's writes are done: its new state becomes the committed one (reads verify against
     * it), and the log counts the commit as completed.
     */
    private void applyCommit(GroupState state) {
        if (!state.commitFailed) {
            state.newerCopy = state.commitTargetCopy;
            state.previousValid = true;
            state.commitsCompleted++;
            state.unsettled = true;
            for (Piece piece = state.commitPieces.head; piece != null; piece = piece.next) {
                state.markDirty(piece.firstIndex, piece.blockCount);
            }
        }
        if (state.commitSealedUnapplied()) {
            if (state.commitFailed) {
                // The failed record may be on disk after all: no flush may claim its writes from now
                // on, or recovery would call the old data it left a lost write.
                log.freezeWatermark();
            }
            log.onCommitDone(state.commitSequence);
        }
    }

    /** The commit is over: its pieces finish ({@code failure} for each, if any) and the group may commit again. */
    private void finishCommit(GroupState state, IOException failure) {
        // Pieces finish first (a finished piece leaves the list), then the phase says "no commit".
        Piece piece;
        while ((piece = state.commitPieces.poll()) != null) {
            completion.finishPiece(piece, failure);
        }
        state.moveCommit(GroupPhase.Commit.NONE);
        if (!state.fencedRereads.isEmpty()) {
            completion.onCommitOver(state); // issues the re-reads that waited; commits wait for them
            return;
        }
        tryCommit(state);
    }

    private void failDamaged(GroupState state) {
        Piece piece;
        while ((piece = state.pendingWrites.poll()) != null) {
            long[] blocks = new long[piece.blockCount];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = piece.firstBlock + i;
            }
            completion.finishPiece(piece, new ChecksumMismatchException("both imd copies of group " + state.group
                + " are damaged; refusing to write without its checksums", piece.request.offsetBytes, blocks,
                blockSizeBytes));
        }
        state.settleRequested = false;
    }

    private void failWrites(PieceList list, IOException failure) {
        Piece piece;
        while ((piece = list.poll()) != null) {
            completion.finishPiece(piece, failure);
        }
    }

    // ---------------------------------------------------------------- close

    /**
     * Asks every cached group whose in-memory state is ahead of its imd copies to settle. Returns
     * true when no commit, checkpoint or load is in flight and no group is left unsettled.
     */
    boolean settleAll() {
        boolean[] done = {true};
        context.cache.forEach(state -> {
            if (state.commitInFlight() || state.loading() || state.checkpointInFlight()) {
                done[0] = false;
            } else if ((state.unsettled && !state.damaged() && state.loaded())
                    || (state.pairless() && (state.unsettled || state.logTailSequence != TupleLog.NONE))) {
                requestSettle(state);
                done[0] = false;
            }
        });
        return done[0];
    }
}
