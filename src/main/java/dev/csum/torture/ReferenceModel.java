package dev.csum.torture;

import java.util.ArrayList;
import java.util.BitSet;

/**
 * What each block of the volume may legitimately hold, as a set of write versions
 * ({@link BlockPattern}), driven by the workload's issues and completions, flushes and crashes.
 *
 * <h2>Per block</h2>
 * <ul>
 *   <li>{@code durable}: the versions that may be on stable media. Normally one; after a crash, every
 *       version that could have survived it (the invariant's "old or new").</li>
 *   <li>{@code cached}: versions of writes that completed since, in completion order, that a power
 *       loss may still undo. Only when completed writes can be lost (the default durability mode
 *       under the volatile-cache crash model); otherwise a completion makes its version the one
 *       durable version.</li>
 *   <li>{@code inflight}: versions of writes issued and not completed.</li>
 * </ul>
 * With no crash in between, a read may return the newest completed version (the last cached one,
 * else the durable set), any version in flight when it was issued, or any version issued while it
 * ran. A crash folds cached and in-flight versions into the durable set.
 *
 * <h2>Flushes</h2>
 * A flush makes durable every write that completed before the flush was issued (DURABILITY.md).
 * Writes completing while it runs stay cached: conservative, so the set only ever grows.
 *
 * <h2>Integrity errors that are allowed</h2>
 * A block may read as an integrity error, with intact data on the media, only where DURABILITY.md
 * says so: in the default mode after a power loss, when the device persisted the data of an unflushed
 * or in-flight write but not the log record holding its tuple ({@link #cacheErrorAllowed}: the
 * version on the media is one whose record neither survived on the media nor was passed by the log's
 * tail), until the block is written again; and after a write that failed. (Format version 1 also
 * excused errors in a group whose imd write a crash tore; version 2's checkpoints leave no such case.)
 *
 * <p>Single-threaded.
 */
final class ReferenceModel {

    private static final class Block {
        final LongSet durable = LongSet.of(BlockPattern.ZEROS);
        final LongSet cached = new LongSet();
        /** Completion sequence of each cached version, same order as {@link #cached}. */
        long[] cachedSeq = new long[2];
        final LongSet inflight = new LongSet();
        boolean dropped;
        /** A write failed since the last crash: part of it may sit unflushed in the cache, like a completed one. */
        boolean failedSinceCrash;
        boolean metadataSuspect;
        /** {@link #eventSeq} of the last metadata fault on this block's group. */
        long metadataFaultSeq;
        /**
         * A data write dropped, or a metadata fault, since the block's last write known durable: a
         * power loss may undo the later writes that cleared {@link #dropped} or {@link #metadataSuspect},
         * and bring back the state that fault left.
         */
        boolean droppedSinceDurable;
        boolean metadataSuspectSinceDurable;
    }

    private final Block[] blocks;
    private final boolean completedWritesMayBeLost;
    private final boolean landedDataPersists;
    private final ArrayList<ReadTicket> outstandingReads = new ArrayList<>();
    private final BitSet blocksWithCachedWrites = new BitSet();
    private long completionSeq;
    /** Orders write issues and metadata faults: a write clears a fault's suspicion only if issued after it. */
    private long eventSeq;
    private final java.util.HashMap<Long, Long> issueSeqByVersion = new java.util.HashMap<>();
    /** What a power loss is judged by, and what it allows afterwards. */
    private final CrashLedger ledger;
    /**
     * Versions that are discards or write-zeroes rather than writes: the blocks they cover hold zeros,
     * which decode as {@link BlockPattern#ZEROS}, while the model keeps their own version (so that
     * the order of writes and discards to a block is kept like the order of writes).
     */
    private final java.util.BitSet zeroVersions = new java.util.BitSet();

    /**
     * @param completedWritesMayBeLost true for the default durability mode under the volatile-cache
     *     crash model; false when a completed write is durable (strict mode, or completed writes persist)
     */
    ReferenceModel(int blockCount, boolean completedWritesMayBeLost) {
        this(blockCount, completedWritesMayBeLost, false);
    }

