package dev.csum.engine;

import dev.csum.format.ImdBlock;

/**
 * Parked groups: groups the imd cache evicted while their tuples were ahead of their imd copies on
 * disk, kept as the tuples that differ (the <em>dirty</em> tuples, {@link GroupState#dirtyTuples})
 * and the oldest log sequence holding an entry of theirs. A parked group needs no cache slot and no
 * checkpoint to be evicted; its log entries stay covered (the tail never passes {@link #oldestTail()}),
 * and when the group is loaded again its dirty tuples are applied over the pair read from disk
 * ({@link #unpark}), which makes it the cached, unsettled group it was. design/TUPLE_LOG.md §4.1.
 *
 * <p>Why it is exact: a group's tuples differ from its newer imd copy on disk only where a commit
 * applied since the last durable checkpoint wrote them (a failed checkpoint puts its snapshot's
 * dirty bits back), and nothing writes a parked group's imd pair (it has no slot, so no checkpoint);
 * so the copy a reload chooses plus the parked tuples is the state the group had.
 *
 * <p>A parked group written again is {@linkplain #attach attached}: its record stays, its slot (pair-less)
 * collects the tuples written since, and parking it again appends those, so a write that misses the
 * cache costs its own tuples, not a walk over the group's (a tuple the record holds already is
 * overwritten in place: a walk, but only then). A record holds each tuple once.
 *
 * <p>Bounded: at most {@code entryCapacity} tuples in all (14 bytes each on the heap, and a bit per tuple of each record's group); a dirty group
 * that does not fit is settled by a checkpoint before eviction, as without parking. Event-loop only;
 * no allocation after construction.
 */
final class ParkedTuples {
    /** A parked group's reload: not asked, its load in flight, or its load failed (not tried again). */
    static final byte PARKED = 0;
    static final byte RELOADING = 1;
    static final byte RELOAD_FAILED = 2;
    /**
     * Its group is in the cache again as a pair-less group ({@link #attach}): the record stays where it
     * is, holding the tuples parked before, and the group's slot holds only the tuples written since;
     * {@link #park} appends those. Not reloaded.
     */
    static final byte ATTACHED = 3;

    private final GroupSlotMap index;
    private final long[] recordGroup;
    private final long[] recordTail;
    private final int[] recordFirstEntry;
    private final byte[] recordState;
    /** Per record, a bit per tuple of the group: which tuples it holds an entry of ({@link #wordsPerRecord} words each). */
    private final long[] recordTuples;
    private final int wordsPerRecord;
    private final int[] freeRecords;
    private int freeRecordCount;
    private final short[] entryIndex;
    private final long[] entryTuple;
    private final int[] entryNext;
    private int freeEntryHead;
    private int freeEntryCount;
    /** Where {@link #nextToReload} looks first (round robin over the records). */
    private int reloadCursor;
    private int reloading;
    private int failed;
    private int attached;
    /** Entries and records promised to pair-less groups ({@link #reserve}): parking others leaves them free. */
    private int reservedEntries;
    private int reservedRecords;

    ParkedTuples(int groupCapacity, int entryCapacity, int tuplesPerGroup) {
        this.index = new GroupSlotMap(groupCapacity);
        this.wordsPerRecord = (tuplesPerGroup + 63) / 64;
        this.recordTuples = new long[groupCapacity * wordsPerRecord];
        this.recordGroup = new long[groupCapacity];
        this.recordTail = new long[groupCapacity];
        this.recordFirstEntry = new int[groupCapacity];
        this.recordState = new byte[groupCapacity];
        this.freeRecords = new int[groupCapacity];
        for (int i = 0; i < groupCapacity; i++) {
            recordGroup[i] = -1;
            freeRecords[i] = groupCapacity - 1 - i;
        }
        this.freeRecordCount = groupCapacity;
        this.entryIndex = new short[entryCapacity];
        this.entryTuple = new long[entryCapacity];
        this.entryNext = new int[entryCapacity];
        for (int i = 0; i < entryCapacity; i++) {
            entryNext[i] = i + 1 < entryCapacity ? i + 1 : -1;
        }
        this.freeEntryHead = entryCapacity > 0 ? 0 : -1;
        this.freeEntryCount = entryCapacity;
    }

