package dev.csum.engine;

import java.io.IOException;

/**
 * When the imd cache may evict a dirty group by parking it ({@link ParkedTuples}) instead of
 * checkpointing it first, and bringing parked groups back so that a checkpoint round can write them.
 *
 * <h2>Parking</h2>
 * A group the cache's CLOCK chooses is parked when it is quiet (nothing in flight or waiting), loaded
 * and intact, its copies on disk agreed when it was loaded, it has dirty tuples and a log cover, they
 * fit, and the log is not under pressure. Under pressure (the log at the round trigger, commits
 * waiting for log room, close) nothing is parked: eviction settles groups by checkpoints, as it
 * always did, so the parked set only shrinks.
 *
 * <h2>Reloading</h2>
 * Under pressure, parked groups are loaded back into <em>reserved</em> cache slots ({@link
 * GroupCache#allocateReserved}) through the ordinary pair load ({@link PairLoader}); the load applies
 * the parked tuples ({@link #onLoaded}), the group is an unsettled cached group again, and a round
 * checkpoints it. Reads and writes never take a reserved slot (one of a group held there waits until
 * the group is written and idle, then moves to a main slot), so a reload never waits for a slot
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
    /** The most reserved slots: parked groups being loaded back and checkpointed at once. */
    static final int MAX_RESERVED_SLOTS = 32;

    /**
     * Imd cache slots reserved for reloads ({@link GroupCache#allocateReserved}), beside {@code pairSlots}
     * main ones: a quarter as many, 2 to {@link #MAX_RESERVED_SLOTS}.
     */
    static int reservedSlots(long pairSlots) {
        return (int) Math.max(2, Math.min(MAX_RESERVED_SLOTS, pairSlots / 4));
    }

    private final EngineContext context;
    private final ParkedTuples parked;
    private final TupleLog log;
    private final Checkpointer checkpointer;
    private PairLoader loader;
    private boolean closing;

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

    /** The log wants parked groups back (and no more parked): a round is due, commits wait for room, or closing. */
    private boolean underPressure() {
        return closing || log.fill() >= Checkpointer.FILL_TRIGGER || log.waitingForRoom();
    }

    /**
     * The cache's eviction met {@code state}, quiet but not settled: parks it when it may (see the class
     * comment). True when it is parked (now settled and outside the log, so evictable).
     */
    boolean tryPark(GroupState state) {
        if (underPressure() || state.loadPhase() != GroupPhase.Load.LOADED || !state.quiet() || !state.unsettled
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

    /** Once per loop step: under pressure, starts loads of parked groups while slots and the bound allow. */
    void reloadIfDue() {
        if (parked.isEmpty() || !underPressure()) {
            return;
        }
        while (true) {
            long group = parked.nextToReload();
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
            loader.startLoad(state);
        }
    }

    /**
     * The group's pair was loaded ({@code damaged}: neither copy usable), just before its load phase
     * moves: a parked group gets its tuples and log cover back, or, damaged, its cover is pinned.
     */
    void onLoaded(GroupState state, boolean damaged) {
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
    void onLoadFailed(long group, IOException failure) {
        if (parked.contains(group)) {
            parked.reloadFailed(group);
            checkpointer.pinCover(parked.tail(group), failure);
        }
    }

    /** Whether nothing is parked that a reload could still bring back (close may finish). */
    boolean drained() {
        return parked.onlyFailedLeft();
    }

    /** The oldest log cover of a parked group, or {@link TupleLog#NONE}. */
    long oldestCover() {
        return parked.oldestTail();
    }
}
