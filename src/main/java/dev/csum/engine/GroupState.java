package dev.csum.engine;

import java.lang.foreign.MemorySegment;

/**
 * The engine's knowledge of one group's imd pair, cached in a slot of the imd cache.
 *
 * <p>The slot holds both copies side by side exactly as on disk: half {@code i} is copy {@code i}
 * (copy 0 at {@code imdPairOffsetBytes(group)}, copy 1 one block after). Half {@link #newerCopy}
 * holds the committed state: the tuples of every write whose data write completed. The other half
 * holds, depending on the state, the brother read from disk ({@link #dual}), the next commit being
 * written ({@link #commitInFlight}) or the previous committed state ({@link #previousValid}).
 *
 * <p>Event-loop only.
 */
final class GroupState {
    final int slot;
    final MemorySegment pair;
    final MemorySegment[] halves;

    long group = -1;
    boolean loading;
    /** Loading: the second read of a pair that was not two VALID copies is in flight (see PairLoader.onLoad). */
    boolean loadConfirming;
    /** Loading: each copy's verdict so far. */
    final dev.csum.format.ImdValidity[] loadVerdicts = new dev.csum.format.ImdValidity[2];
    boolean loaded;
    /** Neither copy is valid: reads and writes of this group fail with an integrity error. */
    boolean damaged;
    /** Loaded from disk with two valid copies whose tuples differ: either may describe a block. */
    boolean dual;
    /** Reading the blocks whose tuples differ, to decide which copy describes each (after a crash). */
    boolean resolving;
    boolean commitInFlight;
    /** Queued in CommitPath's commitsDue: has new pending writes whose commit starts at the next loop step. */
    boolean commitDue;
    /** The other half holds the state before the last commit (for reads that raced with it). */
    boolean previousValid;
    /** Commits completed since this slot was assigned: tells a read whether a commit completed while it ran. */
    int commitsCompleted;
    /** The two on-disk copies differ (the older lacks the last commit): settle before eviction/close. */
    boolean unsettled;
    boolean settleRequested;
    int newerCopy;
    int generation;
    /** CLOCK reference bit for eviction. */
    boolean referenced;

    /** Pieces (reads and writes) holding this group in the cache. */
    int users;
    final PieceList readWaiters = new PieceList();
    final PieceList pendingWrites = new PieceList();
    final PieceList commitPieces = new PieceList();
    int commitOpsPending;
    boolean commitImdFailed;
    boolean commitImdDone;
    int commitTargetCopy;
    MemorySegment resolveBuffer;
    /** Resolution corrected a tuple in memory only: the next commit must carry that alone (no new writes). */
    boolean resolutionPending;
    int resolveOpsPending;
    /** Scratch for a commit: the tuples claimed by its writes, one bit per tuple index. */
    final long[] claimedTuples;

    GroupState(int slot, MemorySegment pair, int blockSizeBytes) {
        this.slot = slot;
        this.pair = pair;
        this.claimedTuples = new long[(blockSizeBytes / dev.csum.format.ImdBlock.TUPLE_BYTES + 63) / 64];
        this.halves = new MemorySegment[] {
            pair.asSlice(0, blockSizeBytes), pair.asSlice(blockSizeBytes, blockSizeBytes)};
    }

    void assign(long newGroup) {
        assert users == 0 && !commitInFlight && !resolving && readWaiters.isEmpty() && pendingWrites.isEmpty();
        group = newGroup;
        loading = false;
        loadConfirming = false;
        loaded = false;
        damaged = false;
        dual = false;
        resolving = false;
        commitInFlight = false;
        previousValid = false;
        commitsCompleted = 0;
        unsettled = false;
        settleRequested = false;
        newerCopy = 0;
        generation = 0;
        referenced = true;
        commitOpsPending = 0;
        commitImdFailed = false;
        commitImdDone = false;
        resolveBuffer = null;
        resolveOpsPending = 0;
        resolutionPending = false;
    }

    MemorySegment committed() {
        return halves[newerCopy];
    }

    MemorySegment other() {
        return halves[1 - newerCopy];
    }

    boolean idle() {
        return users == 0 && !loading && !commitInFlight && !resolving
            && pendingWrites.isEmpty() && readWaiters.isEmpty() && !settleRequested;
    }
}