    /** The most tuples parked: 16 MiB of heap at most. */
    static final int MAX_ENTRIES = 1 << 20;
    /**
     * The floor of the tuples parked: about 1 MiB of heap, so that a small imd cache still lets
     * pair-less groups (design/TUPLE_LOG.md §4.3) keep the dirty tuples a log's worth of random writes
     * leaves behind; never more than a quarter of the volume's blocks.
     */
    static final int MIN_ENTRIES = 1 << 16;
    /** Tuples parked per imd cache slot (a slot holds a whole pair, 2 blocks: 8 KiB for 4096-byte blocks). */
    static final int ENTRIES_PER_PAIR_SLOT = 64;
    /**
     * Blocks of the volume per tuple parked: a large volume gets a pool sized to it (one tuple per 16
     * blocks: 64 Ki for 1 GiB, 1 Mi from 64 GiB of 4096-byte blocks), as the dense tuple cache is, so
     * that random writes over all of it park about 16 tuples per group before the pool is full and a
     * round must write the groups back (each such checkpoint writes two imd blocks for the tuples it
     * frees: the fewer per group, the more imd writes per user write). PERFORMANCE.md, "Attached parked
     * records".
     */
    static final int BLOCKS_PER_ENTRY = 16;

    /**
     * Parked tuples for an engine whose imd cache holds fewer groups than the volume has: 64 per pair
     * slot (a sixty-fourth of the tuples the slots hold, about 1 MiB of heap per 8 MiB of imd cache
     * at 4096-byte blocks) or one per {@link #BLOCKS_PER_ENTRY} blocks of the volume, whichever is more,
     * at least {@link #MIN_ENTRIES} or a quarter of the volume's blocks, whichever is fewer, at most
     * {@link #MAX_ENTRIES} (14 bytes of heap each); as many groups as that, or as the volume has.
     */
    static ParkedTuples sized(CacheSplit split, dev.csum.format.Geometry geometry) {
        int entries = entriesFor(split, geometry);
        return new ParkedTuples((int) Math.min(entries, geometry.groupCount()), entries, geometry.tuplesPerGroup());
    }

    /** The tuples {@link #sized} parks at most. */
    static int entriesFor(CacheSplit split, dev.csum.format.Geometry geometry) {
        long blocks = geometry.dataBlockCount();
        long floor = Math.max(64, Math.min(MIN_ENTRIES, blocks / 4));
        long wanted = Math.max(split.pairSlots() * ENTRIES_PER_PAIR_SLOT, blocks / BLOCKS_PER_ENTRY);
        return (int) Math.min(MAX_ENTRIES, Math.max(floor, wanted));
    }

    /** Groups parked. */
    int groups() {
        return recordGroup.length - freeRecordCount;
    }

    /** Tuples parked. */
    int entries() {
        return entryTuple.length - freeEntryCount;
    }

    /**
     * Whether fewer than a quarter of the entries are free (not parked, not promised): the reloader should
     * bring groups back and free them ({@link GroupParking}).
     */
    boolean nearlyFull() {
        return freeEntryCount - reservedEntries < entryTuple.length / 4;
    }

    boolean isEmpty() {
        return freeRecordCount == recordGroup.length;
    }

    boolean contains(long group) {
        return index.get(group) != GroupSlotMap.ABSENT;
    }

    /** Parked groups whose reload is in flight. */
    int reloading() {
        return reloading;
    }

    /**
     * Reserves room for a pair-less group ({@link GroupPhase.Load#PAIRLESS}): a record (first call for
     * the group, unless it is {@linkplain #attach attached} to one) and {@code entries} more entries, so that its dirty tuples can always be parked (to
     * evict it, or to load its pair in place). False (nothing reserved) when they are not free.
     */
    boolean reserve(GroupState state, int entries) {
        int records = state.reservedRecord || contains(state.group) ? 0 : 1;
        if (freeRecordCount - reservedRecords < records || freeEntryCount - reservedEntries < entries) {
            return false;
        }
        reservedRecords += records;
        reservedEntries += entries;
        state.reservedRecord |= records == 1;
        state.reservedEntries += entries;
        return true;
    }

    /** Gives back what {@link #reserve} promised {@code state}. */
    void release(GroupState state) {
        reservedRecords -= state.reservedRecord ? 1 : 0;
        reservedEntries -= state.reservedEntries;
        assert reservedRecords >= 0 && reservedEntries >= 0 : "released more than was reserved";
        state.reservedRecord = false;
        state.reservedEntries = 0;
    }

