package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.format.ImdBlock;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/**
 * The parked pool's bookkeeping without an engine around it: a record attached to a pair-less slot
 * collects the slot's new tuples when it is parked again (a tuple it holds already overwritten in
 * place), a load applies them, and the pool says it is nearly full when under a quarter of its entries are free.
 */
class ParkedTuplesTest {
    private static final int BLOCK = 512;
    private static final long GROUP = 7;
    /** Tuples of a group of 512-byte blocks. */
    private static final int TUPLES = 62;

    @Test
    void anAttachedRecordGathersTheSlotsTuplesOncePerTuple() {
        ParkedTuples pool = new ParkedTuples(4, 16, TUPLES);
        GroupState first = pairless();
        write(first, 1, 0x11);
        write(first, 2, 0x12);
        first.logTailSequence = 40;
        assertTrue(pool.park(first));
        assertEquals(2, pool.entries());

        GroupState again = pairless();
        assertEquals(40, pool.attach(GROUP), "the slot takes the record's log cover");
        again.logTailSequence = 40;
        write(again, 2, 0x22); // newer than the parked entry of tuple 2
        write(again, 5, 0x25);
        assertTrue(pool.park(again));
        assertEquals(3, pool.entries(), "tuple 2 overwritten in place, tuple 5 appended");
        assertEquals(1, pool.groups());
        assertEquals(40, pool.tail(GROUP));

        GroupState loaded = slot();
        assertEquals(40, pool.unpark(loaded));
        assertEquals(0x11, ImdBlock.tupleBits(loaded.committed(), 1));
        assertEquals(0x22, ImdBlock.tupleBits(loaded.committed(), 2), "the newer value of a tuple written again");
        assertEquals(0x25, ImdBlock.tupleBits(loaded.committed(), 5));
        assertEquals(0, ImdBlock.tupleBits(loaded.committed(), 3), "a tuple never parked is left as loaded");
        assertEquals(3, loaded.dirtyCount());
        assertEquals(0, pool.entries());
        assertTrue(pool.isEmpty());
    }

    /**
     * The reserved slots that bring parked groups back follow the pool's size, not only the imd cache's:
     * a 256 KiB cache (32 pairs of 4096-byte blocks) over 1 GiB parks 65,536 tuples and gets 64 slots
     * (a quarter of its pairs would be 8: a round, three syncs, per ~500 writes missing the cache).
     */
    @Test
    void reservedSlotsFollowTheParkedPool() {
        dev.csum.format.Geometry oneGib = dev.csum.format.Geometry.of(4096, 262_144,
            dev.csum.format.MetadataPlacement.INTERLEAVED, 1024);
        CacheSplit split = CacheSplit.of(256 * 1024, oneGib);
        assertEquals(32, split.pairSlots());
        assertEquals(65_536, ParkedTuples.entriesFor(split, oneGib));
        assertEquals(64, GroupParking.reservedSlots(split.pairSlots(), ParkedTuples.entriesFor(split, oneGib)));
        assertEquals(128, GroupParking.reservedSlots(4096, 1 << 20), "at most a checkpoint batch");
        assertEquals(2, GroupParking.reservedSlots(4, 256), "at least two");
        assertEquals(10, GroupParking.reservedSlots(40, 1024), "a quarter of the pairs when that is more");
    }

    @Test
    void nearlyFullWhenUnderAQuarterOfTheEntriesAreFree() {
        ParkedTuples pool = new ParkedTuples(4, 8, TUPLES);
        GroupState state = pairless();
        for (int tuple = 0; tuple < 6; tuple++) {
            write(state, tuple, tuple + 1);
        }
        state.logTailSequence = 3;
        assertTrue(pool.park(state));
        assertFalse(pool.nearlyFull(), "2 of 8 free");
        GroupState other = slot();
        other.group = GROUP + 1;
        assertTrue(pool.reserve(other, 1), "a promise of one more entry");
        assertTrue(pool.nearlyFull(), "1 of 8 free and not promised");
        pool.release(other);
        assertFalse(pool.nearlyFull());
    }

    private static GroupState slot() {
        GroupState state = new GroupState(0, Arena.ofAuto().allocate(2L * BLOCK, 8), BLOCK);
        state.assign(GROUP);
        return state;
    }

    private static GroupState pairless() {
        GroupState state = slot();
        state.moveLoad(GroupPhase.Load.PAIRLESS);
        return state;
    }

    private static void write(GroupState state, int tuple, long bits) {
        ImdBlock.setTupleBits(state.committed(), tuple, bits);
        state.markDirty(tuple, 1);
    }
}
