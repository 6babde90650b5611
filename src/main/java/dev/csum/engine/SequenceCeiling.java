package dev.csum.engine;

import dev.csum.format.Superblock;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The log sequence ceiling on the event loop (docs/FORMAT.md §8.1): the log writes a record only
 * below the ceiling the media durably holds, and raises it — the backup superblock, then the primary,
 * each with {@link IoPort#FLAG_DSYNC} — before the records reach it. A raise starts when fewer than
 * half a lease of sequences is left, and only when a record is waiting to be written (a session that
 * only reads writes nothing).
 *
 * <p>Phases: {@link Phase#IDLE} → {@link Phase#BACKUP} → {@link Phase#PRIMARY} → {@link Phase#IDLE};
 * a failed write returns to {@code IDLE} with the failure kept for {@link #takeFailure()} and the
 * durable ceiling unchanged (a copy may hold the higher value: harmless, the ceiling only bounds).
 * Event-loop only; the superblock image is one block allocated with the engine.
 */
final class SequenceCeiling {
    enum Phase { IDLE, BACKUP, PRIMARY }

    private final EngineContext context;
    private final Superblock metadataCopy;
    private final long backupOffsetBytes;
    private final long leaseSequences;
    private final MemorySegment block;
    private final Runnable onRaised;
    private Phase phase = Phase.IDLE;
    /** Records below it may be written: every valid copy holds it or more. */
    private long durable;
    /** The value being written, while a raise is in flight. */
    private long raising;
    /** The record sequence the raise in flight was started for. */
    private long raisingFor;
    /**
     * The record sequence a raise failed for, or -1: an early raise (the ceiling still allows that
     * record) is not tried again until a record was written, so a device that fails every write is
     * not asked again and again while nothing else moves (torture: a close on a dead device looped).
     */
    private long failedFor = -1;
    private IOException failure;

    SequenceCeiling(EngineContext context, Superblock superblock, MemorySegment block, long durableCeiling,
                    Runnable onRaised) {
        this.context = context;
        this.metadataCopy = superblock.metadataCopy();
        this.backupOffsetBytes = superblock.geometry().backupSuperblockOffsetBytes();
        this.leaseSequences = CeilingCopies.leaseSequences(superblock.logRegion().blockCount());
        this.block = block;
        this.durable = durableCeiling;
        this.onRaised = onRaised;
    }

    /** Whether a record with {@code sequence} may be written now. */
    boolean allows(long sequence) {
        return sequence < durable;
    }

    /** Whether a raise is being written. */
    boolean raising() {
        return phase != Phase.IDLE;
    }

    /**
     * A record with {@code nextSequence} is about to be written: starts a raise when fewer than half
     * a lease of sequences is left below the durable ceiling and none is in flight.
     */
    void raiseIfDue(long nextSequence) {
        if (phase != Phase.IDLE || nextSequence + leaseSequences / 2 < durable) {
            return;
        }
        if (nextSequence == failedFor && allows(nextSequence)) {
            return; // failed early for this record already: wait for a record (or the need) to move on
        }
        raisingFor = nextSequence;
        raising = nextSequence + leaseSequences;
        metadataCopy.encode(block, raising);
        move(Phase.BACKUP);
        write(0);
    }

    /** A copy's write completed with {@code result}. */
    void onWrite(int copy, int result) {
        assert copy == (phase == Phase.BACKUP ? 0 : 1) : "ceiling write " + copy + " completed in " + phase;
        long offset = CeilingCopies.copyOffsetBytes(backupOffsetBytes, copy);
        if (result != block.byteSize()) {
            failure = context.deviceError("raising the log sequence ceiling", IoPort.METADATA_FILE, offset,
                block.byteSize(), result);
            failedFor = raisingFor;
            move(Phase.IDLE);
        } else if (phase == Phase.BACKUP) {
            move(Phase.PRIMARY);
            write(1);
            return;
        } else {
            assert raising > durable : "a raise lowers the ceiling";
            durable = raising;
            failedFor = -1;
            move(Phase.IDLE);
        }
        onRaised.run();
    }

    /** Why the last raise failed (once; the next record tries again), or null. */
    IOException takeFailure() {
        IOException taken = failure;
        failure = null;
        return taken;
    }

    private void write(int copy) {
        context.ops.create(OpTable.CEILING_WRITE, OpTable.WRITE_OP, this, copy, IoPort.METADATA_FILE,
            CeilingCopies.copyOffsetBytes(backupOffsetBytes, copy), block, IoPort.FLAG_DSYNC);
    }

    private void move(Phase next) {
        boolean allowed = switch (phase) {
            case IDLE -> next == Phase.BACKUP;
            case BACKUP -> next == Phase.PRIMARY || next == Phase.IDLE;
            case PRIMARY -> next == Phase.IDLE;
        };
        if (!allowed) {
            throw new IllegalStateException("sequence ceiling: " + phase + " -> " + next);
        }
        phase = next;
        assert phase != Phase.IDLE || raising <= durable || failure != null : "a raise left without a result";
    }
}
