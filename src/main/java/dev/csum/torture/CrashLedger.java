package dev.csum.torture;

import java.util.Arrays;
import java.util.BitSet;
import java.util.function.LongPredicate;

/**
 * The {@link ReferenceModel}'s crash-time half, per block: the evidence a power loss is judged by,
 * and what the judgement allows afterwards, against the log on the media ({@link CrashView}, from
 * {@link LogWatch#scanAfterCrash}).
 *
 * <ul>
 *   <li><b>Integrity errors.</b> DURABILITY.md allows one, after a power loss in the default mode,
 *       only where the device persisted an unflushed (or in-flight) write's data but not the log
 *       record holding its tuple. So for each version a power loss leaves uncertain, the record of
 *       its tuple is kept from the data write's issue; at the crash, a version whose record neither
 *       survived on the media nor was passed by the log's tail (passed: checkpointed, the data
 *       durable) may read as an error from then on — any other version holding the media must read
 *       as itself. A write failed since the last crash allows an error whatever the media holds. A
 *       later write of the block ends the allowance; until that write is durable, a power loss may
 *       undo it and bring the allowance back.</li>
 *   <li><b>Stale reads.</b> The records of the data writes the device dropped since the block's last
 *       durable intact write are judged at the crash: if recovery sees one as lost (see
 *       {@link CrashView#lostWriteSeen}), the older data must read as an error; if it sees none, it
 *       may keep the tuple the older data matches, and a read of that data is the documented limit
 *       "dropped data write above the durable watermark" ({@link #staleExcusable}).</li>
 * </ul>
 */
final class CrashLedger {
    /** What the log on the media says after a power loss ({@link LogWatch#scanAfterCrash}). */
    interface CrashView {
        /**
         * Whether recovery knows the tuple that record {@code sequence} held: it replays the record,
         * or the log's tail passed it (its checkpoint, and the data of its writes, are durable).
         * False for -1 (unknown).
         */
        boolean tupleSurvived(long sequence);

        /** Whether recovery takes a write logged in record {@code sequence} whose data is missing for lost. */
        boolean lostWriteSeen(long sequence);

        /** What a power loss leaves when the media holds no log: recovery learns nothing from it. */
        CrashView NOTHING = new CrashView() {
            @Override
            public boolean tupleSurvived(long sequence) {
                return false;
            }

            @Override
            public boolean lostWriteSeen(long sequence) {
                return false;
            }
        };
    }

    private static final class Entry {
        /** Writes issued and not yet durable, as pairs (version, record of its tuple or -1). */
        long[] issued = new long[4];
        int issuedPairs;
        /** Records of the data writes dropped since the block's last durable intact write (null: none). */
        LongSet droppedRecords;
        boolean staleExcusable;
        /** After a power loss: an error is allowed whatever the media holds, or for these versions. */
        boolean errorAny;
        LongSet errorFor;
        /** Allowances a write not yet durable ended: a power loss brings them back. */
        boolean errorAnyUntilDurable;
        LongSet errorForUntilDurable;
        /** A stale-read excuse a newer write ended while not durable: a power loss may bring it back. */
        boolean staleExcusableUntilDurable;
        /** The last data write that landed intact: its version and the record of its tuple (-1: none). */
        long landedVersion = -1;
        long landedRecord = -1;
    }

    private final Entry[] entries;
    private final BitSet withDroppedRecords = new BitSet();

    CrashLedger(int blockCount) {
        this.entries = new Entry[blockCount];
    }

    private Entry entry(int block) {
        Entry entry = entries[block];
        if (entry == null) {
            entry = new Entry();
            entries[block] = entry;
        }
        return entry;
    }

    /** A data write of {@code version} was issued; {@code record} holds its tuple (-1: unknown). */
    void writeIssued(int block, long version, long record) {
        Entry entry = entry(block);
        if (entry.issuedPairs * 2 == entry.issued.length) {
            entry.issued = Arrays.copyOf(entry.issued, entry.issued.length * 2);
        }
        entry.issued[2 * entry.issuedPairs] = version;
        entry.issued[2 * entry.issuedPairs++ + 1] = record;
    }

