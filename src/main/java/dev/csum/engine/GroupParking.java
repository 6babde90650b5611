package dev.csum.engine;

import java.io.IOException;

/**
 * When the imd cache may evict a dirty group by parking it ({@link ParkedTuples}) instead of
 * checkpointing it first, and bringing parked groups back so that a checkpoint round can write them.
 *
 * <h2>Parking</h2>
 * A group the cache's CLOCK chooses is parked when it is quiet (nothing in flight or waiting), loaded
 * and intact, its copies on disk agreed when it was loaded, it has dirty tuples and a log cover, they
 * fit, and — when the log is under pressure (at the round trigger, commits waiting for log room,
 * close) — its cover is not among the oldest ({@link #oldCovers}): those are what a round must write
 * for the tail to move, so eviction settles them by checkpoints, as it always did. A pair-less group
 * ({@link GroupPhase.Load#PAIRLESS}) is always parked: it reserved the room ({@link #startPairless}).
 *
 * <h2>Pair-less groups</h2>
 * A write to a group the cache does not hold makes it pair-less instead of reading its pair (and takes
 * its parked tuples back, if it was parked): commits run without the pair while the parked pool can
 * promise room for the tuples they dirty. A read, count or settle of it — or a promise refused — loads
 * the pair into the same slot ({@link #loadInPlace}), which parks its dirty tuples first and applies
 * them over the loaded copy as for any parked group. design/TUPLE_LOG.md §4.3.
 *
 * <h2>Reloading</h2>
 * Under pressure — the log's (a round due, commits waiting for room, close) or the parked pool's (nearly
 * full) — parked groups (under the log's, those with the oldest covers first) are loaded back into
 * <em>reserved</em> cache slots ({@link
 * GroupCache#allocateReserved}) through the ordinary pair load ({@link PairLoader}); the load applies
 * the parked tuples ({@link #onLoaded}), the group is an unsettled cached group again, and a round
 * checkpoints it. Reads and writes never take a reserved slot (one of a group held there waits until
 * the group is written and idle, then moves to a main slot; it waits apart, {@link PieceRouter}, so
 * pieces of other groups go on meanwhile), so a reload never waits for a slot
 * that commits waiting for log room hold: with the log full and every main slot pinned by such
 * commits, the reserved slots still cycle parked groups through checkpoints and the tail moves. The
 * log's tail never passes a parked group's cover ({@link Checkpointer}).
 *
 * <h2>Failure</h2>
 * A parked group whose pair cannot be read (a device error) or holds no usable copy cannot be
 * checkpointed: its log cover is pinned for the session ({@link Checkpointer#pinCover}, as a failed
 * checkpoint write's is) and the entries stay in the log for the next open's recovery. A group whose
 * load failed is not reloaded again by the reloader; a later read or write of it tries the load again
 * and, if it succeeds, the parked tuples are applied.
 *
 * <p>Event-loop only.
 */
final class GroupParking {
    /**
     * The most reserved slots: parked groups being loaded back and checkpointed at once; as many as a
     * checkpoint batch writes ({@link Checkpointer#CONCURRENT_GROUPS}), so one round's syncs serve a
     * whole batch of reloads.
     */
    static final int MAX_RESERVED_SLOTS = Checkpointer.CONCURRENT_GROUPS;

    /**
     * Parked tuples per reserved slot: the pool's size, not the imd cache's, sets how many groups a round
     * must bring back. Once the pool is nearly full each round frees what its reloads held; with 8 slots
     * (a quarter of a 256 KiB cache's 32) for a pool of 65,536 tuples, writes missing the cache ran a
     * round — three syncs — every ~500 writes, at 0.72× warm; with 64, 0.85× (PERFORMANCE.md, "Waiting for
     * a reserved group"). The slots cost 2 blocks each: at 4096-byte blocks about half the heap the
     * pool's tuples take.
     */
    static final int PARKED_ENTRIES_PER_RESERVED_SLOT = 1024;