    /**
     * Parks {@code state}'s dirty tuples if they fit, and then leaves the state settled and outside
     * the log (so the cache may evict it); false (nothing changed) when they do not fit. A pair-less
     * group parks into what it reserved, so it always fits. A group {@linkplain #attach attached} to its
     * record adds its dirty tuples to it: a tuple the record holds already is overwritten in place (one
     * walk over the record, only when there is such a tuple), the others are appended, so parking it
     * again costs its new tuples, and a record never holds a tuple twice.
     */
    boolean park(GroupState state) {
        if (state.reservedRecord || state.reservedEntries > 0) {
            assert state.reservedEntries >= state.dirtyCount() : "a pair-less group outgrew its reservation: " + state;
            release(state);
        }
        int record = index.get(state.group);
        boolean appending = record != GroupSlotMap.ABSENT;
        assert (state.dirtyCount() > 0 || state.pairless()) && state.logTailSequence != TupleLog.NONE
            && (!appending || (recordState[record] == ATTACHED && state.pairless()))
            : "parking group " + state.group + " with " + state.dirtyCount() + " dirty tuples, " + state;
        long[] bits = state.dirtyTuples;
        assert bits.length == wordsPerRecord : "a group of " + bits.length + " dirty words in records of " + wordsPerRecord;
        if (appending) {
            overwriteHeld(record, state);
        }
        int added = state.dirtyCount(); // what overwriteHeld left: tuples the record does not hold
        if (added > freeEntryCount - reservedEntries || (!appending && freeRecordCount - reservedRecords == 0)) {
            assert !appending : "an attached group outgrew its reservation: " + state;
            return false;
        }
        int head;
        if (appending) {
            attached--;
            recordTail[record] = Math.min(recordTail[record], state.logTailSequence);
            head = recordFirstEntry[record];
        } else {
            record = freeRecords[--freeRecordCount];
            recordGroup[record] = state.group;
            recordTail[record] = state.logTailSequence;
            index.put(state.group, record);
            head = -1;
        }
        recordState[record] = PARKED;
        int held = record * wordsPerRecord;
        for (int word = bits.length - 1; word >= 0; word--) {
            long w = bits[word];
            recordTuples[held + word] |= w;
            while (w != 0) {
                int bit = 63 - Long.numberOfLeadingZeros(w);
                w &= ~(1L << bit);
                int tuple = (word << 6) + bit;
                int entry = freeEntryHead;
                freeEntryHead = entryNext[entry];
                freeEntryCount--;
                entryIndex[entry] = (short) tuple;
                entryTuple[entry] = ImdBlock.tupleBits(state.committed(), tuple);
                entryNext[entry] = head;
                head = entry;
            }
        }
        recordFirstEntry[record] = head;
        java.util.Arrays.fill(bits, 0L);
        state.unsettled = false;
        state.logTailSequence = TupleLog.NONE;
        return true;
    }

    /**
     * Writes {@code state}'s dirty tuples that {@code record} holds already over their entries and
     * clears their dirty bits (the rest are appended by the caller); the record is walked only when
     * there are such tuples, and only until the last of them is found.
     */
    private void overwriteHeld(int record, GroupState state) {
        long[] bits = state.dirtyTuples;
        int held = record * wordsPerRecord;
        int left = 0;
        for (int word = 0; word < bits.length; word++) {
            left += Long.bitCount(bits[word] & recordTuples[held + word]);
        }
        for (int entry = recordFirstEntry[record]; left > 0; entry = entryNext[entry]) {
            int tuple = entryIndex[entry];
            long bit = 1L << tuple;
            if ((bits[tuple >>> 6] & bit) != 0) {
                entryTuple[entry] = ImdBlock.tupleBits(state.committed(), tuple);
                bits[tuple >>> 6] &= ~bit;
                left--;
            }
        }
    }