    /**
     * The device dropped a data write whose tuple is in {@code record}: once its request completes
     * ({@link #writeCompleted}), and until a crash, a stale read is a bug. Not before: a read racing
     * the write may return the block's state before it, and when that state is an excused stale read
     * of an earlier drop, so is the read (torture seed 2183: a read racing a write whose data was
     * dropped returned the older data recovery had kept, and was called a silent corruption).
     */
    void dropped(int block, long record) {
        Entry entry = entry(block);
        if (entry.droppedRecords == null) {
            entry.droppedRecords = new LongSet();
        }
        entry.droppedRecords.add(record);
        withDroppedRecords.set(block);
    }

    /**
     * The data of a write whose tuple is in {@code record} landed intact, on a device that keeps what
     * it stored through a power loss (no volatile cache; strict mode is not enough: it makes a write
     * durable when its request completes, and a landed write's request may not have): the drops of older writes of the block (older records: writes of one
     * block commit in order) no longer say anything about what a crash leaves, since the media holds
     * newer data. (Clearing them only when the block's newest completed write is durable, as
     * {@link #becameDurable} does, kept them when a still newer write's data was dropped before the
     * landed write's request completed: torture seed 2148 then judged an old, superseded drop that
     * recovery "sees" and called the documented stale read of the newer drop a silent corruption.)
     */
    void landedDurably(int block, long record) {
        Entry entry = entries[block];
        if (entry == null || entry.droppedRecords == null || record < 0) {
            return;
        }
        LongSet newer = new LongSet();
        for (int k = 0; k < entry.droppedRecords.size(); k++) {
            if (entry.droppedRecords.get(k) > record) {
                newer.add(entry.droppedRecords.get(k));
            }
        }
        entry.droppedRecords = newer.size() == 0 ? null : newer;
    }

    /**
     * At a power loss, before the blocks are judged: what the media holds now. A block whose media
     * holds the data of one of its writes not yet durable (landed, and kept by the crash) holds newer
     * data than every write logged before that one, so their drops say nothing about it, as for
     * {@link #landedDurably} (torture seed 8948, a volatile cache: a drop of an old write, whose record
     * the tail had passed, was judged against a block that held a newer write's data the crash kept, and
     * the documented stale read of a still newer write's drop was called a silent corruption).
     */
    void mediaAtCrash(java.util.function.IntToLongFunction mediaVersion) {
        for (int block = withDroppedRecords.nextSetBit(0); block >= 0; block = withDroppedRecords.nextSetBit(block + 1)) {
            Entry entry = entries[block];
            if (entry != null && entry.droppedRecords != null && entry.landedRecord >= 0
                    && mediaVersion.applyAsLong(block) == entry.landedVersion) {
                landedDurably(block, entry.landedRecord);
            }
        }
    }

    /** The data of write {@code version}, whose tuple is in {@code record}, landed intact (it may not persist). */
    void landed(int block, long version, long record) {
        Entry entry = entry(block);
        entry.landedVersion = version;
        entry.landedRecord = record;
    }

    /** A write of the block completed: the errors a crash allowed end (a power loss may bring them back until it is durable). */
    void writeCompleted(int block, boolean durable) {
        Entry entry = entries[block];
        if (entry == null) {
            return;
        }
        // A newer write completed: the block's old data is wrong now — until a power loss undoes that
        // write, if it is not durable yet (then the excused state is back, as the errors are below).
        entry.staleExcusableUntilDurable |= !durable && entry.staleExcusable;
        entry.staleExcusable = false;
        if (!durable) {
            entry.errorAnyUntilDurable |= entry.errorAny;
            entry.errorForUntilDurable = union(entry.errorForUntilDurable, entry.errorFor);
        }
        entry.errorAny = false;
        entry.errorFor = null;
    }

