package dev.csum.engine;

import dev.csum.format.ImdBlock;
import dev.csum.format.MetadataPlacement;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Writes groups' in-memory tuples into their imd pairs, so the tuple log may forget them
 * (DURABILITY.md "Checkpoints").
 *
 * <h2>A round</h2>
 * A round takes every cached group whose in-memory state is ahead of its imd copies (or that was
 * asked to settle) and, per group: copies its committed tuples into a checkpoint buffer (the
 * <em>snapshot</em>), writes it as the older copy's slot with the next generation, then, once that
 * write has completed, as the other slot with the generation after. So at every moment one copy is
 * whole: a torn or lost imd write leaves the other copy, and the log still covers both. When every
 * group's two writes have completed, the devices are synced; only then is each group's log cover
 * dropped and the log's tail moved to the oldest entry not yet durably checkpointed.
 *
 * <p>A snapshot holds the tuples of every commit completed when it was taken; entries of a commit
 * in flight then stay covered by the log ({@link GroupState#sinceSnapshotSequence}).
 *
 * <h2>When</h2>
 * When the log is half full; when it has no room for the open record; when a group must settle
 * (eviction from the imd cache, close). One round at a time; groups are checkpointed
 * {@link #CONCURRENT_GROUPS} at a time, from buffers of this class's own (a round never waits for
 * the request buffers that writes waiting for log room may hold).
 *
 * <p>Event-loop only.
 */
final class Checkpointer {
    /** Groups whose checkpoint writes may be in flight at once (one buffer each). */
    static final int CONCURRENT_GROUPS = 16;
    /** Log fill at which a round starts without being asked. */
    static final double FILL_TRIGGER = 0.5;

    private final EngineContext context;
    private final TupleLog log;
    private final int blockSizeBytes;
    private final MemorySegment[] buffers;
    private final GroupState[] bufferOwner;
    /** Groups of the current round not yet started, FIFO through {@link GroupState#nextInRound}. */
    private GroupState queueHead;
    private GroupState queueTail;
    /** Every group of the current round, chained through {@link GroupState#nextInRoundAll}. */
    private GroupState roundMembers;
    private boolean roundActive;
    private int groupsWriting;
    private int syncsPending;
    private boolean wanted;
    private long roundsCompleted;
    /** The oldest log entry a failed checkpoint left uncovered: the tail never passes it this session. */
    private long failedCover = TupleLog.NONE;
    private IOException lastFailure;

    Checkpointer(EngineContext context, TupleLog log, MemorySegment bufferSlab) {
        this.context = context;
        this.log = log;
        this.blockSizeBytes = context.blockSizeBytes;
        this.buffers = new MemorySegment[CONCURRENT_GROUPS];
        this.bufferOwner = new GroupState[CONCURRENT_GROUPS];
        for (int i = 0; i < CONCURRENT_GROUPS; i++) {
            buffers[i] = bufferSlab.asSlice((long) i * blockSizeBytes, blockSizeBytes);
        }
    }

    /** Bytes of checkpoint buffers (one slab, allocated by the engine). */
    static long slabBytes(int blockSizeBytes) {
        return (long) CONCURRENT_GROUPS * blockSizeBytes;
    }

    /** Asks for a round that includes {@code state} (it must settle: eviction, close). */
    void want(GroupState state) {
        state.checkpointWanted = true;
        wanted = true;
    }

    /** Starts a round when one is due and none is running. Once per loop step. */
    void startIfDue() {
        if (roundActive || !(wanted || log.fill() >= FILL_TRIGGER || log.waitingForRoom())) {
            return;
        }
        wanted = false;
        context.cache.forEach(this::enlist);
        if (roundMembers == null) {
            return;
        }
        roundActive = true;
        startQueued();
    }

    private void enlist(GroupState state) {
        boolean candidate = state.loadPhase() == GroupPhase.Load.LOADED
            && (state.unsettled || state.checkpointWanted) && !state.checkpointInFlight();
        if (!candidate) {
            return;
        }
        state.checkpointWanted = false;
        if (!state.unsettled) {
            return; // asked to settle, nothing to write
        }
        state.moveCheckpoint(GroupPhase.Checkpoint.QUEUED);
        state.nextInRoundAll = roundMembers;
        roundMembers = state;
        if (queueTail == null) {
            queueHead = state;
        } else {
            queueTail.nextInRound = state;
        }
        queueTail = state;
    }

    private void startQueued() {
        while (queueHead != null) {
            int buffer = freeBuffer();
            if (buffer < 0) {
                return;
            }
            GroupState state = queueHead;
            queueHead = state.nextInRound;
            state.nextInRound = null;
            if (queueHead == null) {
                queueTail = null;
            }
            snapshotAndWrite(state, buffer);
        }
        if (groupsWriting == 0) {
            sync();
        }
    }

    private int freeBuffer() {
        for (int i = 0; i < CONCURRENT_GROUPS; i++) {
            if (bufferOwner[i] == null) {
                return i;
            }
        }
        return -1;
    }

    private void snapshotAndWrite(GroupState state, int buffer) {
        MemorySegment snapshot = buffers[buffer];
        bufferOwner[buffer] = state;
        MemorySegment.copy(state.committed(), 0, snapshot, 0, blockSizeBytes);
        state.commitsAtSnapshot = state.commitsCompleted;
        // Entries of a commit in flight are not in the snapshot: the log keeps covering them.
        state.moveCheckpoint(GroupPhase.Checkpoint.FIRST_COPY);
        state.sinceSnapshotSequence = state.commitSealedUnapplied() ? state.commitSequence : TupleLog.NONE;
        state.checkpointFailure = null;
        groupsWriting++;
        // The next generation goes to the slot of its parity (FORMAT.md §4's slot rule): the older
        // copy's slot first, so the newer copy stays whole until the first write has completed.
        writeCopy(state, buffer, state.generation + 1);
    }

    private void writeCopy(GroupState state, int buffer, int generation) {
        MemorySegment snapshot = buffers[buffer];
        ImdBlock.setHeader(snapshot, state.group, generation, context.volumeTag);
        ImdBlock.seal(snapshot);
        int slot = ImdBlock.slotOfGeneration(generation);
        long offset = context.geometry.imdPairOffsetBytes(state.group) + (long) slot * blockSizeBytes;
        context.counters.increment(EngineCounters.CHECKPOINT_WRITES);
        context.ops.create(OpTable.CHECKPOINT_WRITE, OpTable.WRITE_OP, state, buffer, IoPort.METADATA_FILE,
            offset, snapshot, 0); // durable by the round's sync, before the log lets go
    }

    /** One copy of a group's checkpoint was written (or failed). */
    void onCheckpointWrite(GroupState state, int buffer, int result) {
        MemorySegment snapshot = buffers[buffer];
        int generation = ImdBlock.generation(snapshot);
        if (result != blockSizeBytes) {
            IOException failure = context.deviceError("imd checkpoint write", IoPort.METADATA_FILE,
                context.geometry.imdPairOffsetBytes(state.group), blockSizeBytes, result);
            context.counters.increment(EngineCounters.IMD_REPAIR_FAILURES);
            state.checkpointFailure = failure;
            finishGroup(state, buffer);
            return;
        }
        state.generation = generation;
        if (state.checkpointPhase() == GroupPhase.Checkpoint.FIRST_COPY) {
            state.moveCheckpoint(GroupPhase.Checkpoint.SECOND_COPY);
            writeCopy(state, buffer, generation + 1); // the second copy, once the first is whole
            return;
        }
        finishGroup(state, buffer);
    }

    private void finishGroup(GroupState state, int buffer) {
        if (context.testFault == EngineTestFault.TRIM_BEFORE_DURABLE && state.checkpointFailure == null) {
            // Test only: the bug torture must catch (the log forgets entries before the sync).
            state.logTailSequence = state.sinceSnapshotSequence;
            moveTail();
        }
        state.moveCheckpoint(GroupPhase.Checkpoint.AWAITING_SYNC);
        bufferOwner[buffer] = null;
        groupsWriting--;
        startQueued();
    }

    private void sync() {
        syncsPending = 1;
        context.ops.create(OpTable.CHECKPOINT_SYNC, OpTable.FSYNC_OP, this, 0, IoPort.DATA_FILE, 0, null,
            IoPort.FLAG_DATASYNC);
        if (context.geometry.placement() == MetadataPlacement.SEPARATE) {
            syncsPending++;
            context.ops.create(OpTable.CHECKPOINT_SYNC, OpTable.FSYNC_OP, this, 0, IoPort.METADATA_FILE, 0, null,
                IoPort.FLAG_DATASYNC);
        }
    }

    /** A sync of the round completed: when all have, the round's checkpoints are durable. */
    void onSync(int fileIndex, int result) {
        if (result < 0) {
            context.counters.increment(EngineCounters.IMD_REPAIR_FAILURES);
            for (GroupState state = roundMembers; state != null; state = state.nextInRoundAll) {
                state.checkpointFailure = context.deviceError("fsync", fileIndex, 0, 0, result);
            }
        }
        if (--syncsPending > 0) {
            return;
        }
        GroupState state = roundMembers;
        roundMembers = null;
        while (state != null) {
            GroupState next = state.nextInRoundAll;
            state.nextInRoundAll = null;
            if (state.checkpointFailure == null) {
                state.logTailSequence = state.sinceSnapshotSequence;
                state.unsettled = state.commitsCompleted != state.commitsAtSnapshot;
            } else {
                // Not retried by eviction or close (a device failing writes would loop forever): the
                // group's log cover moves to a session-wide pin, so the log is never trimmed past it.
                failedCover = Math.min(failedCover, state.logTailSequence);
                lastFailure = state.checkpointFailure;
                state.logTailSequence = state.sinceSnapshotSequence;
                state.unsettled = false;
            }
            state.sinceSnapshotSequence = TupleLog.NONE;
            state.moveCheckpoint(GroupPhase.Checkpoint.IDLE);
            state = next;
        }
        roundActive = false;
        roundsCompleted++;
        context.counters.increment(EngineCounters.CHECKPOINT_ROUNDS);
        moveTail();
    }

    /** Moves the log's tail to the oldest entry not durably checkpointed in any cached group. */
    private void moveTail() {
        long[] oldest = {Math.min(log.nextSequence(), failedCover)};
        context.cache.forEach(state -> {
            if (state.logTailSequence < oldest[0]) {
                oldest[0] = state.logTailSequence;
            }
        });
        log.advanceTail(oldest[0]);
    }

    /**
     * The failure that keeps the log from moving past its oldest entries, when commits wait for log
     * room that no checkpoint can make; null while a round can still make room.
     */
    IOException stuckFailure() {
        return !roundActive && failedCover != TupleLog.NONE && failedCover <= log.tailSequence() ? lastFailure : null;
    }

    boolean roundActive() {
        return roundActive;
    }

    long roundsCompleted() {
        return roundsCompleted;
    }
}
