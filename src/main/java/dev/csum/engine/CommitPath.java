package dev.csum.engine;

import dev.csum.format.ImdBlock;
import dev.csum.format.ImdValidity;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * Group metadata: loading imd pairs, and the write path's per-group commits — the seed's A/B scheme
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
    private final Engine engine;
    private final int blockSizeBytes;
    /** Groups waiting for buffer space to resolve. */
    private final ArrayDeque<GroupState> waitingToResolve = new ArrayDeque<>();
    /** Groups given new writes since the last {@link #startDueCommits()}, each once. */
    private final ArrayDeque<GroupState> commitsDue = new ArrayDeque<>();
    /** Scratch for {@link #takeNonOverlappingWrites}: writes held back for the next commit. */
    private final PieceList deferredWrites = new PieceList();
    /** Groups loaded since open: a later load of one cannot find a crash state (see onLoad). */
    private final LoadedGroups loadedGroups;
    private boolean settledAny;

    CommitPath(Engine engine) {
        this.engine = engine;
        this.blockSizeBytes = engine.blockSizeBytes;
        this.loadedGroups = new LoadedGroups(engine.geometry.groupCount());
    }

    // ---------------------------------------------------------------- loading

    /** An imd load's aux: the copies the read covers, bit {@code i} for copy {@code i}. */
    private static final int BOTH_COPIES = 0b11;

    void startLoad(GroupState state) {
        state.loading = true;
        state.loadConfirming = false;
        readCopies(state, BOTH_COPIES);
    }

    private void readCopies(GroupState state, int copies) {
        engine.ops.create(OpTable.IMD_LOAD, OpTable.READ_OP, state, copies, IoPort.METADATA_FILE,
            copiesOffsetBytes(state, copies), copies == BOTH_COPIES ? state.pair : state.halves[firstCopy(copies)], 0);
    }

    /** The first copy an imd load's {@code copies} covers (both, or one). */
    private static int firstCopy(int copies) {
        return copies == 0b10 ? 1 : 0;
    }

    private long copiesOffsetBytes(GroupState state, int copies) {
        return engine.geometry.imdPairOffsetBytes(state.group) + (long) firstCopy(copies) * blockSizeBytes;
    }

    /**
     * A read of the pair (or, confirming, of some of its copies) completed. Only a VALID copy binds
     * itself to this group, slot and volume; an all-zero copy (what a never-written group holds) or a
     * rejected one may be a misdirected read, and trusting it would cost the group its tuples: its
     * written blocks would read as zeros, and the next commit would write that over the real pair. So
     * a pair that is not two VALID copies is read again (its suspect copies only) before it is used:
     * a copy counts as EMPTY only if both reads found it all zero, and a copy VALID in either read is
     * used. Sticky faults (bit rot, latent errors) read the same twice; a transient one does not.
     */
    void onLoad(GroupState state, int copies, int result) {
        int lengthBytes = Integer.bitCount(copies) * blockSizeBytes;
        if (result != lengthBytes) {
            state.loading = false;
            IOException failure = engine.deviceError("imd pair read", IoPort.METADATA_FILE,
                copiesOffsetBytes(state, copies), lengthBytes, result);
            failWrites(state.pendingWrites, failure);
            engine.onGroupLoaded(state, failure);
            engine.cache.discard(state);
            return;
        }
        ImdValidity[] verdicts = state.loadVerdicts;
        for (int copy = 0; copy < 2; copy++) {
            if ((copies & (1 << copy)) != 0) {
                ImdValidity verdict = ImdBlock.validate(state.halves[copy], state.group, engine.volumeTag, copy);
                // Confirming: VALID wins, EMPTY needs both reads, otherwise the copy stays rejected.
                if (!state.loadConfirming || verdict != ImdValidity.EMPTY) {
                    verdicts[copy] = verdict;
                }
            }
        }
        int suspect = (verdicts[0] != ImdValidity.VALID ? 0b01 : 0) | (verdicts[1] != ImdValidity.VALID ? 0b10 : 0);
        if (suspect != 0 && !state.loadConfirming) {
            state.loadConfirming = true;
            engine.counters.imdConfirmReads++;
            readCopies(state, suspect);
            return;
        }
        state.loading = false;
        ImdValidity first = verdicts[0];
        ImdValidity second = verdicts[1];
        boolean firstUsable = first.usable();
        boolean secondUsable = second.usable();
        if (firstUsable && secondUsable) {
            int firstGeneration = ImdBlock.generation(state.halves[0]);
            int secondGeneration = ImdBlock.generation(state.halves[1]);
            // Equal generations only happen for a never-written (all-zero) pair: copy 0 counts as newer.
            state.newerCopy = ImdBlock.isNewer(secondGeneration, firstGeneration) ? 1 : 0;
            int newerGeneration = state.newerCopy == 1 ? secondGeneration : firstGeneration;
            int olderGeneration = state.newerCopy == 1 ? firstGeneration : secondGeneration;
            boolean differ = tuplesDiffer(state);
            // Commits alternate slots one generation apart, so a crash leaves the copies at most one
            // apart. A wider gap means an imd write was lost or misdirected: the older copy is stale
            // beyond any write in flight, and trusting it could bless stale data (or call a damaged
            // written block "never written"). So does any difference on a reload in this session:
            // the engine settles a group before evicting it (a failed settle leaves the newer copy
            // complete), so only a group's first load since open can find a crash state. Either way,
            // serve from the newer copy alone.
            if (differ && (olderGeneration + 1 != newerGeneration || loadedGroups.contains(state.group))) {
                state.dual = false;
                state.unsettled = true;
                engine.counters.metadataFallbacks++;
            } else {
                state.dual = differ;
                state.unsettled = differ;
            }
        } else if (firstUsable || secondUsable) {
            state.newerCopy = firstUsable ? 0 : 1;
            state.unsettled = true;
            engine.counters.metadataFallbacks++;
        } else {
            state.damaged = true;
            engine.counters.metadataFallbacks += 2;
        }
        state.generation = state.damaged ? 0 : ImdBlock.generation(state.committed());
        if (engine.readOnly && state.unsettled) {
            // A writable session would rewrite this pair (settle, repair); a read-only one reports it
            // and serves reads from what is there (either copy of a crash state, or the good copy).
            state.unsettled = false;
            engine.counters.imdRepairsDeferred++;
        }
        loadedGroups.add(state.group);
        state.loaded = true;
        engine.onGroupLoaded(state, null);
        tryCommit(state);
    }

    private boolean tuplesDiffer(GroupState state) {
        long tuplesBytes = (long) engine.geometry.tuplesPerGroup() * ImdBlock.TUPLE_BYTES;
        return MemorySegment.mismatch(state.halves[0], ImdBlock.HEADER_BYTES, ImdBlock.HEADER_BYTES + tuplesBytes,
            state.halves[1], ImdBlock.HEADER_BYTES, ImdBlock.HEADER_BYTES + tuplesBytes) >= 0;
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
        if (!engine.seedStaleBrother) {
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
        ImdBlock.setHeader(next, state.group, nextGeneration, engine.volumeTag);
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
        engine.counters.imdCommits++;

        long imdOffset = engine.geometry.imdPairOffsetBytes(state.group) + (long) target * blockSizeBytes;
        Piece first = state.commitPieces.head;
        int imdSlot = engine.ops.create(OpTable.IMD_WRITE, OpTable.WRITE_OP, state, 0, IoPort.METADATA_FILE,
            imdOffset, next, engine.writeFlags | (first != null ? IoPort.FLAG_LINK : 0));
        if (first != null) {
            // The imd write is linked before the first data write (the seed's barrier, as a link).
            engine.ops.linkedToNext[imdSlot] = true;
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
        engine.ops.create(OpTable.DATA_WRITE, OpTable.WRITE_OP, piece, 0, IoPort.DATA_FILE,
            engine.geometry.dataOffsetBytes(piece.firstBlock), piece.data, engine.writeFlags);
    }

    void onImdWrite(GroupState state, int result) {
        state.commitImdDone = true;
        Piece first = state.commitPieces.head;
        if (result != blockSizeBytes) {
            state.commitImdFailed = true;
            IOException failure = engine.deviceError("imd write", IoPort.METADATA_FILE,
                engine.geometry.imdPairOffsetBytes(state.group) + (long) state.commitTargetCopy * blockSizeBytes,
                blockSizeBytes, result);
            if (first == null) {
                // A settle carries no new tuple: the newer copy stays complete and the data is safe,
                // so a failed one (a full file system, a read-only device) is a warning, not a failure.
                // Counted in the stats, which the command line reports as a warning.
                engine.counters.imdRepairFailures++;
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
            : engine.deviceError("write", IoPort.DATA_FILE, engine.geometry.dataOffsetBytes(piece.firstBlock),
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
            engine.finishPiece(piece, null);
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
            engine.finishPiece(piece, new ChecksumMismatchException("both imd copies of group " + state.group
                + " are damaged; refusing to write without its checksums", piece.request.offsetBytes, blocks,
                blockSizeBytes));
        }
        state.settleRequested = false;
    }

    private void failWrites(PieceList list, IOException failure) {
        Piece piece;
        while ((piece = list.poll()) != null) {
            engine.finishPiece(piece, failure);
        }
    }

    // ---------------------------------------------------------------- resolution after a crash

    private void startResolve(GroupState state) {
        MemorySegment committed = state.committed();
        MemorySegment brother = state.other();
        int differing = 0;
        int tuples = engine.geometry.blocksInGroup(state.group);
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
        MemorySegment buffer = engine.buffers.allocate((long) differing * blockSizeBytes);
        if (buffer == null) {
            state.resolving = true;
            waitingToResolve.add(state);
            return;
        }
        state.resolving = true;
        state.resolveBuffer = buffer;
        state.resolveOpsPending = differing;
        long firstBlock = engine.geometry.firstBlockOfGroup(state.group);
        int k = 0;
        for (int index = 0; index < tuples; index++) {
            if (differs(committed, brother, index)) {
                engine.ops.create(OpTable.RESOLVE_READ, OpTable.READ_OP, state, index, IoPort.DATA_FILE,
                    engine.geometry.dataOffsetBytes(firstBlock + index),
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
            long logicalBlock = engine.geometry.firstBlockOfGroup(state.group) + index;
            int sum = engine.checksum.blockChecksum(block, logicalBlock); // rare: resolution after a crash
            boolean committedMatches = ImdBlock.tupleWritten(committed, index)
                && sum == ImdBlock.tupleChecksum(committed, index);
            boolean brotherMatches = ImdBlock.tupleWritten(brother, index)
                && sum == ImdBlock.tupleChecksum(brother, index);
            boolean neverWritten = !ImdBlock.tupleWritten(brother, index) && ImdBlock.isAllZero(block);
            if (!committedMatches && !brotherMatches && neverWritten && (aux & CONFIRM) == 0) {
                // "Never written" is carried into the next commit for good, and an all-zero block may
                // also be a misdirected read: confirm it with a second read before deciding.
                engine.ops.create(OpTable.RESOLVE_READ, OpTable.READ_OP, state, index | CONFIRM, IoPort.DATA_FILE,
                    engine.geometry.dataOffsetBytes(logicalBlock), block, 0);
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
            engine.buffers.free(state.resolveBuffer);
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
        engine.cache.forEach(state -> {
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
