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
 * write is <em>durable</em>, as the other slot with the generation after. So at every moment one copy
 * is whole on stable media: a torn or lost imd write leaves the other copy, and the log still covers
 * both. When every group's two writes have completed, the devices are synced; only then is each
 * group's log cover dropped and the log's tail moved to the oldest entry not yet durably checkpointed.
 *
 * <h2>The copy barrier</h2>
 * Without {@code RWF_DSYNC} (the default mode) a completed write may still sit in the device's
 * volatile cache, and a power loss may tear it. If the second copy were written while the first was
 * only cached, a power loss could tear both: the group would lose every tuple the log no longer
 * holds (both copies held the previous round's snapshot, the log only what came since). So when an
 * imd block is larger than a sector (a device writes a sector whole or not at all, so a one-sector
 * imd block cannot tear) and writes are not {@code RWF_DSYNC}, a round goes in <em>batches</em> of up
 * to {@link #CONCURRENT_GROUPS} groups: the batch's first copies, one fdatasync of the metadata
 * device (the barrier), then its second copies; the next batch starts when those have completed.
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
    /** The unit every device writes whole or not at all: an imd block of this size cannot tear. */
    static final int SECTOR_BYTES = 512;
    /** {@link OpTable#CHECKPOINT_SYNC}'s aux: the round's closing sync, or a batch's copy barrier. */
    static final int ROUND_SYNC = 0;
    static final int BARRIER_SYNC = 1;

    private final EngineContext context;
    private final TupleLog log;
    private final int blockSizeBytes;
    private final MemorySegment[] buffers;
    private final GroupState[] bufferOwner;
    /** Whether a batch's first copies must be durable before its second copies (see the class comment). */
    private final boolean copyBarrier;
    /** Groups of the current batch whose first copy's write is in flight (with the copy barrier). */
    private int firstCopiesPending;
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
        this.copyBarrier = needsCopyBarrier(blockSizeBytes, (context.writeFlags & IoPort.FLAG_DSYNC) != 0);
        for (int i = 0; i < CONCURRENT_GROUPS; i++) {
            buffers[i] = bufferSlab.asSlice((long) i * blockSizeBytes, blockSizeBytes);
        }
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
        boolean candidate = state.loaded && !state.damaged && !state.dual && !state.resolving
            && (state.unsettled || state.checkpointWanted) && !state.checkpointInFlight;
        if (!candidate) {
            return;
        }
        state.checkpointWanted = false;
        if (!state.unsettled) {
            return; // asked to settle, nothing to write
        }
        state.checkpointInFlight = true;
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
        if (copyBarrier && groupsWriting > 0) {
            return; // the batch in progress finishes first (its buffers, and its barrier)
        }
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
        state.sinceSnapshotSequence = state.commitInFlight && state.commitSealed
            ? state.commitSequence : TupleLog.NONE;
        state.checkpointFailure = null;
        state.checkpointCopiesWritten = 0;
        groupsWriting++;
        if (copyBarrier) {
            firstCopiesPending++;
        }
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
            offset, snapshot, context.writeFlags);
    }

    /** One copy of a group's checkpoint was written (or failed). */
    void onCheckpointWrite(GroupState state, int buffer, int result) {
        MemorySegment snapshot = buffers[buffer];
        int generation = ImdBlock.generation(snapshot);
        boolean firstCopy = state.checkpointCopiesWritten == 0;
        if (result != blockSizeBytes) {
            IOException failure = context.deviceError("imd checkpoint write", IoPort.METADATA_FILE,
                context.geometry.imdPairOffsetBytes(state.group), blockSizeBytes, result);
            context.counters.increment(EngineCounters.IMD_REPAIR_FAILURES);
            state.checkpointFailure = failure;
            finishGroup(state, buffer);
            if (copyBarrier && firstCopy) {
                firstCopyDone();
            }
            return;
        }
        state.generation = generation;
        if (++state.checkpointCopiesWritten == 1) {
            if (copyBarrier) {
                firstCopyDone(); // the second copy waits for the barrier
            } else {
                writeCopy(state, buffer, generation + 1); // the second copy, once the first is whole
            }
            return;
        }
        finishGroup(state, buffer);
    }

    /** A first copy of the batch was written (or failed): the last one starts the barrier. */
    private void firstCopyDone() {
        if (--firstCopiesPending == 0 && groupsWriting > 0) {
            context.ops.create(OpTable.CHECKPOINT_SYNC, OpTable.FSYNC_OP, this, BARRIER_SYNC, IoPort.METADATA_FILE, 0,
                null, IoPort.FLAG_DATASYNC);
        }
    }

    /** The batch's barrier completed: its first copies are durable, the second ones may be written. */
    private void onBarrier(int result) {
        GroupState[] batch = bufferOwner.clone(); // finishGroup may start the next batch in bufferOwner
        for (int buffer = 0; buffer < CONCURRENT_GROUPS; buffer++) {
            GroupState state = batch[buffer];
            if (state == null) {
                continue;
            }
            if (result < 0) {
                context.counters.increment(EngineCounters.IMD_REPAIR_FAILURES);
                state.checkpointFailure = context.deviceError("fsync", IoPort.METADATA_FILE, 0, 0, result);
                finishGroup(state, buffer);
            } else {
                writeCopy(state, buffer, state.generation + 1);
            }
        }
    }

    private void finishGroup(GroupState state, int buffer) {
        if (context.testFault == EngineTestFault.TRIM_BEFORE_DURABLE && state.checkpointFailure == null) {
            // Test only: the bug torture must catch (the log forgets entries before the sync).
            state.logTailSequence = state.sinceSnapshotSequence;
            moveTail();
        }
        state.checkpointCopiesWritten = 0;
        bufferOwner[buffer] = null;
        groupsWriting--;
        startQueued();
    }

    private void sync() {
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
     * A sync completed: a batch's copy barrier ({@code kind} {@link #BARRIER_SYNC}), or one of the
     * round's closing syncs: when all of those have, the round's checkpoints are durable.
     */
    void onSync(int kind, int fileIndex, int result) {
        if (kind == BARRIER_SYNC) {
            onBarrier(result);
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
            state.checkpointInFlight = false;
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
