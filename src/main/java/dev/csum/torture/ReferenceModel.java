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
 * says so: in the default mode after a power loss, for a block that had an unflushed or in-flight
 * write ({@link #cacheErrorAllowed}), until the block is written again. (Format version 1 also
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
        boolean cacheErrorAllowed;
        boolean dropped;
        /**
         * A stale read of this block (its last data write dropped) is a documented limit: recovery
         * after a crash could not tell the dropped write from one in flight (see judgeDroppedWrites).
         */
        boolean staleExcusable;
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
        /**
         * The records holding the tuples of the data writes dropped since the block's last durable
         * intact write (null: none): the writes a power loss leaves between the media's data and
         * the block's newest tuple. Judged, and cleared, at the next crash.
         */
        LongSet droppedRecords;
    }

    /** The acceptable versions of a read's blocks, fixed at issue and widened by writes issued while it runs. */
    static final class ReadTicket {
        final long firstBlock;
        final int blockCount;
        final LongSet[] acceptable;
        /** The allowed-error flags of each block when the read was issued (the media may change while it runs). */
        final boolean[] cacheErrorAllowedAtIssue;
        /** The documented-limit evidence of each block when the read was issued (see SeedChecker). */
        final boolean[] droppedAtIssue;
        final boolean[] staleExcusableAtIssue;
        final boolean[] metadataSuspectAtIssue;
        /** The version the media held when the read was issued (filled by the checker). */
        final long[] mediaVersionAtIssue;

        private ReadTicket(long firstBlock, int blockCount) {
            this.firstBlock = firstBlock;
            this.blockCount = blockCount;
            this.acceptable = new LongSet[blockCount];
            this.cacheErrorAllowedAtIssue = new boolean[blockCount];
            this.droppedAtIssue = new boolean[blockCount];
            this.staleExcusableAtIssue = new boolean[blockCount];
            this.metadataSuspectAtIssue = new boolean[blockCount];
            this.mediaVersionAtIssue = new long[blockCount];
        }

        boolean accepts(int index, long version) {
            return acceptable[index].contains(version);
        }

        LongSet acceptable(int index) {
            return acceptable[index];
        }
    }

    private final Block[] blocks;
    private final boolean completedWritesMayBeLost;
    private final ArrayList<ReadTicket> outstandingReads = new ArrayList<>();
    private final BitSet blocksWithCachedWrites = new BitSet();
    private long completionSeq;
    /** Orders write issues and metadata faults: a write clears a fault's suspicion only if issued after it. */
    private long eventSeq;
    private final java.util.HashMap<Long, Long> issueSeqByVersion = new java.util.HashMap<>();
    /** Blocks with {@code droppedRecords} to judge at the next crash. */
    private final BitSet blocksWithDroppedRecords = new BitSet();

    /**
     * @param completedWritesMayBeLost true for the default durability mode under the volatile-cache
     *     crash model; false when a completed write is durable (strict mode, or completed writes persist)
     */
    ReferenceModel(int blockCount, boolean completedWritesMayBeLost) {
        this.blocks = new Block[blockCount];
        for (int i = 0; i < blockCount; i++) {
            blocks[i] = new Block();
        }
        this.completedWritesMayBeLost = completedWritesMayBeLost;
    }

    int blockCount() {
        return blocks.length;
    }

    // ---------------------------------------------------------------- writes

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
                block.cacheErrorAllowed = false;
                block.metadataSuspect &= block.metadataFaultSeq > issuedAt;
            } else {
                block.durable.set(version);
                block.cacheErrorAllowed = false;
                block.metadataSuspect &= block.metadataFaultSeq > issuedAt;
                becameDurable(block);
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
        blocks[(int) block].dropped = !landed;
        blocks[(int) block].droppedSinceDurable |= !landed;
        if (!landed) {
            // Until a crash, the engine knows the write's tuple: a stale read is an engine bug.
            Block state = blocks[(int) block];
            state.staleExcusable = false;
            if (state.droppedRecords == null) {
                state.droppedRecords = new LongSet();
            }
            state.droppedRecords.add(recordSequence);
            blocksWithDroppedRecords.set((int) block);
        }
    }

    /**
     * After a crash: judges the data writes dropped since each block's last durable intact write —
     * the writes between the data the media holds and the block's newest tuple — by whether
     * recovery sees them as lost ({@code detectable}, given the sequence of the record holding the
     * tuple). If it sees one, no candidate tuple it keeps describes the older data: the block must
     * read as an error. If it sees none (each logged above the durable watermark on the media, or its
     * record gone), recovery may keep the tuple the older data matches, and the block may read as
     * that data from now on: a documented limit. Blocks without such writes keep their judgement.
     */
    void judgeDroppedWrites(java.util.function.LongPredicate detectable) {
        for (int index = blocksWithDroppedRecords.nextSetBit(0); index >= 0;
             index = blocksWithDroppedRecords.nextSetBit(index + 1)) {
            Block block = blocks[index];
            if (block.droppedRecords == null) {
                continue; // cleared since: a newer write of the block became durable
            }
            boolean seen = false;
            for (int k = 0; k < block.droppedRecords.size(); k++) {
                seen |= detectable.test(block.droppedRecords.get(k));
            }
            block.staleExcusable = !seen;
            block.droppedRecords = null;
        }
        blocksWithDroppedRecords.clear();
    }

    boolean staleExcusable(long block) {
        return blocks[(int) block].staleExcusable;
    }

    /** The block's newest completed write is durable: what the media holds now survives a power loss. */
    private void becameDurable(Block block) {
        block.droppedSinceDurable = block.dropped;
        block.metadataSuspectSinceDurable = block.metadataSuspect;
        if (!block.dropped && block.droppedRecords != null) {
            block.droppedRecords = null; // the media's data is newer than those writes now
        }
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
                becameDurable(block);
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

    /** Power loss: every cached or in-flight version may or may not have survived. */
    void crash() {
        for (Block block : blocks) {
            if (completedWritesMayBeLost
                    && (!block.cached.isEmpty() || !block.inflight.isEmpty() || block.failedSinceCrash)) {
                block.cacheErrorAllowed = true;
            }
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
    }

    // ---------------------------------------------------------------- reads

    ReadTicket readIssued(long firstBlock, int blockCount) {
        ReadTicket read = new ReadTicket(firstBlock, blockCount);
        for (int i = 0; i < blockCount; i++) {
            Block block = blocks[(int) (firstBlock + i)];
            read.acceptable[i] = readableNow((int) (firstBlock + i));
            read.cacheErrorAllowedAtIssue[i] = block.cacheErrorAllowed;
            read.droppedAtIssue[i] = block.dropped;
            read.staleExcusableAtIssue[i] = block.staleExcusable;
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

    boolean cacheErrorAllowed(long block) {
        return blocks[(int) block].cacheErrorAllowed;
    }

    /** True when the device dropped (lost, misdirected, tore or corrupted) the last data write of the block. */
    boolean dropped(long block) {
        return blocks[(int) block].dropped;
    }
}