    /**
     * The parked group was assigned a slot again, pair-less ({@link GroupPhase.Load#PAIRLESS}): its
     * record stays (nothing is moved; a group parked with a hundred tuples costs a write that misses
     * the cache no walk over them) and {@link #park} will append what the slot dirties.
     *
     * @return the record's log cover, which the slot now holds too
     */
    long attach(long group) {
        int record = index.get(group);
        assert record != GroupSlotMap.ABSENT && (recordState[record] == PARKED || recordState[record] == RELOAD_FAILED)
            : "attaching group " + group + " whose record is absent, reloading or attached";
        if (recordState[record] == RELOAD_FAILED) {
            failed--;
        }
        recordState[record] = ATTACHED;
        attached++;
        return recordTail[record];
    }

    /**
     * The group's pair was loaded (usable): applies its parked tuples over the committed copy, marks
     * them dirty, and gives the group back its log cover; it is no longer parked.
     *
     * @return the log cover (the oldest sequence holding an entry of the group)
     */
    long unpark(GroupState state) {
        int record = index.get(state.group);
        assert record != GroupSlotMap.ABSENT : "group " + state.group + " is not parked";
        assert recordState[record] != ATTACHED && state.dirtyCount() == 0 : "unparking group " + state.group + " over " + state;
        for (int entry = recordFirstEntry[record]; entry >= 0; entry = entryNext[entry]) {
            int tuple = entryIndex[entry];
            ImdBlock.setTupleBits(state.committed(), tuple, entryTuple[entry]);
            state.dirtyTuples[tuple >>> 6] |= 1L << tuple;
        }
        return remove(record);
    }

    /** Forgets a parked group whose tuples cannot be applied (its pair is damaged); returns its log cover. */
    long drop(long group) {
        int record = index.get(group);
        assert record != GroupSlotMap.ABSENT : "group " + group + " is not parked";
        return remove(record);
    }

    /** The group's log cover. */
    long tail(long group) {
        return recordTail[index.get(group)];
    }

    private long remove(int record) {
        assert recordState[record] != ATTACHED : "removing group " + recordGroup[record] + " while attached to a slot";
        if (recordState[record] == RELOADING) {
            reloading--;
        } else if (recordState[record] == RELOAD_FAILED) {
            failed--;
        }
        int entry = recordFirstEntry[record];
        while (entry >= 0) {
            int next = entryNext[entry];
            entryNext[entry] = freeEntryHead;
            freeEntryHead = entry;
            freeEntryCount++;
            entry = next;
        }
        index.remove(recordGroup[record]);
        java.util.Arrays.fill(recordTuples, record * wordsPerRecord, (record + 1) * wordsPerRecord, 0L);
        long tail = recordTail[record];
        recordGroup[record] = -1;
        recordFirstEntry[record] = -1;
        freeRecords[freeRecordCount++] = record;
        return tail;
    }

    /** A reload of {@code group} (parked) was started. */
    void reloadStarted(long group) {
        int record = index.get(group);
        if (recordState[record] != RELOADING) {
            recordState[record] = RELOADING;
            reloading++;
        }
    }

    /** A load of the parked {@code group} failed: the reloader does not try it again. */
    void reloadFailed(long group) {
        int record = index.get(group);
        if (recordState[record] == RELOADING) {
            reloading--;
        }
        if (recordState[record] != RELOAD_FAILED) {
            failed++;
        }
        recordState[record] = RELOAD_FAILED;
    }

    /**
     * The next parked group to reload (neither reloading nor failed) whose log cover is at most
     * {@code coverAtMost}, round robin, or -1 when none is left.
     */
    long nextToReload(long coverAtMost) {
        if (groups() == reloading + failed + attached) {
            return -1;
        }
        int records = recordGroup.length;
        for (int step = 0; step < records; step++) {
            int record = reloadCursor;
            reloadCursor = reloadCursor + 1 == records ? 0 : reloadCursor + 1;
            if (recordGroup[record] >= 0 && recordState[record] == PARKED && recordTail[record] <= coverAtMost) {
                return recordGroup[record];
            }
        }
        return -1;
    }

    /** Whether every parked group's reload failed (nothing more a reload can do). */
    boolean onlyFailedLeft() {
        return groups() == failed;
    }

    /** The oldest log cover of any parked group, or {@link TupleLog#NONE}. */
    long oldestTail() {
        long oldest = TupleLog.NONE;
        if (isEmpty()) {
            return oldest;
        }
        for (int record = 0; record < recordGroup.length; record++) {
            if (recordGroup[record] >= 0 && recordTail[record] < oldest) {
                oldest = recordTail[record];
            }
        }
        return oldest;
    }
}
