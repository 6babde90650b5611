package dev.csum.engine;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Splits a request into per-group {@link Piece}s and routes each to its group: a read piece to
 * the read path (its pair loaded alongside on a cache miss), a write piece to the group's next
 * commit. A piece whose group has no cache slot free waits, first come, first served. Owns the
 * piece pool. Event-loop only.
 */
final class PieceRouter {
    private final EngineContext context;
    private final PairLoader loader;
    private final CommitPath commits;
    private final ReadPath reads;
    /** Hands unsettled idle groups met by the cache's eviction to the commit path (made once, not per miss). */
    private final Consumer<GroupState> settler;
    private final ArrayDeque<Piece> piecePool = new ArrayDeque<>();
    /** Pieces waiting for an imd cache slot. */
    private final PieceList waitingForSlot = new PieceList();
    /**
     * Pieces whose group sits in a reserved slot, reloaded for a checkpoint ({@link GroupParking}), in
     * arrival order: each waits for its group to be written and leave the slot, out of the line for
     * slots, so it holds up the later pieces of its own group only. (In that line, one group's
     * checkpoint — three syncs — held up every later piece: writes missing the imd cache ran at
     * about two thirds of warm ones. PERFORMANCE.md, "Waiting for a reserved group".)
     */
    private final PieceList waitingForRelease = new PieceList();
    /** {@link #releaseWaiting}'s scratch list. */
    private final PieceList released = new PieceList();

    /** Pair-less groups (null: the cache holds every group, writes load their pair as reads do). */
    private final GroupParking parking;

    PieceRouter(EngineContext context, PairLoader loader, CommitPath commits, ReadPath reads,
                GroupParking parkingOrNull) {
        this.parking = parkingOrNull;
        this.context = context;
        this.loader = loader;
        this.commits = commits;
        this.reads = reads;
        this.settler = commits::requestSettle;
    }

    /** Splits a request into per-group pieces and routes each (the seed's evil-bio handling). */
    void split(Request request) {
        long block = request.firstBlock;
        long endBlock = request.firstBlock + request.blockCount;
        int pieceCount = (int) (context.geometry.groupOf(endBlock - 1) - context.geometry.groupOf(block) + 1);
        request.piecesPending = pieceCount;
        while (block < endBlock) {
            long group = context.geometry.groupOf(block);
            long groupEnd = Math.min(endBlock, context.geometry.firstBlockOfGroup(group) + context.geometry.blocksInGroup(group));
            Piece piece = piecePool.isEmpty() ? new Piece() : piecePool.pop();
            piece.request = request;
            piece.firstBlock = block;
            piece.firstIndex = context.geometry.indexInGroup(block);
            piece.blockCount = (int) (groupEnd - block);
            piece.firstBlockInRequest = (int) (block - request.firstBlock);
            piece.data = request.buffer == null || pieceCount == 1 ? request.buffer
                : request.buffer.asSlice((long) piece.firstBlockInRequest * context.blockSizeBytes,
                    (long) piece.blockCount * context.blockSizeBytes);
            route(piece);
            block = groupEnd;
        }
    }

    /**
     * Routes a piece to its group, or queues it until a cache slot frees. Pieces are routed in the
     * order they arrive: while any piece waits for a slot, later ones wait behind it (so writes to
     * the same blocks reach their group, and commit, in the order accepted, and a waiting piece is
     * never starved by later ones taking the slots it waits for).
     */
    private void route(Piece piece) {
        if (!waitingForSlot.isEmpty() || !tryRoute(piece)) {
            waitingForSlot.add(piece);
        }
    }