    /**
     * Imd cache slots reserved for reloads ({@link GroupCache#allocateReserved}), beside {@code pairSlots}
     * main ones: a quarter as many, or one per {@link #PARKED_ENTRIES_PER_RESERVED_SLOT} tuples the
     * parked pool holds ({@code parkedEntries}), whichever is more; 2 to {@link #MAX_RESERVED_SLOTS}.
     */
    static int reservedSlots(long pairSlots, int parkedEntries) {
        long wanted = Math.max(pairSlots / 4, parkedEntries / PARKED_ENTRIES_PER_RESERVED_SLOT);
        return (int) Math.max(2, Math.min(MAX_RESERVED_SLOTS, wanted));
    }

    private final EngineContext context;
    private final ParkedTuples parked;
    private final TupleLog log;
    private final Checkpointer checkpointer;
    private PairLoader loader;
    private boolean closing;
    /** Loads into reserved slots in flight (see {@link #reloadsInFlight}). */
    private int reservedLoadsInFlight;

    GroupParking(EngineContext context, ParkedTuples parked, TupleLog log, Checkpointer checkpointer) {
        this.context = context;
        this.parked = parked;
        this.log = log;
        this.checkpointer = checkpointer;
    }

    /** Connects the loader (built after this). */
    void connect(PairLoader pairLoader) {
        this.loader = pairLoader;
    }

    void beginClose() {
        closing = true;
    }

    /**
     * The log covers a round should write first: those in the older half of the live log (all when
     * closing). The tail moves only past the oldest covers, so loading the groups that hold them (and
     * not others, whose loads would buy no room yet) is what ends the pressure soonest.
     */
    long oldCovers() {
        if (closing) {
            return Long.MAX_VALUE;
        }
        long tail = log.tailSequence();
        return tail + (log.nextSequence() - tail) / 2;
    }

    /**
     * The log covers of the pair-less groups a round should load in place and write: under the log's
     * pressure, the old ones ({@link #oldCovers}); otherwise none — a round due for other reasons
     * (reloads, an eviction) would only buy reads of pairs the tail does not wait for.
     */
    long pairlessCoversToSettle() {
        return logPressure() ? oldCovers() : Long.MIN_VALUE;
    }

    /** The log wants parked groups back (and no more parked): a round is due, commits wait for room, or closing. */
    private boolean logPressure() {
        return closing || log.fill() >= Checkpointer.FILL_TRIGGER || log.waitingForRoom();
    }

    /**
     * Parked groups are wanted back: the log wants them ({@link #logPressure}), or the parked pool is
     * nearly full ({@link ParkedTuples#nearlyFull}) — then pair-less writes would soon be refused and
     * each would read its pair first, and each eviction of a dirty group would force a round of its own;
     * reloading a batch into the reserved slots and checkpointing it in one round frees the pool instead.
     */
    private boolean underPressure() {
        return logPressure() || parked.nearlyFull();
    }

    /**
     * The cache's eviction met {@code state}, quiet but not settled: parks it when it may (see the class
     * comment). True when it is parked (now settled and outside the log, so evictable).
     */
    boolean tryPark(GroupState state) {
        if (state.pairless()) {
            return parkPairless(state);
        }
        if ((logPressure() && state.logTailSequence <= oldCovers()) || state.loadPhase() != GroupPhase.Load.LOADED || !state.quiet() || !state.unsettled
                || state.copiesDiffer || state.logTailSequence == TupleLog.NONE || state.dirtyCount() == 0) {
            return false;
        }
        if (!parked.park(state)) {
            return false;
        }
        context.counters.increment(EngineCounters.GROUPS_PARKED);
        assert state.idle() : "a parked group is not evictable: " + state;
        return true;
    }

    // ---------------------------------------------------------------- pair-less groups (§4.3)

    /**
     * A write found {@code state} just assigned (its pair not read): makes it pair-less when a parked
     * record can be promised to it, or attaches it to its parked record if it was parked (the record's
     * tuples stay there; the slot's are appended when it is parked again). False (nothing changed): the
     * caller loads the pair as usual.
     */
    boolean startPairless(GroupState state) {
        boolean wasParked = parked.contains(state.group);
        if (!wasParked && !parked.reserve(state, 0)) {
            return false;
        }
        state.committed().fill((byte) 0);
        state.moveLoad(GroupPhase.Load.PAIRLESS);
        if (wasParked) {
            state.logTailSequence = parked.attach(state.group);
            state.unsettled = true;
        }
        return true;
    }

