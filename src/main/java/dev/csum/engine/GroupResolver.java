package dev.csum.engine;

import dev.csum.io.PortIo;
import dev.csum.checksum.BlockChecksum;
import dev.csum.format.Geometry;
import dev.csum.format.ImdBlock;
import dev.csum.format.ImdValidity;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * Decides a group's tuples after a crash, for {@link LogRecovery}: for every block the log names,
 * or whose two imd copies differ, the candidate tuple its data matches (the class comment of
 * {@link LogRecovery}, step 2). Reads the pair and the blocks to decide; writes nothing. One group
 * at a time, before the event loop starts, through {@link PortIo}.
 */
final class GroupResolver {
    /** Logged tuples of one block, in sequence order. */
    static final class History {
        long[] sequences = new long[2];
        long[] tuples = new long[2];
        int count;

        void add(long sequence, long tuple) {
            if (count == sequences.length) {
                sequences = java.util.Arrays.copyOf(sequences, count * 2);
                tuples = java.util.Arrays.copyOf(tuples, count * 2);
            }
            sequences[count] = sequence;
            tuples[count] = tuple;
            count++;
        }
    }

    private final PortIo io;
    private final Geometry geometry;
    private final int blockSizeBytes;
    private final int volumeTag;
    private final BlockChecksum checksum;
    /** One group's data blocks, as they are read (by index in the group). */
    private final MemorySegment groupData;
    /** One block: a confirming read of an imd copy or of an all-zero data block, or a copy being swapped. */
    private final MemorySegment scratch;
    private final long[] readOffsets;
    private final MemorySegment[] readBuffers;
    private final int[] readResults;
    private int blocksRead;

    GroupResolver(PortIo io, Geometry geometry, int volumeTag, BlockChecksum checksum, Arena arena, int alignment) {
        this.io = io;
        this.geometry = geometry;
        this.blockSizeBytes = geometry.blockSizeBytes();
        this.volumeTag = volumeTag;
        this.checksum = checksum;
        int tuples = geometry.tuplesPerGroup();
        this.groupData = arena.allocate((long) tuples * blockSizeBytes, alignment);
        this.scratch = arena.allocate(blockSizeBytes, alignment);
        this.readOffsets = new long[tuples];
        this.readBuffers = new MemorySegment[tuples];
        this.readResults = new int[tuples];
    }

    /** Data blocks read so far to decide between candidates (confirming reads included). */
    int blocksRead() {
        return blocksRead;
    }