    /**
     * Routes the piece if its group is cached (in the imd cache, or for a read in the dense tuple
     * cache) or an imd cache slot can be had, or puts it with the pieces waiting for its group to leave
     * a reserved slot; false (nothing done) otherwise.
     */
    private boolean tryRoute(Piece piece) {
        long group = context.geometry.groupOf(piece.firstBlock);
        GroupState state = context.cache.get(group);
        boolean inReserved = state != null && context.cache.reserved(state);
        // Reloaded for a checkpoint (GroupParking): the group moves to a main slot once that is written.
        // Behind any piece of its group already waiting, so that a group's pieces keep their order.
        if ((!waitingForRelease.isEmpty() && waitsForRelease(group))
                || (inReserved && !context.cache.releaseReserved(state))) {
            if (inReserved) {
                state.piecesAwaitingRelease++;
            }
            waitingForRelease.add(piece);
            return true;
        }
        if (inReserved) {
            state = null; // released
        }
        if (state == null && piece.request.kind == Request.READ && !piece.denseRefused && context.dense != null
                && context.dense.slotOf(group) != GroupSlotMap.ABSENT) {
            context.counters.increment(EngineCounters.IMD_CACHE_HITS);
            reads.issueDense(piece);
            return true;
        }
        if (state == null) {
            state = context.cache.allocate(group, settler);
            if (state == null) {
                return false;
            }
            context.counters.increment(EngineCounters.IMD_CACHE_MISSES);
            // A write needs no pair before its record: the group commits pair-less (§4.3) when it may.
            if (!Request.changesTuples(piece.request.kind) || parking == null || !parking.startPairless(state)) {
                loader.startLoad(state);
            }
        } else if (state.loaded()) {
            context.counters.increment(EngineCounters.IMD_CACHE_HITS);
        } else {
            context.counters.increment(EngineCounters.IMD_CACHE_MISSES);
        }
        piece.group = state;
        state.users++;
        if (Request.changesTuples(piece.request.kind)) {
            commits.addWrite(state, piece);
        } else if (piece.request.kind == Request.COUNT) {
            piece.dataDone = true; // none to read: counted once the pair is here
            if (state.loaded()) {
                reads.count(piece);
            } else {
                state.readWaiters.add(piece);
            }
        } else {
            reads.issue(piece);
            if (!state.loaded()) {
                state.readWaiters.add(piece);
            }
        }
        if (state.pairless() && !Request.changesTuples(piece.request.kind)) {
            commits.requestLoad(state); // reads and counts need every tuple: the pair is loaded in place
        }
        return true;
    }

    /**
     * Routes again a read the dense tuple cache did not verify, through the imd cache (see
     * {@link PieceCompletion#rerouteRead}); its data is read again.
     */
    void reroute(Piece piece) {
        assert piece.dense && piece.group == null : "only a dense read is routed again";
        piece.dense = false;
        piece.denseRefused = true;
        piece.dataDone = false;
        route(piece);
    }

    /**
     * Routes the pieces waiting for a cache slot, in arrival order, while slots can be had — first
     * those whose group has left its reserved slot.
     */
    void retryWaiting() {
        if (!waitingForRelease.isEmpty()) {
            releaseWaiting();
        }
        Piece piece;
        while ((piece = waitingForSlot.poll()) != null) {
            if (!tryRoute(piece)) {
                waitingForSlot.addFirst(piece); // still first in line
                break;
            }
        }
    }

    /**
     * Moves the pieces whose group may now leave its reserved slot to the head of the line for slots,
     * in arrival order, and frees those slots. Each is older than any piece of its group in that line
     * (a piece of a group with pieces waiting here joins them), so a group's pieces keep their order.
     */
    private void releaseWaiting() {
        // The counts are taken again: a failed load frees its slot (GroupCache#discard) with pieces waiting.
        for (Piece piece = waitingForRelease.head; piece != null; piece = piece.next) {
            GroupState state = reservedStateOf(piece);
            if (state != null) {
                state.piecesAwaitingRelease = 0;
            }
        }
        for (int count = waitingForRelease.size; count > 0; count--) {
            Piece piece = waitingForRelease.poll();
            GroupState state = reservedStateOf(piece);
            if (state == null || context.cache.releasable(state)) {
                released.add(piece);
            } else {
                state.piecesAwaitingRelease++;
                waitingForRelease.add(piece); // the pass goes round the list once: order kept
            }
        }
        for (Piece piece = released.head; piece != null; piece = piece.next) {
            GroupState state = reservedStateOf(piece);
            if (state != null) {
                boolean freed = context.cache.releaseReserved(state);
                assert freed && state.piecesAwaitingRelease == 0 : "a releasable group stayed in its reserved slot: " + state;
            }
        }
        waitingForSlot.takeAllFirst(released);
    }

    /** The state of the piece's group if it is in a reserved slot, else null. */
    private GroupState reservedStateOf(Piece piece) {
        GroupState state = context.cache.get(context.geometry.groupOf(piece.firstBlock));
        return state != null && context.cache.reserved(state) ? state : null;
    }

    /** Whether a piece of {@code group} waits for it to leave a reserved slot (a short list: walked). */
    private boolean waitsForRelease(long group) {
        for (Piece piece = waitingForRelease.head; piece != null; piece = piece.next) {
            if (context.geometry.groupOf(piece.firstBlock) == group) {
                return true;
            }
        }
        return false;
    }

    /** True while a piece waits for a cache slot or for its group to leave a reserved slot. */
    boolean hasWaiting() {
        return !waitingForSlot.isEmpty() || !waitingForRelease.isEmpty();
    }

    /** Takes a finished piece back: its group loses a user, the piece returns to the pool. */
    void recycle(Piece piece) {
        GroupState state = piece.group;
        if (state != null) {
            state.users--;
            assert state.users >= 0 : "group users below zero";
        }
        piece.reset();
        piecePool.push(piece);
    }
}
