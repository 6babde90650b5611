package dev.csum.engine;

import dev.csum.format.ImdBlock;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * What goes into a group's next commit ({@link CommitPath}): which of its pending writes, and the
 * state they make. The state is built in the pair's other half: the committed tuples plus the new
 * ones (a write's checksums and application tags; "discarded" for a discard or write-zeroes). Pure
 * in-memory work: the commit's path through the log and the device is {@link CommitPath}'s.
 * Event-loop only.
 */
final class CommitAssembly {
    private final int blockSizeBytes;
    /** Scratch for {@link #takeNonOverlappingWrites}: writes held back for the next commit. */
    private final PieceList deferredWrites = new PieceList();

    CommitAssembly(int blockSizeBytes) {
        this.blockSizeBytes = blockSizeBytes;
    }

    /**
     * Moves the group's pending writes that may commit together into {@link GroupState#commitPieces}
     * and writes the state they make into the half that is not the committed one.
     *
     * @return that half's copy index: the commit's target copy
     */
    int assemble(GroupState state) {
        int target = 1 - state.newerCopy;
        MemorySegment next = state.halves[target];
        MemorySegment.copy(state.committed(), 0, next, 0, blockSizeBytes);
        takeNonOverlappingWrites(state);
        for (Piece piece = state.commitPieces.head; piece != null; piece = piece.next) {
            Request request = piece.request;
            if (Request.zeroes(request.kind)) {
                for (int i = 0; i < piece.blockCount; i++) {
                    ImdBlock.setTuple(next, piece.firstIndex + i, 0, ImdBlock.FLAG_DISCARDED, 0);
                }
                continue;
            }
            int[] sums = request.checksums;
            short[] tags = request.appTags;
            for (int i = 0; i < piece.blockCount; i++) {
                int inRequest = piece.firstBlockInRequest + i;
                ImdBlock.setTuple(next, piece.firstIndex + i, sums[inRequest], ImdBlock.FLAG_WRITTEN,
                    tags == null ? 0 : tags[inRequest] & 0xFFFF);
            }
        }
        return target;
    }

    /**
     * Moves the pending writes into the commit, in the order they arrived, except a write that
     * overlaps one before it: that one, and every later write overlapping it, waits for the next
     * commit. The data writes of one commit are unordered on the device, so two writes of the same
     * block in one commit could land in either order under the later one's checksum; across commits
     * they are ordered (a commit starts when the previous one's writes have all completed).
     */
    private void takeNonOverlappingWrites(GroupState state) {
        long[] claimed = state.claimedTuples;
        Arrays.fill(claimed, 0L);
        Piece piece;
        while ((piece = state.pendingWrites.poll()) != null) {
            boolean overlaps = anySet(claimed, piece.firstIndex, piece.blockCount);
            setRange(claimed, piece.firstIndex, piece.blockCount);
            (overlaps ? deferredWrites : state.commitPieces).add(piece);
        }
        state.pendingWrites.takeAll(deferredWrites);
    }

    private static boolean anySet(long[] bits, int from, int count) {
        for (int index = from; index < from + count; index++) {
            if ((bits[index >>> 6] & (1L << index)) != 0) {
                return true;
            }
        }
        return false;
    }

    private static void setRange(long[] bits, int from, int count) {
        for (int index = from; index < from + count; index++) {
            bits[index >>> 6] |= 1L << index;
        }
    }
}
