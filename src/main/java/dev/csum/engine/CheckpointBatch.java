package dev.csum.engine;

import dev.csum.format.ImdBlock;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * One batch of a checkpoint round ({@link Checkpointer}, whose class comment gives the argument):
 * up to {@link Checkpointer#CONCURRENT_GROUPS} groups, each snapshotted into a checkpoint buffer of
 * its own; then the data sync, the first copies (the older copy's slot, next generation), the copy
 * barrier when an imd block can tear, and the second copies. A group whose copies are written, or
 * whose checkpoint failed, leaves the batch awaiting the round's closing sync, and the round is told
 * ({@link Round#onGroupFinished}). Event-loop only.
 */
final class CheckpointBatch {
    /** The round the batch belongs to. */
    interface Round {
        /** A group left the batch (its copies written, or its checkpoint failed). */
        void onGroupFinished();

        /** Test only ({@link EngineTestFault#TRIM_BEFORE_DURABLE}): the log forgets the group's entries now. */
        void trimBeforeDurable(GroupState state);

        /** The batch created a sync (its data sync or copy barrier): its wait is timed from now. */
        void syncIssued();
    }

    private final EngineContext context;
    private final int blockSizeBytes;
    private final Round round;
    private final MemorySegment[] buffers;
    private final GroupState[] bufferOwner;
    /** Whether the first copies must be durable before the second ones (see Checkpointer's class comment). */
    private final boolean copyBarrier;
    /** Groups whose first copy's write is in flight (with the copy barrier). */
    private int firstCopiesPending;
    private int groupsWriting;

    CheckpointBatch(EngineContext context, MemorySegment bufferSlab, Round round) {
        this.context = context;
        this.round = round;
        this.blockSizeBytes = context.blockSizeBytes;
        this.buffers = new MemorySegment[Checkpointer.CONCURRENT_GROUPS];
        this.bufferOwner = new GroupState[Checkpointer.CONCURRENT_GROUPS];
        // Checkpoint writes are plain in both modes (strict makes writes durable by a shared sync,
        // and a strict commit's tuples are applied when its data completes, before that sync).
        this.copyBarrier = Checkpointer.needsCopyBarrier(blockSizeBytes, false);
        for (int i = 0; i < Checkpointer.CONCURRENT_GROUPS; i++) {
            buffers[i] = bufferSlab.asSlice((long) i * blockSizeBytes, blockSizeBytes);
        }
    }

    /** Groups of the batch still writing: none once every one has finished. */
    int groupsWriting() {
        return groupsWriting;
    }

    /** Takes {@code state} into the batch (its snapshot into a free buffer); false when the batch is full. */
    boolean take(GroupState state) {
        int buffer = freeBuffer();
        if (buffer < 0) {
            return false;
        }
        snapshot(state, buffer);
        return true;
    }

    /**
     * The batch's groups are all taken: its data sync (data before tuples, in every mode: a strict
     * commit's tuples are applied when its data completes, before the shared sync).
     */
    void start() {
        assert groupsWriting > 0 : "starting an empty checkpoint batch";
        round.syncIssued();
        context.ops.create(OpTable.CHECKPOINT_SYNC, OpTable.FSYNC_OP, round, Checkpointer.DATA_SYNC,
            IoPort.DATA_FILE, 0, null, IoPort.FLAG_DATASYNC);
    }

    private int freeBuffer() {
        for (int i = 0; i < Checkpointer.CONCURRENT_GROUPS; i++) {
            if (bufferOwner[i] == null) {
                return i;
            }
        }
        return -1;
    }

    private void snapshot(GroupState state, int buffer) {
        MemorySegment snapshot = buffers[buffer];
        bufferOwner[buffer] = state;
        MemorySegment.copy(state.committed(), 0, snapshot, 0, blockSizeBytes);
        state.commitsAtSnapshot = state.commitsCompleted;
        // The snapshot holds every dirty tuple so far; commits after it mark theirs dirty anew.
        System.arraycopy(state.dirtyTuples, 0, state.snapshotDirtyTuples, 0, state.dirtyTuples.length);
        java.util.Arrays.fill(state.dirtyTuples, 0L);
        // Entries of a commit in flight are not in the snapshot: the log keeps covering them.
        state.moveCheckpoint(GroupPhase.Checkpoint.FIRST_COPY);
        state.sinceSnapshotSequence = state.commitSealedUnapplied() ? state.commitSequence : TupleLog.NONE;
        state.checkpointFailure = null;
        groupsWriting++;
    }

    /** The batch's data sync completed: its first copies are written, or the batch fails. */
    void onDataSync(int result) {
        if (result < 0) {
            failBatch(IoPort.DATA_FILE, result);
        } else {
            writeFirstCopies();
        }
    }

    /** The batch's data is durable: its first copies are written. */
    private void writeFirstCopies() {
        for (int buffer = 0; buffer < Checkpointer.CONCURRENT_GROUPS; buffer++) {
            GroupState state = bufferOwner[buffer];
            if (state != null) {
                if (copyBarrier) {
                    firstCopiesPending++;
                }
                // The next generation goes to the slot of its parity (FORMAT.md §4's slot rule): the
                // older copy's slot first, so the newer copy stays whole until the first is durable.
                writeCopy(state, buffer, state.generation + 1);
            }
        }
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
        boolean firstCopy = state.checkpointPhase() == GroupPhase.Checkpoint.FIRST_COPY;
        if (result != blockSizeBytes) {
            IOException failure = context.deviceError("imd checkpoint write", IoPort.METADATA_FILE,
                context.geometry.imdPairOffsetBytes(state.group), blockSizeBytes, result);
            context.counters.increment(EngineCounters.IMD_REPAIR_FAILURES);
            state.checkpointFailure = failure;
            // The last group of the batch starts the next one as it finishes: the barrier is due
            // only when others of this batch wait for it.
            boolean barrierDue = copyBarrier && firstCopy && --firstCopiesPending == 0 && groupsWriting > 1;
            finishGroup(state, buffer);
            if (barrierDue) {
                startBarrier();
            }
            return;
        }
        state.generation = generation;
        if (state.checkpointPhase() == GroupPhase.Checkpoint.FIRST_COPY) {
            state.moveCheckpoint(GroupPhase.Checkpoint.SECOND_COPY);
            if (copyBarrier) {
                if (--firstCopiesPending == 0) {
                    startBarrier(); // the second copies wait for it
                }
            } else {
                writeCopy(state, buffer, generation + 1); // the second copy, once the first is whole
            }
            return;
        }
        finishGroup(state, buffer);
    }

    /** The batch's first copies were all written (or failed): makes them durable before the second ones. */
    private void startBarrier() {
        round.syncIssued();
        context.ops.create(OpTable.CHECKPOINT_SYNC, OpTable.FSYNC_OP, round, Checkpointer.BARRIER_SYNC,
            IoPort.METADATA_FILE, 0, null, IoPort.FLAG_DATASYNC);
    }

    /** The batch's barrier completed: its first copies are durable, the second ones may be written. */
    void onBarrier(int result) {
        if (result < 0) {
            failBatch(IoPort.METADATA_FILE, result);
            return;
        }
        for (int buffer = 0; buffer < Checkpointer.CONCURRENT_GROUPS; buffer++) {
            GroupState state = bufferOwner[buffer];
            if (state != null) {
                writeCopy(state, buffer, state.generation + 1);
            }
        }
    }

    /** A sync the batch waited for failed: its groups' checkpoints fail (not retried, see Checkpointer.onSync). */
    private void failBatch(int fileIndex, int result) {
        GroupState[] batch = bufferOwner.clone(); // the last finishGroup starts the next batch in bufferOwner
        context.counters.increment(EngineCounters.IMD_REPAIR_FAILURES);
        for (int buffer = 0; buffer < Checkpointer.CONCURRENT_GROUPS; buffer++) {
            if (batch[buffer] != null) {
                batch[buffer].checkpointFailure = context.deviceError("fsync", fileIndex, 0, 0, result);
                finishGroup(batch[buffer], buffer);
            }
        }
    }

    private void finishGroup(GroupState state, int buffer) {
        if (context.testFault == EngineTestFault.TRIM_BEFORE_DURABLE && state.checkpointFailure == null) {
            // Test only: the bug torture must catch (the log forgets entries before the sync).
            round.trimBeforeDurable(state);
        }
        state.moveCheckpoint(GroupPhase.Checkpoint.AWAITING_SYNC);
        bufferOwner[buffer] = null;
        groupsWriting--;
        round.onGroupFinished();
    }
}
