package dev.csum.engine;

import dev.csum.io.IoPort;
import java.io.IOException;

/**
 * Strict durability's batch sync (DURABILITY.md, "Strict"): a commit whose data writes completed
 * ends only when a data-device {@code fdatasync} issued after them has completed. One sync is in
 * flight at a time, and it covers every commit that completed since the previous one was issued: a
 * loop step's commits share one cache flush instead of paying one each.
 *
 * <p>The commits waiting are linked through {@link GroupState#nextAwaitingSync}. Event-loop only.
 */
final class StrictSyncBatch {
    /** What ends a commit once its sync completed ({@code failure}: the sync failed, or null). */
    interface CommitEnd {
        void finish(GroupState state, IOException failure);
    }

    private final EngineContext context;
    private final CommitEnd end;
    /** Commits whose data writes completed, waiting for the next sync (LIFO). */
    private GroupState waitersHead;
    /** The commits the sync in flight covers, or null when none is in flight. */
    private GroupState inFlight;

    StrictSyncBatch(EngineContext context, CommitEnd end) {
        this.context = context;
        this.end = end;
    }

    /** The commit's data writes completed: it waits for the next sync. */
    void await(GroupState state) {
        state.nextAwaitingSync = waitersHead;
        waitersHead = state;
        state.moveCommit(GroupPhase.Commit.AWAITING_SYNC);
    }

    /**
     * Issues the sync for the commits waiting, when none is in flight. Once per loop step: every
     * commit whose data writes completed since the last sync shares it.
     */
    void startDue() {
        if (waitersHead == null || inFlight != null) {
            return;
        }
        inFlight = waitersHead;
        waitersHead = null;
        context.ops.create(OpTable.STRICT_SYNC, OpTable.FSYNC_OP, this, 0, IoPort.DATA_FILE, 0, null,
            IoPort.FLAG_DATASYNC);
    }

    /** The batch's sync completed ({@code result} negative: an errno): its commits end, failed when it failed. */
    void onSync(int result) {
        IOException failure = result < 0 ? context.deviceError("fsync", IoPort.DATA_FILE, 0, 0, result) : null;
        GroupState state = inFlight;
        inFlight = null;
        while (state != null) {
            GroupState next = state.nextAwaitingSync;
            state.nextAwaitingSync = null;
            end.finish(state, failure);
            state = next;
        }
    }
}