    /**
     * @param landedDataPersists whether data the device stored survives a power loss (the crash model
     *     {@code COMPLETED_WRITES_PERSIST}: no volatile cache), whatever the write's request did since
     */
    ReferenceModel(int blockCount, boolean completedWritesMayBeLost, boolean landedDataPersists) {
        this.landedDataPersists = landedDataPersists;
        this.blocks = new Block[blockCount];
        for (int i = 0; i < blockCount; i++) {
            blocks[i] = new Block();
        }
        this.completedWritesMayBeLost = completedWritesMayBeLost;
        this.ledger = new CrashLedger(blockCount);
    }

    int blockCount() {
        return blocks.length;
    }

    // ---------------------------------------------------------------- writes

    /** A discard or write-zeroes was issued: a write of {@code version} whose blocks read as zeros. */
    void zeroingIssued(long firstBlock, int blockCount, long version) {
        zeroVersions.set(Math.toIntExact(version));
        writeIssued(firstBlock, blockCount, version);
    }

    /** Whether one of {@code versions} is a discard's or a write-zeroes' (whose blocks hold zeros). */
    static boolean anyZeroVersion(LongSet versions, java.util.BitSet zeroVersions) {
        for (int k = 0; k < versions.size(); k++) {
            long version = versions.get(k);
            if (version > 0 && version <= Integer.MAX_VALUE && zeroVersions.get((int) version)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The version of the discard or write-zeroes in flight on {@code block} whose punch the engine just
     * issued (the newest, as the engine commits a block's operations in the order issued), or
     * {@link BlockPattern#ZEROS} when none is.
     */
    long zeroingInFlight(long block) {
        LongSet inflight = blocks[(int) block].inflight;
        long newest = BlockPattern.ZEROS;
        for (int k = 0; k < inflight.size(); k++) {
            long version = inflight.get(k);
            if (version > newest && zeroVersions.get(Math.toIntExact(version))) {
                newest = version;
            }
        }
        return newest;
    }

    void writeIssued(long firstBlock, int blockCount, long version) {
        issueSeqByVersion.put(version, ++eventSeq);
        for (int i = 0; i < blockCount; i++) {
            blocks[(int) (firstBlock + i)].inflight.add(version);
        }
        for (ReadTicket read : outstandingReads) {
            long from = Math.max(firstBlock, read.firstBlock);
            long to = Math.min(firstBlock + blockCount, read.firstBlock + read.blockCount);
            for (long block = from; block < to; block++) {
                read.acceptable[(int) (block - read.firstBlock)].add(version);
            }
        }
    }

    void writeCompleted(long firstBlock, int blockCount, long version, boolean succeeded) {
        long seq = ++completionSeq;
        long issuedAt = issueSeqByVersion.remove(version);
        for (int i = 0; i < blockCount; i++) {
            int index = (int) (firstBlock + i);
            Block block = blocks[index];
            block.inflight.remove(version);
            if (!succeeded) {
                // A failed write may or may not have reached the media: from now on both are possible.
                block.durable.addAll(block.cached);
                block.durable.add(version);
                block.cached.clear();
                blocksWithCachedWrites.clear(index);
                block.failedSinceCrash = true;
            } else if (supersededOnCompletion(block, version)) {
                continue;
            } else if (completedWritesMayBeLost) {
                if (block.cached.size() == block.cachedSeq.length) {
                    block.cachedSeq = java.util.Arrays.copyOf(block.cachedSeq, block.cachedSeq.length * 2);
                }
                int last = block.cached.size() - 1;
                if (last >= 0 && block.cached.get(last) > version) {
                    // An older overlapping write completing after a newer one (the older request had
                    // pieces elsewhere): its data landed before the newer one's, so it goes just before
                    // it, flushed with it.
                    long newer = block.cached.get(last);
                    block.cached.remove(newer);
                    block.cached.add(version);
                    block.cached.add(newer);
                    block.cachedSeq[last + 1] = block.cachedSeq[last];
                    continue;
                }
                block.cachedSeq[block.cached.size()] = seq;
                block.cached.add(version); // versions are unique: always appended
                blocksWithCachedWrites.set(index);
                ledger.writeCompleted(index, false);
                block.metadataSuspect &= block.metadataFaultSeq > issuedAt;
            } else {
                block.durable.set(version);
                ledger.writeCompleted(index, true);
                block.metadataSuspect &= block.metadataFaultSeq > issuedAt;
                becameDurable(index);
            }
        }
    }

    /**
     * Whether a completing write is already overwritten on this block by a newer one that finished
     * first. The engine applies overlapping writes in the order it accepted them (here, the order
     * issued: versions grow with it), so the newer write's data landed after this one's; this one
     * stays possible only where the newer one's outcome is uncertain (it failed: both stay possible).
     */
    private static boolean supersededOnCompletion(Block block, long version) {
        if (!block.cached.isEmpty()) {
            return false;
        }
        long newest = Long.MIN_VALUE;
        for (int k = 0; k < block.durable.size(); k++) {
            newest = Math.max(newest, block.durable.get(k));
        }
        if (newest < version) {
            return false;
        }
        if (block.durable.size() > 1) {
            block.durable.add(version);
        }
        return true;
    }

    /**
     * The device stored (or failed to store) the engine's data write of {@code block} intact;
     * {@code recordSequence} is the log record holding that write's tuple (-1: unknown).
     */
    void dataLanded(long block, boolean landed, long recordSequence) {
        dataLanded(block, landed, recordSequence, -1);
    }

    /** As above; {@code version}: the write's version (-1: unknown), for judging what a crash keeps. */
    void dataLanded(long block, boolean landed, long recordSequence, long version) {
        blocks[(int) block].dropped = !landed;
        blocks[(int) block].droppedSinceDurable |= !landed;
        if (!landed) {
            ledger.dropped((int) block, recordSequence);
        } else {
            if (version >= 0 && recordSequence >= 0) {
                ledger.landed((int) block, version, recordSequence);
            }
            if (landedDataPersists) {
                ledger.landedDurably((int) block, recordSequence);
            }
        }
    }

    /**
     * A fault stored other bytes over the block's data (zeros a misdirected punch left): as if its last
     * write, whose tuple is in {@code recordSequence} (-1: unknown), dropped — and judged as such at a
     * power loss (torture seed 3686: zeros a misdirected punch left over a block whose only write was
     * logged above the durable watermark read, after the crash, as the never-written block recovery
     * rightly kept; a dropped write there is the documented limit, and recovery cannot tell the two apart).
     */
    void dataClobbered(long block, long recordSequence) {
        blocks[(int) block].dropped = true;
        blocks[(int) block].droppedSinceDurable = true;
        if (recordSequence >= 0) {
            ledger.dropped((int) block, recordSequence);
        }
    }

    /** Whether a stale read of {@code block} is the documented limit (see {@link CrashLedger}). */
    boolean staleExcusable(long block) {
        return ledger.staleExcusable((int) block);
    }

    /** The block's newest completed write is durable: what the media holds now survives a power loss. */
    private void becameDurable(int index) {
        Block block = blocks[index];
        block.droppedSinceDurable = block.dropped;
        block.metadataSuspectSinceDurable = block.metadataSuspect;
        ledger.becameDurable(index, block.dropped, block.inflight);
    }

    /**
     * A media fault touched metadata holding these blocks' tuples (an imd write dropped, a slot
     * overwritten by another write, a read of the pair altered; a log record damaged): with a second
     * fault their tuples may be lost (both copies, or the record before its checkpoint), so a block
     * whose data write is dropped too, or whose read is misdirected onto never-written data, may read
     * as an older version or as zeros.
     */
    void metadataFault(long firstBlock, int blockCount) {
        eventSeq++;
        for (int i = 0; i < blockCount; i++) {
            suspect(blocks[(int) (firstBlock + i)]);
        }
    }

    /** As {@link #metadataFault(long, int)}, for the blocks a damaged log record named. */
    void metadataFault(long[] blockNumbers) {
        eventSeq++;
        for (long block : blockNumbers) {
            suspect(blocks[(int) block]);
        }
    }

    private void suspect(Block block) {
        block.metadataSuspect = true;
        block.metadataSuspectSinceDurable = true;
        block.metadataFaultSeq = eventSeq;
    }

    boolean metadataSuspect(long block) {
        return blocks[(int) block].metadataSuspect;
    }

    // ---------------------------------------------------------------- flush and crash

    /** Returns the token to hand to {@link #flushCompleted}. */
    long flushIssued() {
        return completionSeq;
    }

    void flushCompleted(long token, boolean succeeded) {
        if (!succeeded) {
            return;
        }
        for (int index = blocksWithCachedWrites.nextSetBit(0); index >= 0;
             index = blocksWithCachedWrites.nextSetBit(index + 1)) {
            Block block = blocks[index];
            int flushed = 0;
            while (flushed < block.cached.size() && block.cachedSeq[flushed] <= token) {
                flushed++;
            }
            if (flushed == 0) {
                continue;
            }
            block.durable.set(block.cached.get(flushed - 1));
            if (flushed == block.cached.size()) {
                becameDurable(index);
            }
            LongSet rest = new LongSet();
            for (int i = flushed; i < block.cached.size(); i++) {
                rest.add(block.cached.get(i));
                block.cachedSeq[i - flushed] = block.cachedSeq[i];
            }
            block.cached.clear();
            block.cached.addAll(rest);
            if (block.cached.isEmpty()) {
                blocksWithCachedWrites.clear(index);
            }
        }
    }

    /** A data write of {@code version} to {@code block} was issued; {@code record} holds its tuple (-1: unknown). */
    void dataWriteIssued(long block, long version, long record) {
        ledger.writeIssued((int) block, version, record);
    }

    /**
     * Power loss: every cached or in-flight version may or may not have survived. The crash's
     * judgements (integrity errors allowed, stale reads excused) are the {@link CrashLedger}'s, by
     * what the log on the media says ({@code view}).
     */
    void crash(CrashLedger.CrashView view) {
        crash(view, block -> -1);
    }

    /**
     * A power loss: {@code view} is what the log on the media says, {@code mediaVersion} the version each
     * block's data on the media is now (after the crash).
     */
    void crash(CrashLedger.CrashView view, java.util.function.IntToLongFunction mediaVersion) {
        ledger.mediaAtCrash(mediaVersion);
        for (int index = 0; index < blocks.length; index++) {
            Block block = blocks[index];
            boolean uncertain = completedWritesMayBeLost
                && (!block.cached.isEmpty() || !block.inflight.isEmpty() || block.failedSinceCrash);
            ledger.crash(index, uncertain, block.cached, block.inflight, block.failedSinceCrash, view);
            block.failedSinceCrash = false;
            // The media may fall back to any state since the last durable write, faults included.
            block.dropped |= block.droppedSinceDurable;
            block.metadataSuspect |= block.metadataSuspectSinceDurable;
            block.durable.addAll(block.cached);
            block.durable.addAll(block.inflight);
            block.cached.clear();
            block.inflight.clear();
        }
        blocksWithCachedWrites.clear();
        outstandingReads.clear();
        issueSeqByVersion.clear();
        ledger.judgeDropped(view::lostWriteSeen);
    }

    // ---------------------------------------------------------------- reads

    ReadTicket readIssued(long firstBlock, int blockCount) {
        ReadTicket read = new ReadTicket(firstBlock, blockCount, zeroVersions);
        for (int i = 0; i < blockCount; i++) {
            Block block = blocks[(int) (firstBlock + i)];
            read.acceptable[i] = readableNow((int) (firstBlock + i));
            read.droppedAtIssue[i] = block.dropped;
            read.staleExcusableAtIssue[i] = ledger.staleExcusable((int) (firstBlock + i));
            read.metadataSuspectAtIssue[i] = block.metadataSuspect;
        }
        outstandingReads.add(read);
        return read;
    }

    void readDone(ReadTicket read) {
        outstandingReads.remove(read);
    }

    /** What a read issued now may return for {@code block}. */
    LongSet readableNow(int index) {
        Block block = blocks[index];
        LongSet acceptable = block.cached.isEmpty() ? block.durable.copy() : LongSet.of(block.cached.get(block.cached.size() - 1));
        acceptable.addAll(block.inflight);
        return acceptable;
    }

    /** Whether {@code block} may read as an integrity error while the media holds {@code mediaVersion}. */
    boolean cacheErrorAllowed(long block, long mediaVersion) {
        if (mediaVersion == BlockPattern.ZEROS) {
            // Zeros on the media are what a discard's punch leaves: allowed if allowed for any discard.
            return ledger.errorAllowed((int) block, version -> version == BlockPattern.ZEROS
                || (version > 0 && version <= Integer.MAX_VALUE && zeroVersions.get((int) version)));
        }
        return ledger.errorAllowed((int) block, mediaVersion);
    }

    /** True when the device dropped (lost, misdirected, tore or corrupted) the last data write of the block. */
    boolean dropped(long block) {
        return blocks[(int) block].dropped;
    }
}
