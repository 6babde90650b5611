package dev.csum.engine;

import java.io.IOException;
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
    /**
     * The in-memory tuples are ahead of the imd copies on disk, or the two copies differ: a
     * checkpoint must write both before the group may be evicted (and before close).
     */
    boolean unsettled;
    boolean settleRequested;
    int newerCopy;
    /** Generation of the newer imd copy on disk (checkpoints write the next two). */
    int generation;
    /** CLOCK reference bit for eviction. */
    boolean referenced;

    /** Pieces (reads and writes) holding this group in the cache. */
    int users;
    final PieceList readWaiters = new PieceList();
    final PieceList pendingWrites = new PieceList();
    final PieceList commitPieces = new PieceList();
    int commitOpsPending;
    /** The commit's record write failed: its new state is dropped. */
    boolean commitFailed;
    int commitTargetCopy;
    /** Tuples in the commit in flight (its entries in the log record). */
    int commitEntries;
    /** The commit in flight is in a sealed record, {@link #commitSequence}. */
    boolean commitSealed;
    long commitSequence;
    /** Test only: the commit's data writes were issued before its record completed. */
    boolean dataIssuedEarly;
    /** Strict mode: next group whose commit waits for the same data-device sync. */
    GroupState nextAwaitingSync;
    /** Next group in the same log record (open or in flight). */
    GroupState nextInRecord;
    /**
     * The oldest log sequence holding an entry of this group that no durable checkpoint covers
     * ({@link TupleLog#NONE} when none): the log's tail may not pass it.
     */
    long logTailSequence = TupleLog.NONE;
    /** While a checkpoint runs: the oldest sequence of entries its snapshot does not hold. */
    long sinceSnapshotSequence = TupleLog.NONE;
    /** A checkpoint of this group is running (from its snapshot until the round's sync). */
    boolean checkpointInFlight;
    /** Asked to settle: include in the next checkpoint round. */
    boolean checkpointWanted;
    int checkpointCopiesWritten;
    int commitsAtSnapshot;
    IOException checkpointFailure;
    GroupState nextInRound;
    GroupState nextInRoundAll;
    MemorySegment resolveBuffer;
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
        assert users == 0 && !commitInFlight && !resolving && readWaiters.isEmpty() && pendingWrites.isEmpty()
            && !checkpointInFlight && logTailSequence == TupleLog.NONE : "assigning a busy or log-covered group";
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
        commitFailed = false;
        commitSealed = false;
        dataIssuedEarly = false;
        nextInRecord = null;
        sinceSnapshotSequence = TupleLog.NONE;
        checkpointWanted = false;
        checkpointCopiesWritten = 0;
        checkpointFailure = null;
        resolveBuffer = null;
        resolveOpsPending = 0;
    }

    MemorySegment committed() {
        return halves[newerCopy];
    }

    MemorySegment other() {
        return halves[1 - newerCopy];
    }

    /** Nothing in flight or waiting on this group (it may still be ahead of its imd copies). */
    boolean quiet() {
        return users == 0 && !loading && !commitInFlight && !resolving && !checkpointInFlight
            && pendingWrites.isEmpty() && readWaiters.isEmpty() && !settleRequested;
    }

    /** Quiet and settled: both imd copies hold its tuples and the log needs nothing of it; evictable. */
    boolean idle() {
        return quiet() && !unsettled && logTailSequence == TupleLog.NONE;
    }
}
