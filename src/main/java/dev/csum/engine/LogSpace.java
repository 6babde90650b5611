package dev.csum.engine;

/**
 * The blocks of the log's circular region (TupleLog, "Space"): where the next record goes, and which
 * blocks its records hold. Records are appended at the head and never wrap: one that would not fit
 * before the end starts at block 0, the skipped blocks counted with the record before. The records
 * form a FIFO by sequence; from its front, a record is <em>dead</em> once the tail passed it and
 * <em>free</em> (its blocks reusable) once the media tail did — once a record carrying a tail beyond
 * it is durable. Invariant: a placed record never covers a record that is not free.
 *
 * <p>Event-loop only; grows its FIFO (rarely, by doubling), otherwise no allocation.
 */
final class LogSpace {
    private final long regionBlocks;
    // The FIFO of records not yet free: sequence, first block, blocks used (gaps included).
    private long[] sequences;
    private long[] startBlocks;
    private long[] footprintBlocks;
    private int first;
    private int count;
    /** Records from the FIFO's front the tail passed but the media tail did not: dead, not yet free. */
    private int deadCount;
    private long deadBlocks;
    /** Blocks of all records in the FIFO (live or dead), gaps included. */
    private long usedBlocks;
    private long headBlock;
    /** The highest tail carried by a durable record: records below it are free on the media too. */
    private long mediaTail;

    /**
     * The region as recovery left it: the head at {@code headBlock}; when {@code headRecordBlocks} is
     * positive, the record recovery left last (sequence {@code headRecordSequence}, just before the
     * head) holds the media's tail and stays, dead, until a newer tail is durable. Otherwise the
     * media tail is {@code firstSequence}.
     */
    LogSpace(long regionBlocks, long headBlock, long headRecordSequence, long headRecordBlocks, long firstSequence) {
        this.regionBlocks = regionBlocks;
        this.headBlock = headBlock;
        int capacity = 64;
        this.sequences = new long[capacity];
        this.startBlocks = new long[capacity];
        this.footprintBlocks = new long[capacity];
        if (headRecordBlocks > 0) {
            mediaTail = headRecordSequence;
            add(headRecordSequence, Math.floorMod(headBlock - headRecordBlocks, regionBlocks), headRecordBlocks);
            usedBlocks += headRecordBlocks;
            deadCount = 1;
            deadBlocks = headRecordBlocks;
        } else {
            mediaTail = firstSequence;
        }
    }

    /**
     * Reserves {@code lengthBlocks} at the head (wrapping to block 0 when they do not fit before the
     * end) and returns the first block, or -1 when the records not yet free leave no room beyond
     * {@code keepFreeBlocks}. The caller then {@linkplain #add adds} the record placed.
     */
    long place(long lengthBlocks, long keepFreeBlocks) {
        long gap = headBlock + lengthBlocks > regionBlocks ? regionBlocks - headBlock : 0;
        if (count == 0) {
            usedBlocks = 0;
            if (gap > 0) {
                headBlock = 0;
                gap = 0;
            }
        }
        if (usedBlocks + gap + lengthBlocks + keepFreeBlocks > regionBlocks) {
            return -1;
        }
        if (gap > 0) {
            footprintBlocks[(first + count - 1) % sequences.length] += gap;
            if (deadCount == count) {
                deadBlocks += gap;
            }
            usedBlocks += gap;
            headBlock = 0;
        }
        long start = headBlock;
        headBlock += lengthBlocks;
        if (headBlock == regionBlocks) {
            headBlock = 0;
        }
        usedBlocks += lengthBlocks;
        return start;
    }

    /** Appends the record just placed at {@code startBlock} (its sequence above every one in the FIFO). */
    void add(long sequence, long startBlock, long blocks) {
        assert count == 0 || sequence > sequences[(first + count - 1) % sequences.length] : "records out of order";
        if (count == sequences.length) {
            int capacity = sequences.length * 2;
            sequences = reorder(sequences, capacity);
            startBlocks = reorder(startBlocks, capacity);
            footprintBlocks = reorder(footprintBlocks, capacity);
            first = 0;
        }
        int index = (first + count) % sequences.length;
        sequences[index] = sequence;
        startBlocks[index] = startBlock;
        footprintBlocks[index] = blocks;
        count++;
    }

    private long[] reorder(long[] ring, int capacity) {
        long[] grown = new long[capacity];
        for (int i = 0; i < count; i++) {
            grown[i] = ring[(first + i) % ring.length];
        }
        return grown;
    }

    /** The tail moved to {@code tail}: every record below it is dead (its blocks not yet free). */
    void markDeadBelow(long tail) {
        while (deadCount < count && sequences[(first + deadCount) % sequences.length] < tail) {
            deadBlocks += footprintBlocks[(first + deadCount) % sequences.length];
            deadCount++;
        }
    }

    /**
     * A record carrying {@code durableTail} is durable: the records below it are free. Never moves
     * the media tail back; a tail beyond the dead records (the tail itself) is a caller's bug.
     */
    void freeBelow(long durableTail) {
        if (durableTail <= mediaTail) {
            return;
        }
        mediaTail = durableTail;
        while (count > 0 && sequences[first] < durableTail) {
            assert deadCount > 0 : "freeing a record the tail has not passed";
            usedBlocks -= footprintBlocks[first];
            deadBlocks -= footprintBlocks[first];
            deadCount--;
            first = (first + 1) % sequences.length;
            count--;
        }
        assert usedBlocks >= 0 && deadBlocks >= 0 : "log blocks used below zero";
    }

    /** The highest tail a durable record carries. */
    long mediaTail() {
        return mediaTail;
    }

    /** Fraction of the region that live records use (the tail has not passed them), 0 to 1. */
    double liveFraction() {
        return (double) (usedBlocks - deadBlocks) / regionBlocks;
    }
}
