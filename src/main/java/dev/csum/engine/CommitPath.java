package dev.csum.engine;

import dev.csum.format.ImdBlock;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * The write path's per-group commits — the seed's A/B scheme
 * with its flaws fixed.
 *
 * <h2>A commit</h2>
 * The copy written is the <em>older</em> copy's slot, filled with the newer copy's tuples plus the
 * new ones (copy-forward, fixing the seed's stale brother) and the next generation. The imd write is
 * linked before the first data write; further data writes of the same commit are sent when the imd
 * write has completed. So at every moment the copy not being written holds the current tuple of
 * every block whose data is stable, and a block whose write is in flight matches either its old
 * tuple (in the untouched copy) or its new one.
 *
 * <h2>Ordering and group commit</h2>
 * Per group, the next commit starts only when the previous one's imd write and data writes have all
 * completed: otherwise it would overwrite the copy holding the old tuples of blocks whose new data
 * may not have landed yet. Writes that arrive meanwhile wait in {@link GroupState#pendingWrites} and
 * are coalesced into one commit. Different groups commit concurrently.
 *
 * <h2>After a crash</h2>
 * A group whose two valid copies hold different tuples is {@link GroupState#dual}: reads accept
 * either copy. Before the first commit such a group is <em>resolved</em>: the blocks whose tuples
 * differ are read, and each keeps the tuple its data matches, so the commit carries the truth
 * forward rather than the newer copy's possibly unfulfilled tuples.
 *
 * <h2>Settling</h2>
 * After a commit the older copy lacks that commit's tuples. Before eviction and at close, a group is
 * settled by one more commit with no new tuples, after which both copies agree and either alone can
 * serve every block (so a later bit flip in one copy loses nothing).
 */
final class CommitPath {
    private final EngineContext context;
    private final PieceCompletion completion;
    private final int blockSizeBytes;
    /** Groups waiting for buffer space to resolve. */
    private final ArrayDeque<GroupState> waitingToResolve = new ArrayDeque<>();
    /** Groups given new writes since the last {@link #startDueCommits()}, each once. */
    private final ArrayDeque<GroupState> commitsDue = new ArrayDeque<>();
    /** Scratch for {@link #takeNonOverlappingWrites}: writes held back for the next commit. */
    private final PieceList deferredWrites = new PieceList();
    private boolean settledAny;

    CommitPath(EngineContext context, PieceCompletion completion) {
        this.context = context;
        this.completion = completion;
        this.blockSizeBytes = context.blockSizeBytes;
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
     * (a burst of callbacks issuing their next writes) joins one commit instead of the first one
     * committing alone and the rest waiting a whole commit for the next.
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

    void requestSettle(GroupState state) {
        if (!state.settleRequested) {
            state.settleRequested = true;
            tryCommit(state);
        }
    }

    private void tryCommit(GroupState state) {
        if (!state.loaded || state.commitInFlight || state.resolving) {
            return;
        }
        if (state.damaged) {
            failDamaged(state);
            return;
        }
        if (state.pendingWrites.isEmpty() && !state.settleRequested && !state.resolutionPending) {
            return;
        }
        if (state.dual) {
            startResolve(state);
            return;
        }
        startCommit(state);
    }

    private void startCommit(GroupState state) {
        int target = 1 - state.newerCopy;
        MemorySegment committed = state.committed();
        MemorySegment next = state.halves[target];
        // Copy-forward: the new copy is the committed state plus the new tuples, so it never loses a
        // tuple that only the copy it replaces had.
        if (!context.seedStaleBrother) {
            MemorySegment.copy(committed, 0, next, 0, blockSizeBytes);
        }
        // After a resolution that corrected tuples, the slot written next holds the only on-disk
        // copy of those older tuples; this commit carries the correction alone, so a write to such a
        // block that is in flight at another crash still finds its old tuple in the other copy.
        boolean resolutionOnly = state.resolutionPending;
        state.resolutionPending = false;
        if (!resolutionOnly) {
            takeNonOverlappingWrites(state);
        }
        for (Piece piece = state.commitPieces.head; piece != null; piece = piece.next) {
            Request request = piece.request;
            int[] sums = request.checksums;
            short[] tags = request.appTags;
            for (int i = 0; i < piece.blockCount; i++) {
                int inRequest = piece.firstBlockInRequest + i;
                ImdBlock.setTuple(next, piece.firstIndex + i, sums[inRequest], ImdBlock.FLAG_WRITTEN,
                    tags == null ? 0 : tags[inRequest] & 0xFFFF);
            }
        }
        int nextGeneration = state.generation + 1;
        if (ImdBlock.slotOfGeneration(nextGeneration) != target) {
            // Only when the committed copy is an all-zero copy 1 (its brother rejected): generation 0
            // in slot 1. Copy i always holds generations of parity i (a load rejects any other).
            nextGeneration++;
        }
        assert ImdBlock.isNewer(nextGeneration, state.generation) : "generation must advance";
        assert ImdBlock.slotOfGeneration(nextGeneration) == target : "generation parity must match the slot";
        ImdBlock.setHeader(next, state.group, nextGeneration, context.volumeTag);
        ImdBlock.seal(next);

        boolean settle = state.commitPieces.isEmpty();
        // A resolution-only commit leaves the copies different: settle after it (or commit the writes).
        state.settleRequested = resolutionOnly;
        state.commitInFlight = true;
        state.previousValid = false;
        state.commitTargetCopy = target;
        state.commitImdDone = false;
        state.commitImdFailed = false;
        state.commitOpsPending = 1 + state.commitPieces.size;
        if (settle) {
            settledAny = true;
        }
        context.counters.increment(EngineCounters.IMD_COMMITS);

        long imdOffset = context.geometry.imdPairOffsetBytes(state.group) + (long) target * blockSizeBytes;
        Piece first = state.commitPieces.head;
        int imdSlot = context.ops.create(OpTable.IMD_WRITE, OpTable.WRITE_OP, state, 0, IoPort.METADATA_FILE,
            imdOffset, next, context.writeFlags | (first != null ? IoPort.FLAG_LINK : 0));
        if (first != null) {
            // The imd write is linked before the first data write (the seed's barrier, as a link).
            context.ops.linkedToNext[imdSlot] = true;
            issueDataWrite(first);
        }
    }

    /**
     * Moves the pending writes into the commit, in the order they arrived, except a write that
     * overlaps one before it: that one, and every later write overlapping it, waits for the next
     * commit. The data writes of one commit are unordered on the device, so two writes of the same
     * block in one commit could land in either order under the later one's checksum; across commits
     * they are ordered (a commit starts when the previous one's writes have all completed).
     */
    private void takeNonOverlappingWrites(GroupState state) {
        long[] claimed = state.claimedTuples;
        java.util.Arrays.fill(claimed, 0L);
        Piece piece;
        while ((piece = state.pendingWrites.poll()) != null) {
            boolean overlaps = anySet(claimed, piece.firstIndex, piece.blockCount);
            setRange(claimed, piece.firstIndex, piece.blockCount);
            (overlaps ? deferredWrites : state.commitPieces).add(piece);
        }
        state.pendingWrites.takeAll(deferredWrites);
    }

    private static boolean anySet(long[] bits, int from, int count) {
        for (int index = from; index < from + count; index++) {
            if ((bits[index >>> 6] & (1L << index)) != 0) {
                return true;
            }
        }
        return false;
    }

    private static void setRange(long[] bits, int from, int count) {
        for (int index = from; index < from + count; index++) {
            bits[index >>> 6] |= 1L << index;
        }
    }

    private void issueDataWrite(Piece piece) {
        context.ops.create(OpTable.DATA_WRITE, OpTable.WRITE_OP, piece, 0, IoPort.DATA_FILE,
            context.geometry.dataOffsetBytes(piece.firstBlock), piece.data, context.writeFlags);
    }

    void onImdWrite(GroupState state, int result) {
        state.commitImdDone = true;
        Piece first = state.commitPieces.head;
        if (result != blockSizeBytes) {
            state.commitImdFailed = true;
            IOException failure = context.deviceError("imd write", IoPort.METADATA_FILE,
                context.geometry.imdPairOffsetBytes(state.group) + (long) state.commitTargetCopy * blockSizeBytes,
                blockSizeBytes, result);
            if (first == null) {
                // A settle carries no new tuple: the newer copy stays complete and the data is safe,
                // so a failed one (a full file system, a read-only device) is a warning, not a failure.
                // Counted in the stats, which the command line reports as a warning.
                context.counters.increment(EngineCounters.IMD_REPAIR_FAILURES);
            }
            // The linked first data write completes with -ECANCELED; the others were never sent.
            if (first != null) {
                first.request.fail(failure);
                for (Piece piece = first.next; piece != null; piece = piece.next) {
                    piece.request.fail(failure);
                    piece.dataDone = true; // marks "never sent"
                }
            }
        } else if (first != null) {
            for (Piece piece = first.next; piece != null; piece = piece.next) {
                issueDataWrite(piece);
            }
        }
        commitOpDone(state, state.commitImdFailed && first != null ? state.commitPieces.size - 1 : 0);
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
        commitOpDone(state, 0);
    }

    /**
     * Counts finished operations of the group's commit ({@code extra} more for data writes that were
     * never sent); when all are done, the pieces finish and the group may commit again.
     */
    private void commitOpDone(GroupState state, int extra) {
        state.commitOpsPending -= 1 + extra;
        assert state.commitOpsPending >= 0 : "commit completions exceed its operations";
        if (state.commitOpsPending > 0) {
            return;
        }
        boolean settle = state.commitPieces.isEmpty();
        state.commitInFlight = false;
        if (!state.commitImdFailed) {
            state.newerCopy = state.commitTargetCopy;
            state.generation = ImdBlock.generation(state.committed());
            state.previousValid = true;
            state.commitsCompleted++;
            state.unsettled = !settle;
        } else if (settle) {
            // A failed settle is not retried: the newer copy is intact on the media and the pair is
            // as a crash would leave it, which opening handles. Retrying (for eviction or close)
            // would loop forever on a device that fails writes.
            state.unsettled = false;
        }
        Piece piece;
        while ((piece = state.commitPieces.poll()) != null) {
            completion.finishPiece(piece, null);
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

    // ---------------------------------------------------------------- resolution after a crash

    private void startResolve(GroupState state) {
        MemorySegment committed = state.committed();
        MemorySegment brother = state.other();
        int differing = 0;
        int tuples = context.geometry.blocksInGroup(state.group);
        for (int index = 0; index < tuples; index++) {
            if (differs(committed, brother, index)) {
                differing++;
            }
        }
        if (differing == 0) {
            state.dual = false;
            startCommit(state);
            return;
        }
        MemorySegment buffer = context.buffers.allocate((long) differing * blockSizeBytes);
        if (buffer == null) {
            state.resolving = true;
            waitingToResolve.add(state);
            return;
        }
        state.resolving = true;
        state.resolveBuffer = buffer;
        state.resolveOpsPending = differing;
        long firstBlock = context.geometry.firstBlockOfGroup(state.group);
        int k = 0;
        for (int index = 0; index < tuples; index++) {
            if (differs(committed, brother, index)) {
                context.ops.create(OpTable.RESOLVE_READ, OpTable.READ_OP, state, index, IoPort.DATA_FILE,
                    context.geometry.dataOffsetBytes(firstBlock + index),
                    buffer.asSlice((long) k * blockSizeBytes, blockSizeBytes), 0);
                k++;
            }
        }
    }

    private static boolean differs(MemorySegment a, MemorySegment b, int index) {
        long offset = ImdBlock.tupleOffset(index);
        return MemorySegment.mismatch(a, offset, offset + ImdBlock.TUPLE_BYTES, b, offset,
            offset + ImdBlock.TUPLE_BYTES) >= 0;
    }

    /** Marks, in a resolve read's aux, the second read that confirms a block was never written. */
    private static final int CONFIRM = 1 << 30;

    void onResolveRead(GroupState state, int aux, MemorySegment block, int result) {
        int index = aux & ~CONFIRM;
        if (result == blockSizeBytes) {
            MemorySegment committed = state.committed();
            MemorySegment brother = state.other();
            long logicalBlock = context.geometry.firstBlockOfGroup(state.group) + index;
            int sum = context.checksum.blockChecksum(block, logicalBlock); // rare: resolution after a crash
            boolean committedMatches = ImdBlock.tupleWritten(committed, index)
                && sum == ImdBlock.tupleChecksum(committed, index);
            boolean brotherMatches = ImdBlock.tupleWritten(brother, index)
                && sum == ImdBlock.tupleChecksum(brother, index);
            boolean neverWritten = !ImdBlock.tupleWritten(brother, index) && ImdBlock.isAllZero(block);
            if (!committedMatches && !brotherMatches && neverWritten && (aux & CONFIRM) == 0) {
                // "Never written" is carried into the next commit for good, and an all-zero block may
                // also be a misdirected read: confirm it with a second read before deciding.
                context.ops.create(OpTable.RESOLVE_READ, OpTable.READ_OP, state, index | CONFIRM, IoPort.DATA_FILE,
                    context.geometry.dataOffsetBytes(logicalBlock), block, 0);
                return;
            }
            if (!committedMatches && (brotherMatches || neverWritten)) {
                // The newer copy's tuple describes a write whose data never landed: carry forward
                // the tuple that describes what is on disk (or "never written").
                MemorySegment.copy(brother, ImdBlock.tupleOffset(index), committed, ImdBlock.tupleOffset(index),
                    ImdBlock.TUPLE_BYTES);
                state.resolutionPending = true;
            }
        }
        // On a read error, or data that matches neither copy (damaged, or a first write that never
        // landed over non-zero old contents), the newer tuple is kept: the block then reads as an
        // error, never as wrong data.
        if (--state.resolveOpsPending == 0) {
            context.buffers.free(state.resolveBuffer);
            state.resolveBuffer = null;
            state.resolving = false;
            state.dual = false;
            tryCommit(state);
        }
    }

    /** Retries groups that waited for buffer space to resolve. */
    void retryWaiting() {
        int waiting = waitingToResolve.size();
        for (int i = 0; i < waiting; i++) {
            GroupState state = waitingToResolve.poll();
            state.resolving = false;
            tryCommit(state);
        }
    }

    // ---------------------------------------------------------------- close

    /**
     * Settles every cached group whose copies differ. Returns true when nothing is left to settle and
     * no commit is in flight.
     */
    boolean settleAll() {
        boolean[] done = {true};
        context.cache.forEach(state -> {
            if (state.commitInFlight || state.resolving || state.loading) {
                done[0] = false;
            } else if (state.unsettled && !state.damaged && state.loaded) {
                requestSettle(state);
                done[0] = false;
            }
        });
        return done[0];
    }

    boolean settledAny() {
        return settledAny;
    }
}
