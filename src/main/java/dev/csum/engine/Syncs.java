package dev.csum.engine;

import dev.csum.format.MetadataPlacement;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * The syncs the engine issues for a user's flush and at close: a flush request's fdatasync of each
 * device (its completion raises the log's durable watermark to what the flush covered), and close's
 * last steps, every group settled into both imd copies, the log's last record, then the last syncs.
 * Event-loop only.
 */
final class Syncs {
    private final EngineContext context;
    private final CommitPath commits;
    /** Null on a read-only engine, as is the checkpointer: nothing to settle, never a write. */
    private final TupleLog log;
    private final Checkpointer checkpointer;
    /** Completes a flush request (the engine's bookkeeping, then its caller's result). */
    private final Consumer<Request> completer;
    private final boolean separate;
    private boolean writtenSinceSync;
    /** Close's own syncs in flight; -1 before close issued them. */
    private int closeSyncsPending = -1;
    /** What close's syncs cover (see closeSynced), while it is still to be recorded. */
    private long closeWatermark;
    private boolean closeWatermarkPending;
    private IOException closeFailure;
    /** Parked groups close must bring back and checkpoint (null: the cache never parks). */
    private final GroupParking parking;

    Syncs(EngineContext context, CommitPath commits, TupleLog log, Checkpointer checkpointer, GroupParking parkingOrNull,
          Consumer<Request> completer) {
        this.context = context;
        this.parking = parkingOrNull;
        this.commits = commits;
        this.log = log;
        this.checkpointer = checkpointer;
        this.completer = completer;
        this.separate = context.geometry.placement() == MetadataPlacement.SEPARATE;
    }

    /** A write request completed: close syncs the devices even when no checkpoint ran. */
    void writeCompleted() {
        writtenSinceSync = true;
    }

    /** A flush request: fdatasync of every device, completing it when all are done. */
    void startFlush(Request request) {
        request.piecesPending = 1;
        // What this flush makes durable: every record whose writes have all completed by now.
        request.flushWatermark = log == null ? 0 : log.completedThrough();
        request.opsPending = separate ? 2 : 1;
        issueSyncs(request);
        writtenSinceSync = false;
    }

    private void issueSyncs(Object target) {
        context.ops.create(OpTable.FSYNC, OpTable.FSYNC_OP, target, 0, IoPort.DATA_FILE, 0, null, IoPort.FLAG_DATASYNC);
        if (separate) {
            context.ops.create(OpTable.FSYNC, OpTable.FSYNC_OP, target, 0, IoPort.METADATA_FILE, 0, null,
                IoPort.FLAG_DATASYNC);
        }
    }

    /** A sync completed: one of a flush request's, or one of close's ({@code target} this). */
    void onFsync(Object target, int fileIndex, int result) {
        IOException failure = result < 0 ? context.deviceError("fsync", fileIndex, 0, 0, result) : null;
        if (target instanceof Request request) {
            request.fail(failure);
            if (--request.opsPending == 0) {
                if (request.failure == null && log != null) {
                    log.onFlushDurable(request.flushWatermark);
                }
                request.piecesPending = 0;
                completer.accept(request);
            }
        } else {
            if (failure != null && closeFailure == null) {
                closeFailure = failure;
            }
            closeSyncsPending--;
        }
    }

    /**
     * Close, once no request is left: settles every group and the log, then issues the last syncs
     * (when anything was written or checkpointed this session). True once they are done.
     */
    boolean closeSynced() {
        if (closeSyncsPending < 0) {
            if (!settleForClose()) {
                return false; // commits, checkpoints or the log's last record in flight
            }
            closeSyncsPending = 0;
            if (writtenSinceSync || checkpointedSinceOpen()) {
                closeWatermark = log == null ? 0 : log.completedThrough();
                closeWatermarkPending = log != null;
                issueSyncs(this);
                closeSyncsPending = separate ? 2 : 1;
            }
        }
        if (closeSyncsPending > 0) {
            return false;
        }
        if (closeWatermarkPending) {
            closeWatermarkPending = false;
            if (closeFailure == null) {
                log.writeCloseRecord(closeWatermark);
            }
        }
        return log == null || (!log.busy() && (closeFailure != null || log.closeRecordVerified()));
    }

    /** The first error met while closing (a failed settle or sync), or null. */
    IOException closeFailure() {
        return closeFailure;
    }

    /**
     * Brings every group's tuples into both imd copies and then writes an empty log record whose
     * tail is itself, so the next open has nothing to replay. True when all that is done.
     */
    private boolean settleForClose() {
        if (log != null && (checkpointer.roundActive() || log.busy())) {
            return false; // checked first: settleAll walks every cached group
        }
        if (!commits.settleAll() || (parking != null && !parking.drained())) {
            return false; // cached groups settling, or parked groups still to reload and checkpoint
        }
        if (log == null) {
            return true;
        }
        if (log.endsWithEmptyRecord() || checkpointer.stuckFailure() != null || log.tailRecordFailure() != null) {
            // Clean, or a checkpoint or the tail record failed: the entries stay in the log for the next open.
            return true;
        }
        // The last round moved the tail to the head: the tail record it starts is the empty record.
        return false;
    }

    private boolean checkpointedSinceOpen() {
        return checkpointer != null && checkpointer.roundsCompleted() > 0;
    }
}