    /**
     * Loads the group's pair into {@code pair} (half 0: the tuples chosen, half 1: scratch), decides
     * every logged block and every block whose copies differ. Returns false when neither copy is
     * usable (the group stays damaged: its blocks read as integrity errors).
     */
    boolean resolveGroup(long group, Map<Integer, History> logged, long watermark, MemorySegment pair)
            throws IOException {
        long pairOffset = geometry.imdPairOffsetBytes(group);
        MemorySegment[] halves = {pair.asSlice(0, blockSizeBytes), pair.asSlice(blockSizeBytes, blockSizeBytes)};
        boolean[] unreadable = new boolean[2];
        if (io.read(IoPort.METADATA_FILE, pairOffset, pair) != pair.byteSize()) {
            // One bad sector fails the whole read: read the copies one by one, and go on with one that
            // reads (one usable copy and the log describe the group, as at run time: PairLoader).
            for (int copy = 0; copy < 2; copy++) {
                unreadable[copy] = io.read(IoPort.METADATA_FILE, pairOffset + (long) copy * blockSizeBytes, halves[copy])
                    != blockSizeBytes;
            }
            if (unreadable[0] && unreadable[1]) {
                throw new IOException("log recovery: reading the imd pair of group " + group + " failed");
            }
        }
        ImdValidity[] verdicts = new ImdValidity[2];
        for (int copy = 0; copy < 2; copy++) {
            if (unreadable[copy]) {
                verdicts[copy] = ImdValidity.BAD_CHECKSUM; // unusable, and not read again below
                continue;
            }
            verdicts[copy] = ImdBlock.validate(halves[copy], group, volumeTag, copy);
            if (verdicts[copy] != ImdValidity.VALID) {
                // Confirmed as the engine's loader does (ImdValidity.confirmedBy).
                if (io.read(IoPort.METADATA_FILE, pairOffset + (long) copy * blockSizeBytes, scratch) == blockSizeBytes) {
                    ImdValidity second = ImdBlock.validate(scratch, group, volumeTag, copy);
                    if (second == ImdValidity.VALID) {
                        MemorySegment.copy(scratch, 0, halves[copy], 0, blockSizeBytes);
                    }
                    verdicts[copy] = verdicts[copy].confirmedBy(second);
                }
            }
        }
        boolean firstUsable = verdicts[0].usable();
        boolean secondUsable = verdicts[1].usable();
        if (!firstUsable && !secondUsable) {
            return false;
        }
        int newer;
        boolean olderCandidate = false;
        if (firstUsable && secondUsable) {
            int g0 = ImdBlock.generation(halves[0]);
            int g1 = ImdBlock.generation(halves[1]);
            newer = ImdBlock.isNewer(g1, g0) ? 1 : 0;
            int newerGeneration = newer == 1 ? g1 : g0;
            int olderGeneration = newer == 1 ? g0 : g1;
            olderCandidate = olderGeneration + 1 == newerGeneration; // a checkpoint or commit torn between copies
        } else {
            newer = firstUsable ? 0 : 1;
        }
        int generation = ImdBlock.generation(halves[newer]);
        if (newer == 1) {
            // Half 0 receives the chosen tuples; keep the older copy's in half 1.
            MemorySegment.copy(halves[1], 0, scratch, 0, blockSizeBytes);
            MemorySegment.copy(halves[0], 0, halves[1], 0, blockSizeBytes);
            MemorySegment.copy(scratch, 0, halves[0], 0, blockSizeBytes);
        }
        MemorySegment chosen = halves[0];
        MemorySegment older = olderCandidate ? halves[1] : null;
        long firstBlock = geometry.firstBlockOfGroup(group);
        int tuples = geometry.blocksInGroup(group);
        // The candidates of every block to decide; the blocks that need their data read are read
        // together, up to the port's queue depth at a time.
        long[][] candidatesByIndex = new long[tuples][];
        int reads = 0;
        for (int index = 0; index < tuples; index++) {
            History history = logged.get(index);
            boolean copiesDiffer = older != null && ImdBlock.tupleBits(older, index) != ImdBlock.tupleBits(chosen, index);
            if (history == null && !copiesDiffer) {
                continue;
            }
            long[] candidates = candidates(history, watermark, ImdBlock.tupleBits(chosen, index),
                older == null ? null : ImdBlock.tupleBits(older, index));
            candidatesByIndex[index] = candidates;
            if (!allSame(candidates)) {
                readOffsets[reads] = geometry.dataOffsetBytes(firstBlock + index);
                readBuffers[reads] = groupData.asSlice((long) index * blockSizeBytes, blockSizeBytes);
                reads++;
            }
        }
        io.readAll(IoPort.DATA_FILE, readOffsets, readBuffers, reads, readResults);
        blocksRead += reads;
        int read = 0;
        for (int index = 0; index < tuples; index++) {
            long[] candidates = candidatesByIndex[index];
            if (candidates == null) {
                continue;
            }
            long tuple = candidates[candidates.length - 1];
            if (!allSame(candidates)) {
                boolean readable = readResults[read++] == blockSizeBytes;
                tuple = readable ? choose(candidates, firstBlock + index,
                    groupData.asSlice((long) index * blockSizeBytes, blockSizeBytes)) : tuple;
            }
            ImdBlock.setTupleBits(chosen, index, tuple);
        }
        ImdBlock.setHeader(chosen, group, generation, volumeTag);
        return true;
    }

    /** The candidate tuples of a block, oldest first (see the class comment). */
    private static long[] candidates(History history, long watermark, long newerCopy, Long olderCopy) {
        int lastDurable = -1;
        if (history != null) {
            for (int i = 0; i < history.count; i++) {
                if (history.sequences[i] <= watermark) {
                    lastDurable = i;
                }
            }
        }
        if (lastDurable >= 0) {
            return java.util.Arrays.copyOfRange(history.tuples, lastDurable, history.count);
        }
        int logged = history == null ? 0 : history.count;
        long[] result = new long[(olderCopy == null ? 1 : 2) + logged];
        int k = 0;
        if (olderCopy != null) {
            result[k++] = olderCopy;
        }
        result[k++] = newerCopy;
        for (int i = 0; i < logged; i++) {
            result[k++] = history.tuples[i];
        }
        return result;
    }

    private static boolean allSame(long[] candidates) {
        for (long candidate : candidates) {
            if (candidate != candidates[candidates.length - 1]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The newest candidate the block's data ({@code data}, read) matches, or the newest candidate
     * when none does. An all-zero block is read a second time before a never-written candidate is
     * taken: it may be a misdirected read of never-written data.
     */
    private long choose(long[] candidates, long logicalBlock, MemorySegment data) throws IOException {
        int sum = checksum.blockChecksum(data, logicalBlock);
        boolean zeros = ImdBlock.isAllZero(data);
        for (int i = candidates.length - 1; i >= 0; i--) {
            long candidate = candidates[i];
            if (ImdBlock.writtenOfBits(candidate) ? ImdBlock.checksumOfBits(candidate) == sum : zeros) {
                if (!ImdBlock.writtenOfBits(candidate)) {
                    blocksRead++;
                    if (io.read(IoPort.DATA_FILE, geometry.dataOffsetBytes(logicalBlock), scratch) != blockSizeBytes
                            || !ImdBlock.isAllZero(scratch)) {
                        continue;
                    }
                }
                return candidate;
            }
        }
        return candidates[candidates.length - 1];
    }

}