    /** The block's newest completed write is durable ({@code dropped}: the device dropped its data). */
    void becameDurable(int block, boolean dropped, LongSet inflight) {
        Entry entry = entries[block];
        if (entry == null) {
            return;
        }
        entry.errorAnyUntilDurable = false;
        entry.errorForUntilDurable = null;
        entry.staleExcusableUntilDurable = false;
        if (!dropped) {
            entry.droppedRecords = null; // the media's data is newer than those writes now
        }
        int kept = 0;
        for (int pair = 0; pair < entry.issuedPairs; pair++) { // only writes still in flight remain to judge
            if (inflight.contains(entry.issued[2 * pair])) {
                entry.issued[2 * kept] = entry.issued[2 * pair];
                entry.issued[2 * kept++ + 1] = entry.issued[2 * pair + 1];
            }
        }
        entry.issuedPairs = kept;
    }

    /**
     * A power loss, for one block. {@code uncertain}: completed writes may be lost (default mode,
     * volatile cache) and the block had cached, in-flight or failed writes ({@code cached},
     * {@code inflight}, {@code failed}): their versions whose tuple did not survive may read as errors.
     */
    void crash(int block, boolean uncertain, LongSet cached, LongSet inflight, boolean failed, CrashView view) {
        Entry entry = entries[block];
        if (uncertain) {
            entry = entry(block);
            entry.errorAny |= failed;
            allowWithoutTuple(entry, cached, view);
            allowWithoutTuple(entry, inflight, view);
        }
        if (entry != null) {
            entry.errorAny |= entry.errorAnyUntilDurable;
            entry.errorFor = union(entry.errorFor, entry.errorForUntilDurable);
            entry.staleExcusable |= entry.staleExcusableUntilDurable; // judgeDropped may judge it anew
            entry.issuedPairs = 0;
        }
    }

    private static void allowWithoutTuple(Entry entry, LongSet versions, CrashView view) {
        for (int k = 0; k < versions.size(); k++) {
            long version = versions.get(k);
            long record = -1;
            for (int pair = 0; pair < entry.issuedPairs; pair++) {
                if (entry.issued[2 * pair] == version) {
                    record = entry.issued[2 * pair + 1];
                }
            }
            if (!view.tupleSurvived(record)) {
                entry.errorFor = union(entry.errorFor, LongSet.of(version));
            }
        }
    }

    /**
     * After a power loss: judges the data writes dropped since each block's last durable intact
     * write (the writes between the data the media holds and the block's newest tuple) by
     * {@code seen}, given the record of each one's tuple. Blocks without such writes keep their
     * judgement.
     */
    void judgeDropped(LongPredicate seen) {
        for (int block = withDroppedRecords.nextSetBit(0); block >= 0; block = withDroppedRecords.nextSetBit(block + 1)) {
            Entry entry = entries[block];
            if (entry.droppedRecords == null) {
                continue; // cleared since: a newer write of the block became durable
            }
            boolean anySeen = false;
            for (int k = 0; k < entry.droppedRecords.size(); k++) {
                anySeen |= seen.test(entry.droppedRecords.get(k));
            }
            entry.staleExcusable = !anySeen;
            entry.droppedRecords = null;
        }
        withDroppedRecords.clear();
    }

    /** Whether a stale read of the block (its last data write dropped) is the documented limit. */
    boolean staleExcusable(int block) {
        return entries[block] != null && entries[block].staleExcusable;
    }

    /** Whether the block may read as an integrity error while the media holds {@code mediaVersion}. */
    boolean errorAllowed(int block, long mediaVersion) {
        Entry entry = entries[block];
        return entry != null && (entry.errorAny || (entry.errorFor != null && entry.errorFor.contains(mediaVersion)));
    }

    /** Whether the block may read as an integrity error while the media holds a version {@code holds} accepts. */
    boolean errorAllowed(int block, LongPredicate holds) {
        Entry entry = entries[block];
        if (entry == null) {
            return false;
        }
        if (entry.errorAny) {
            return true;
        }
        if (entry.errorFor != null) {
            for (int k = 0; k < entry.errorFor.size(); k++) {
                if (holds.test(entry.errorFor.get(k))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static LongSet union(LongSet into, LongSet from) {
        if (from == null || from.isEmpty()) {
            return into;
        }
        LongSet result = into == null ? new LongSet() : into;
        result.addAll(from);
        return result;
    }
}