    /**
     * Promises {@code entries} more parked entries to the pair-less {@code state} (before a commit that
     * may dirty as many tuples); false when they are not free (its pair is then loaded first).
     */
    boolean reserve(GroupState state, int entries) {
        return parked.reserve(state, entries);
    }

    /**
     * Loads a pair-less group's pair into its own slot: its dirty tuples and log cover are parked
     * (into what it reserved) and applied over the copy the load chooses ({@link #onLoaded}), exactly as
     * for a parked group's reload. No commit may be in flight (the load overwrites both halves).
     */
    void loadInPlace(GroupState state) {
        assert state.pairless() && !state.commitInFlight() && !state.checkpointInFlight() : "load in place of " + state;
        state.loadWanted = false;
        state.previousValid = false;
        if (state.dirtyCount() > 0 || state.logTailSequence != TupleLog.NONE) {
            boolean fits = parked.park(state);
            assert fits : "a pair-less group did not fit what it reserved";
            parked.reloadStarted(state.group);
        } else {
            parked.release(state);
            state.unsettled = false;
        }
        context.counters.increment(EngineCounters.PAIRLESS_LOADS);
        loader.startLoad(state);
    }

    /** Evicting a quiet pair-less group: parks what it holds (it always fits) and gives back the rest. */
    private boolean parkPairless(GroupState state) {
        if (!state.quiet()) {
            return false;
        }
        if (state.dirtyCount() == 0 && state.logTailSequence == TupleLog.NONE) {
            parked.release(state);
            state.unsettled = false;
            return true;
        }
        boolean fits = parked.park(state);
        assert fits : "a pair-less group did not fit what it reserved";
        context.counters.increment(EngineCounters.GROUPS_PARKED);
        return true;
    }

    /** Once per loop step: under pressure, starts loads of parked groups while slots and the bound allow. */
    void reloadIfDue() {
        if (parked.isEmpty() || !underPressure()) {
            return;
        }
        long coverAtMost = logPressure() ? oldCovers() : Long.MAX_VALUE;
        while (context.cache.reservedSlotAvailable()) {
            long group = parked.nextToReload(coverAtMost);
            if (group < 0) {
                return;
            }
            if (context.cache.get(group) != null) {
                parked.reloadStarted(group); // already loading for a read or write: applied when it lands
                continue;
            }
            GroupState state = context.cache.allocateReserved(group);
            if (state == null) {
                return; // every reserved slot busy: rounds free them
            }
            parked.reloadStarted(group);
            context.counters.increment(EngineCounters.PARKED_RELOADS);
            reservedLoadsInFlight++;
            loader.startLoad(state);
        }
    }

    /**
     * The group's pair was loaded ({@code damaged}: neither copy usable), just before its load phase
     * moves: a parked group gets its tuples and log cover back, or, damaged, its cover is pinned.
     */
    void onLoaded(GroupState state, boolean damaged) {
        if (context.cache.reserved(state)) {
            reservedLoadsInFlight--;
        }
        if (!parked.contains(state.group)) {
            return;
        }
        if (damaged) {
            long cover = parked.drop(state.group);
            checkpointer.pinCover(cover, new IOException("both imd copies of group " + state.group
                + " are damaged; its logged tuples stay in the log for the next open"));
            return;
        }
        state.logTailSequence = parked.unpark(state);
        state.unsettled = true;
        if (context.cache.reserved(state)) {
            checkpointer.want(state); // reloaded to be written: a round, pressure or not
        }
    }

    /** A load of the group failed: a parked group's cover is pinned and the reloader leaves it. */
    void onLoadFailed(GroupState state, IOException failure) {
        long group = state.group;
        if (context.cache.reserved(state)) {
            reservedLoadsInFlight--;
        }
        if (parked.contains(group)) {
            parked.reloadFailed(group);
            checkpointer.pinCover(parked.tail(group), failure);
        }
    }

    /** Whether nothing is parked that a reload could still bring back (close may finish). */
    boolean drained() {
        return parked.onlyFailedLeft();
    }

    /**
     * Whether loads of parked groups are in flight: a round waits for them to land, so that it writes
     * them all (a round's syncs cost the same for one group as for a batch).
     */
    boolean reloadsInFlight() {
        return reservedLoadsInFlight > 0;
    }

    /** The oldest log cover of a parked group, or {@link TupleLog#NONE}. */
    long oldestCover() {
        return parked.oldestTail();
    }
}
