package dev.csum.engine;

import dev.csum.format.MetadataPlacement;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * Writes groups' in-memory tuples into their imd pairs, so the tuple log may forget them
 * (DURABILITY.md "Checkpoints").
 *
 * <h2>A round</h2>
 * A round takes every cached group whose in-memory state is ahead of its imd copies (or that was
 * asked to settle) and goes through them in <em>batches</em> of up to {@link #CONCURRENT_GROUPS}
 * ({@link CheckpointBatch}; this class keeps the round: its groups, its closing sync, the log's tail).
 * Per group of a batch: its committed tuples are copied into a checkpoint buffer (the
 * <em>snapshot</em>); then the data they describe is made durable (below); then the snapshot is
 * written as the older copy's slot with the next generation, and, once that write is <em>durable</em>
 * (below), as the other slot with the generation after. So at every moment one copy is whole on
 * stable media: a torn or lost imd write leaves the other copy, and the log still covers both. The
 * next batch starts when the batch's second copies have completed. When every batch is done, the
 * devices are synced; only then is each group's log cover dropped and the log's tail moved to the
 * oldest entry not yet durably checkpointed.
 *
 * <h2>Without {@code RWF_DSYNC} (the default mode)</h2>
 * A completed write may still sit in the device's volatile cache: a power loss may lose it, keep
 * it, tear it, and keep a later write while losing an earlier one.
 * <ul>
 *   <li><b>Data before tuples.</b> A snapshot holds the tuples of completed commits whose data may
 *       still be cached. Were a copy durable before that data, a power loss could keep the copy and
 *       lose the data: an unflushed write's block, holding its older data intact, would read as an
 *       integrity error, since the older tuple is in neither copy any more. So each batch starts with
 *       an fdatasync of the data device, after its snapshots were taken.</li>
 *   <li><b>The copy barrier.</b> If the second copy were written while the first was only cached,
 *       a power loss could tear both: the group would lose every tuple the log no longer holds (both
 *       copies held the previous round's snapshot, the log only what came since). So when an imd
 *       block is larger than a sector (a device writes a sector whole or not at all, so a one-sector
 *       imd block cannot tear), the batch's first copies are followed by an fdatasync of the metadata
 *       device (the barrier) before its second copies are written.</li>
 * </ul>
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
    /** Asks pair-less groups met by a round to settle (their pair is loaded in place first). */
    private Consumer<GroupState> pairlessSettler;
    /** Parked groups loaded back for this round (null: the cache never parks). */
    private GroupParking reloads;
    /** While a round enlists: the log covers whose pair-less groups it loads ({@link GroupParking#oldCovers}). */
    private long enlistCoversAtMost;
    /**
     * Groups whose checkpoint writes may be in flight at once (one buffer each): a batch's syncs
     * (data, barrier, round) are shared by this many groups, so more is fewer syncs per group, at one
     * imd block of memory each (128 × 4 KiB = 512 KiB); 128 measured +11 % over 16 on 4 KiB random
     * writes (PERFORMANCE.md).
     */
    static final int CONCURRENT_GROUPS = 128;
    /** Log fill at which a round starts without being asked. */
    static final double FILL_TRIGGER = 0.75;
    /** The unit every device writes whole or not at all: an imd block of this size cannot tear. */
    static final int SECTOR_BYTES = 512;
    /** {@link OpTable#CHECKPOINT_SYNC}'s aux: the round's closing sync, a batch's copy barrier, its data sync. */
    static final int ROUND_SYNC = 0;
    static final int BARRIER_SYNC = 1;
    static final int DATA_SYNC = 2;

    private final EngineContext context;
    private final TupleLog log;
    /** The batch being written (one at a time: its buffers are the round's). */
    private final CheckpointBatch batch;
    /** Groups of the current round not yet started, FIFO through {@link GroupState#nextInRound}. */
    private GroupState queueHead;
    private GroupState queueTail;
    /** Every group of the current round, chained through {@link GroupState#nextInRoundAll}. */
    private GroupState roundMembers;
    private boolean roundActive;
    private int syncsPending;
    private boolean wanted;
    private long roundsCompleted;
    /** The oldest log entry a failed checkpoint left uncovered: the tail never passes it this session. */
    private long failedCover = TupleLog.NONE;
    private IOException lastFailure;
    /** When the current round started, and when the sync it waits for was created (its time counters). */
    private long roundStartNanos;
    private long syncIssuedNanos;

    /** Parked groups (their log covers hold the tail back); null when the cache never parks. */
    private final ParkedTuples parked;

    Checkpointer(EngineContext context, TupleLog log, MemorySegment bufferSlab, ParkedTuples parkedOrNull) {
        this.context = context;
        this.log = log;
        this.parked = parkedOrNull;
        this.batch = new CheckpointBatch(context, bufferSlab, new CheckpointBatch.Round() {
            @Override
            public void onGroupFinished() {
                startQueued();
            }

            @Override
            public void trimBeforeDurable(GroupState state) {
                state.logTailSequence = state.sinceSnapshotSequence;
                moveTail();
            }

            @Override
            public void syncIssued() {
                syncIssuedNanos = System.nanoTime();
            }
        });
    }

    /**
     * Whether the first copy of a checkpoint must be made durable before the second is written: imd
     * blocks larger than a sector, written without {@code RWF_DSYNC} (see the class comment).
     */
    static boolean needsCopyBarrier(int blockSizeBytes, boolean dsyncWrites) {
        return blockSizeBytes > SECTOR_BYTES && !dsyncWrites;
    }

    /** Bytes of checkpoint buffers (one slab, allocated by the engine). */
    static long slabBytes(int blockSizeBytes) {
        return (long) CONCURRENT_GROUPS * blockSizeBytes;
    }

    void connect(Consumer<GroupState> settler, GroupParking parking) {
        this.pairlessSettler = settler;
        this.reloads = parking;
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
        if (reloads != null && reloads.reloadsInFlight()) {
            return; // reloads into reserved slots land first: one round's syncs serve them all
        }
        wanted = false;
        enlistCoversAtMost = reloads == null ? TupleLog.NONE : reloads.pairlessCoversToSettle();
        context.cache.forEach(this::enlist);
        if (roundMembers == null) {
            return;
        }
        roundActive = true;
        roundStartNanos = System.nanoTime();
        startQueued();
    }

    private void enlist(GroupState state) {
        if (state.pairless()) {
            // Its entries hold the tail back until its pair is loaded (in place) and a round writes it;
            // only the groups holding the oldest entries are loaded for a round (close settles the rest).
            if (state.logTailSequence != TupleLog.NONE && state.logTailSequence <= enlistCoversAtMost
                    && !state.settleRequested) {
                pairlessSettler.accept(state);
            }
            return;
        }
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

    /** Starts the round's next batch, or its closing sync when no group is left. */
    private void startQueued() {
        if (batch.groupsWriting() > 0) {
            return; // the batch in progress finishes first
        }
        while (queueHead != null && batch.take(queueHead)) {
            GroupState state = queueHead;
            queueHead = state.nextInRound;
            state.nextInRound = null;
            if (queueHead == null) {
                queueTail = null;
            }
        }
        if (batch.groupsWriting() == 0) {
            sync();
        } else {
            batch.start();
        }
    }

    /** One copy of a group's checkpoint was written (or failed). */
    void onCheckpointWrite(GroupState state, int buffer, int result) {
        batch.onCheckpointWrite(state, buffer, result);
    }

    private void sync() {
        syncIssuedNanos = System.nanoTime();
        syncsPending = 1;
        context.ops.create(OpTable.CHECKPOINT_SYNC, OpTable.FSYNC_OP, this, ROUND_SYNC, IoPort.DATA_FILE, 0, null,
            IoPort.FLAG_DATASYNC);
        if (context.geometry.placement() == MetadataPlacement.SEPARATE) {
            syncsPending++;
            context.ops.create(OpTable.CHECKPOINT_SYNC, OpTable.FSYNC_OP, this, ROUND_SYNC, IoPort.METADATA_FILE, 0,
                null, IoPort.FLAG_DATASYNC);
        }
    }

    /**
     * A sync completed: a batch's data sync ({@code kind} {@link #DATA_SYNC}) or copy barrier
     * ({@link #BARRIER_SYNC}), or one of the round's closing syncs: when all of those have, the
     * round's checkpoints are durable.
     */
    void onSync(int kind, int fileIndex, int result) {
        long now = System.nanoTime();
        if (kind != ROUND_SYNC || syncsPending == 1) { // a closing sync on two devices is timed once, to the last
            context.counters.add(EngineCounters.CHECKPOINT_SYNC_NANOS, now - syncIssuedNanos);
        }
        if (kind == BARRIER_SYNC) {
            batch.onBarrier(result);
            return;
        }
        if (kind == DATA_SYNC) {
            batch.onDataSync(result);
            return;
        }
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
            long[] snapshotDirty = state.snapshotDirtyTuples;
            if (state.checkpointFailure != null) {
                // The copies on disk may not hold the snapshot: its tuples stay dirty.
                for (int word = 0; word < snapshotDirty.length; word++) {
                    state.dirtyTuples[word] |= snapshotDirty[word];
                }
            }
            java.util.Arrays.fill(snapshotDirty, 0L);
            if (state.checkpointFailure == null) {
                state.logTailSequence = state.sinceSnapshotSequence;
                state.unsettled = state.commitsCompleted != state.commitsAtSnapshot;
                state.copiesDiffer = false; // both copies written from one snapshot
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
        context.counters.add(EngineCounters.CHECKPOINT_NANOS, now - roundStartNanos);
        moveTail();
    }

    /**
     * Pins the log's tail at or below {@code cover} for the rest of the session: entries a checkpoint
     * cannot write (a parked group whose pair cannot be loaded) stay for the next open's recovery.
     */
    void pinCover(long cover, IOException why) {
        failedCover = Math.min(failedCover, cover);
        lastFailure = why;
        context.counters.increment(EngineCounters.IMD_REPAIR_FAILURES);
    }

    /** Moves the log's tail to the oldest entry not durably checkpointed in any cached or parked group. */
    private void moveTail() {
        long[] oldest = {Math.min(Math.min(log.nextSequence(), failedCover),
            parked == null ? TupleLog.NONE : parked.oldestTail())};
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
