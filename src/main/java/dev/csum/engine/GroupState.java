package dev.csum.engine;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The engine's knowledge of one group's imd pair, cached in a slot of the imd cache.
 *
 * <p>The slot holds both copies side by side exactly as on disk: half {@code i} is copy {@code i}
 * (copy 0 at {@code imdPairOffsetBytes(group)}, copy 1 one block after). Half {@link #newerCopy}
 * holds the committed state: the tuples of every write whose data write completed. The other half
 * holds, depending on the state, the brother read from disk ({@link #dual()}), the next commit being
 * written ({@link #commitInFlight()}) or the previous committed state ({@link #previousValid}).
 *
 * <p>Three explicit state machines ({@link GroupPhase}) say where the group stands: its pair's load,
 * its commit and its checkpoint. Every move goes through {@link #moveLoad}, {@link #moveCommit} or
 * {@link #moveCheckpoint}, which check the transition and then {@link #assertInvariants()}.
 *
 * <p>Event-loop only.
 */
final class GroupState {
    final int slot;
    final MemorySegment pair;
    final MemorySegment[] halves;

    long group = -1;
    private GroupPhase.Load loadPhase = GroupPhase.Load.UNASSIGNED;
    private GroupPhase.Commit commitPhase = GroupPhase.Commit.NONE;
    private GroupPhase.Checkpoint checkpointPhase = GroupPhase.Checkpoint.IDLE;
    /** Loading: each copy's verdict so far. */
    final dev.csum.format.ImdValidity[] loadVerdicts = new dev.csum.format.ImdValidity[2];
    /** Loading, after the pair's read failed: reads of one copy each still in flight (PairLoader). */
    int copyReadsPending;
    /** Loading: copies that could not be read (bit {@code i} for copy {@code i}); unusable. */
    int unreadableCopies;
    /** Loading: the pair read's failure, reported if neither copy reads alone either. */
    IOException copyReadFailure;
    /** Pair-less: a read or count waits for the pair, loaded in place once no commit is in flight. */
    boolean loadWanted;
    /** Pair-less: parked-tuple entries reserved for this group's dirty tuples ({@link ParkedTuples#reserve}). */
    int reservedEntries;
    /** Pair-less: a parked-group record is reserved for this group. */
    boolean reservedRecord;
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
    /**
     * The two imd copies differed when the pair was loaded (one damaged, stale, or left different) and
     * no checkpoint has rewritten both since: what {@code csum status} counts.
     */
    boolean copiesDiffer;
    boolean settleRequested;
    int newerCopy;
    /** Generation of the newer imd copy on disk (checkpoints write the next two). */
    int generation;
    /** CLOCK reference bit for eviction. */
    boolean referenced;

    /** Pieces (reads and writes) holding this group in the cache. */
    int users;
    /**
     * Pieces waiting for this group to leave its reserved slot ({@link PieceRouter}): while any do, the
     * slot is not given to another reload; they do not count as {@link #users} (the group must become
     * idle for them to go on).
     */
    int piecesAwaitingRelease;
    final PieceList readWaiters = new PieceList();
    final PieceList pendingWrites = new PieceList();
    final PieceList commitPieces = new PieceList();
    /**
     * Reads whose data mismatched, waiting for the group's next commit to be over before their re-read
     * is issued (ReadPath's fenced re-read): the commit in flight, or the one the pending writes start
     * once the re-reads in flight are done (so that reads of a damaged block do not starve writes).
     */
    final PieceList fencedRereads = new PieceList();
    /** Fenced re-reads in flight: no commit starts while one runs (so none writes under it). */
    int rereadsInFlight;
    int commitOpsPending;
    /** The commit's record write failed: its new state is dropped. */
    boolean commitFailed;
    int commitTargetCopy;
    /** Tuples in the commit in flight (its entries in the log record). */
    int commitEntries;
    /** The sequence of the record holding the commit in flight, once sealed. */
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
    /** Asked to settle: include in the next checkpoint round. */
    boolean checkpointWanted;
    int commitsAtSnapshot;
    IOException checkpointFailure;
    GroupState nextInRound;
    GroupState nextInRoundAll;
    /** Scratch for a commit: the tuples claimed by its writes, one bit per tuple index. */
    final long[] claimedTuples;
    /**
     * The tuples applied by commits since the last durable checkpoint: where the committed tuples may
     * differ from the newer imd copy on disk (what parking keeps, {@link ParkedTuples}).
     */
    final long[] dirtyTuples;
    /** While a checkpoint runs: the dirty tuples its snapshot holds (back into dirtyTuples if it fails). */
    final long[] snapshotDirtyTuples;

    GroupState(int slot, MemorySegment pair, int blockSizeBytes) {
        this.slot = slot;
        this.pair = pair;
        int words = (blockSizeBytes / dev.csum.format.ImdBlock.TUPLE_BYTES + 63) / 64;
        this.claimedTuples = new long[words];
        this.dirtyTuples = new long[words];
        this.snapshotDirtyTuples = new long[words];
        this.halves = new MemorySegment[] {
            pair.asSlice(0, blockSizeBytes), pair.asSlice(blockSizeBytes, blockSizeBytes)};
    }

    /**
     * Gives the slot to {@code newGroup}: only a group that is unassigned, or loaded and idle (evictable),
     * may be replaced.
     */
    void assign(long newGroup) {
        assert loadPhase == GroupPhase.Load.UNASSIGNED || idle() : "assigning a busy or log-covered group " + this;
        group = newGroup;
        loadPhase = GroupPhase.Load.UNASSIGNED;
        previousValid = false;
        commitsCompleted = 0;
        unsettled = false;
        copiesDiffer = false;
        settleRequested = false;
        newerCopy = 0;
        generation = 0;
        referenced = true;
        commitOpsPending = 0;
        copyReadsPending = 0;
        unreadableCopies = 0;
        copyReadFailure = null;
        commitFailed = false;
        dataIssuedEarly = false;
        nextInRecord = null;
        sinceSnapshotSequence = TupleLog.NONE;
        checkpointWanted = false;
        checkpointFailure = null;
        loadWanted = false;
        assert reservedEntries == 0 && !reservedRecord : "a reassigned slot still holds a pair-less reservation";
        assert piecesAwaitingRelease == 0 : "a reassigned slot still has pieces waiting for its group";
        java.util.Arrays.fill(dirtyTuples, 0L);
        java.util.Arrays.fill(snapshotDirtyTuples, 0L);
        assert assertInvariants();
    }

    /** Tuples marked dirty. */
    int dirtyCount() {
        int count = 0;
        for (long word : dirtyTuples) {
            count += Long.bitCount(word);
        }
        return count;
    }

    /** Marks {@code count} tuples from {@code firstIndex} dirty (a commit applied them). */
    void markDirty(int firstIndex, int count) {
        for (int index = firstIndex; index < firstIndex + count; index++) {
            dirtyTuples[index >>> 6] |= 1L << index;
        }
    }

    // ---------------------------------------------------------------- phases

    void moveLoad(GroupPhase.Load to) {
        assert loadPhase.canMoveTo(to) : "group " + group + ": load " + loadPhase + " -> " + to;
        loadPhase = to;
        assert assertInvariants();
    }

    void moveCommit(GroupPhase.Commit to) {
        assert commitPhase.canMoveTo(to) : "group " + group + ": commit " + commitPhase + " -> " + to;
        commitPhase = to;
        assert assertInvariants();
    }

    void moveCheckpoint(GroupPhase.Checkpoint to) {
        assert checkpointPhase.canMoveTo(to) : "group " + group + ": checkpoint " + checkpointPhase + " -> " + to;
        checkpointPhase = to;
        assert assertInvariants();
    }

    GroupPhase.Load loadPhase() {
        return loadPhase;
    }

    GroupPhase.Commit commitPhase() {
        return commitPhase;
    }

    GroupPhase.Checkpoint checkpointPhase() {
        return checkpointPhase;
    }

    /** The pair's read (or its confirming read) is in flight. */
    boolean loading() {
        return loadPhase == GroupPhase.Load.LOADING || loadPhase == GroupPhase.Load.CONFIRMING;
    }

    /** Assigned without its pair: commits run, everything else loads it first ({@link GroupPhase.Load#PAIRLESS}). */
    boolean pairless() {
        return loadPhase == GroupPhase.Load.PAIRLESS;
    }

    /** Commits may run: the pair is loaded, resolved and intact, or the group is pair-less. */
    boolean commitsAllowed() {
        return loadPhase == GroupPhase.Load.LOADED || loadPhase == GroupPhase.Load.PAIRLESS;
    }

    /** The pair has been read and judged (possibly damaged or dual). */
    boolean loaded() {
        return loadPhase.compareTo(GroupPhase.Load.DUAL) >= 0;
    }

    boolean damaged() {
        return loadPhase == GroupPhase.Load.DAMAGED;
    }

    /** Two valid copies differ (a crash state) and are not resolved yet: reads accept either. */
    boolean dual() {
        return loadPhase == GroupPhase.Load.DUAL;
    }

    boolean commitInFlight() {
        return commitPhase != GroupPhase.Commit.NONE;
    }

    /** A fenced re-read runs: no commit may start (CommitPath asks before starting one). */
    boolean commitsHeldForRereads() {
        return rereadsInFlight > 0;
    }

    /**
     * The commit in flight is in a sealed record (its {@link #commitSequence} is set) and its tuples
     * are not yet the committed state (its data writes have not all completed).
     */
    boolean commitSealedUnapplied() {
        return commitPhase == GroupPhase.Commit.RECORD_IN_FLIGHT || commitPhase == GroupPhase.Commit.DATA_IN_FLIGHT;
    }

    boolean checkpointInFlight() {
        return checkpointPhase != GroupPhase.Checkpoint.IDLE;
    }

    /**
     * How the three phases and the fields combine; true, so that it can run inside {@code assert}.
     *
     * @throws AssertionError naming the broken rule
     */
    boolean assertInvariants() {
        check(users >= 0, "users below zero");
        check(rereadsInFlight >= 0, "fenced re-reads below zero");
        check(rereadsInFlight == 0 || commitPhase == GroupPhase.Commit.NONE,
            "a commit runs while a fenced re-read does (its data writes could land under the re-read)");
        check(commitPhase == GroupPhase.Commit.NONE || commitsAllowed(),
            "a commit runs only on a loaded, resolved, undamaged group, or a pair-less one");
        check(loadPhase == GroupPhase.Load.PAIRLESS || (reservedEntries == 0 && !reservedRecord),
            "a group with its pair (or none) holds a pair-less reservation");
        check(!loadWanted || loadPhase == GroupPhase.Load.PAIRLESS, "a load wanted for a group that is not pair-less");
        check(commitPhase != GroupPhase.Commit.NONE
                || (commitPieces.isEmpty() && commitOpsPending == 0 && nextInRecord == null && nextAwaitingSync == null),
            "no commit, yet commit pieces, operations or record links remain");
        check(checkpointPhase == GroupPhase.Checkpoint.IDLE || loadPhase == GroupPhase.Load.LOADED,
            "a checkpoint runs only on a loaded, resolved, undamaged group");
        boolean beforeLoad = !loaded() && loadPhase != GroupPhase.Load.PAIRLESS;
        check(!beforeLoad || (!unsettled && logTailSequence == TupleLog.NONE),
            "a group not loaded is ahead of its imd copies or covered by the log");
        check(loadPhase != GroupPhase.Load.DAMAGED || logTailSequence == TupleLog.NONE,
            "a damaged group holds log entries (its writes are refused)");
        check(sinceSnapshotSequence == TupleLog.NONE || checkpointPhase != GroupPhase.Checkpoint.IDLE,
            "a snapshot sequence outside a checkpoint");
        return true;
    }

    private void check(boolean rule, String broken) {
        if (!rule) {
            throw new AssertionError("group " + group + " (" + this + "): " + broken);
        }
    }

    @Override
    public String toString() {
        return "load " + loadPhase + ", commit " + commitPhase + ", checkpoint " + checkpointPhase
            + (unsettled ? ", unsettled" : "") + (logTailSequence != TupleLog.NONE ? ", log tail " + logTailSequence : "");
    }

    MemorySegment committed() {
        return halves[newerCopy];
    }

    MemorySegment other() {
        return halves[1 - newerCopy];
    }

    /** Nothing in flight or waiting on this group (it may still be ahead of its imd copies). */
    boolean quiet() {
        return users == 0 && !loading() && !commitInFlight() && !checkpointInFlight()
            && pendingWrites.isEmpty() && readWaiters.isEmpty() && !settleRequested && !loadWanted
            && rereadsInFlight == 0 && fencedRereads.isEmpty();
    }

    /**
     * Quiet and settled: both imd copies hold its tuples and the log needs nothing of it; evictable. (A
     * pair-less group is never idle: eviction parks it, which gives back its reservation.)
     */
    boolean idle() {
        return quiet() && !unsettled && logTailSequence == TupleLog.NONE && !reservedRecord;
    }
}
