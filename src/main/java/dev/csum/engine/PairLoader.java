package dev.csum.engine;

import dev.csum.format.ImdBlock;
import dev.csum.format.ImdValidity;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Loads a group's imd pair into its cache slot and decides what the two copies say: both valid and
 * equal, a crash state ({@link GroupState#dual}: either copy may describe a block), one copy
 * damaged or stale (serve from the other, settle later), or both damaged. Then hands the group to
 * the readers waiting for it ({@link PieceCompletion#onGroupLoaded}) and to the commit path.
 *
 * <p>Event-loop only.
 */
final class PairLoader {
    private final EngineContext context;
    private final PieceCompletion completion;
    private final CommitPath commits;
    private final int blockSizeBytes;
    /** Groups loaded since open: a later load of one cannot find a crash state (see onLoad). */
    private final LoadedGroups loadedGroups;

    /** Read-only sessions: the tuples log recovery chose, per group, applied when the group loads. */
    private final java.util.Map<Long, byte[]> recovered;

    /** Parked groups get their tuples back when they load (null: the cache never parks). */
    private final GroupParking parking;

    PairLoader(EngineContext context, PieceCompletion completion, CommitPath commits,
               java.util.Map<Long, byte[]> recoveredTuples, GroupParking parkingOrNull) {
        this.recovered = recoveredTuples;
        this.parking = parkingOrNull;
        this.context = context;
        this.completion = completion;
        this.commits = commits;
        this.blockSizeBytes = context.blockSizeBytes;
        this.loadedGroups = new LoadedGroups(context.geometry.groupCount());
    }

    /** An imd load's aux: the copies the read covers, bit {@code i} for copy {@code i}. */
    private static final int BOTH_COPIES = 0b11;

    void startLoad(GroupState state) {
        state.moveLoad(GroupPhase.Load.LOADING);
        readCopies(state, BOTH_COPIES);
    }

    private void readCopies(GroupState state, int copies) {
        context.ops.create(OpTable.IMD_LOAD, OpTable.READ_OP, state, copies, IoPort.METADATA_FILE,
            copiesOffsetBytes(state, copies), copies == BOTH_COPIES ? state.pair : state.halves[firstCopy(copies)], 0);
    }

    /** The first copy an imd load's {@code copies} covers (both, or one). */
    private static int firstCopy(int copies) {
        return copies == 0b10 ? 1 : 0;
    }

    private long copiesOffsetBytes(GroupState state, int copies) {
        return context.geometry.imdPairOffsetBytes(state.group) + (long) firstCopy(copies) * blockSizeBytes;
    }

    /**
     * A read of the pair (or, confirming, of some of its copies) completed. Only a VALID copy binds
     * itself to this group, slot and volume; an all-zero copy (what a never-written group holds) or a
     * rejected one may be a misdirected read, and trusting it would cost the group its tuples: its
     * written blocks would read as zeros, and the next commit would write that over the real pair. So
     * a pair that is not two VALID copies is read again (its suspect copies only) before it is used:
     * a copy counts as EMPTY only if both reads found it all zero, and a copy VALID in either read is
     * used. Sticky faults (bit rot, latent errors) read the same twice; a transient one does not.
     */
    void onLoad(GroupState state, int copies, int result) {
        int lengthBytes = Integer.bitCount(copies) * blockSizeBytes;
        if (state.copyReadsPending > 0) {
            if (result != lengthBytes) {
                state.unreadableCopies |= copies;
            }
            if (--state.copyReadsPending > 0) {
                return; // the other copy's read is still in flight
            }
            if (state.unreadableCopies == BOTH_COPIES) {
                failLoad(state, state.copyReadFailure);
                return;
            }
            copies = BOTH_COPIES; // both copies' reads are in: judge both
        } else if (result != lengthBytes) {
            IOException failure = context.deviceError("imd pair read", IoPort.METADATA_FILE,
                copiesOffsetBytes(state, copies), lengthBytes, result);
            if (copies == BOTH_COPIES) {
                // One bad sector fails the whole read: read the copies one by one, and go on with one
                // that reads (as with one damaged copy; the checkpoint rewrites both, healing the other).
                state.copyReadsPending = 2;
                state.unreadableCopies = 0;
                state.copyReadFailure = failure;
                context.counters.increment(EngineCounters.IMD_CONFIRM_READS);
                readCopies(state, 0b01);
                readCopies(state, 0b10);
                return;
            }
            failLoad(state, failure);
            return;
        }
        ImdValidity[] verdicts = state.loadVerdicts;
        for (int copy = 0; copy < 2; copy++) {
            if ((copies & (1 << copy)) != 0) {
                ImdValidity verdict = (state.unreadableCopies & (1 << copy)) != 0 ? ImdValidity.BAD_CHECKSUM
                    : ImdBlock.validate(state.halves[copy], state.group, context.volumeTag, copy);
                verdicts[copy] = state.loadPhase() == GroupPhase.Load.CONFIRMING ? verdicts[copy].confirmedBy(verdict) : verdict;
            }
        }
        // An unreadable copy is unusable; read again are only the copies that read but did not validate.
        int suspect = ((verdicts[0] != ImdValidity.VALID ? 0b01 : 0) | (verdicts[1] != ImdValidity.VALID ? 0b10 : 0))
            & ~state.unreadableCopies;
        if (suspect != 0 && state.loadPhase() != GroupPhase.Load.CONFIRMING) {
            state.moveLoad(GroupPhase.Load.CONFIRMING);
            context.counters.increment(EngineCounters.IMD_CONFIRM_READS);
            readCopies(state, suspect);
            return;
        }
        GroupPhase.Load outcome = GroupPhase.Load.LOADED;
        ImdValidity first = verdicts[0];
        ImdValidity second = verdicts[1];
        boolean firstUsable = first.usable();
        boolean secondUsable = second.usable();
        if (firstUsable && secondUsable) {
            int firstGeneration = ImdBlock.generation(state.halves[0]);
            int secondGeneration = ImdBlock.generation(state.halves[1]);
            // Equal generations only happen for a never-written (all-zero) pair: copy 0 counts as newer.
            state.newerCopy = ImdBlock.isNewer(secondGeneration, firstGeneration) ? 1 : 0;
            int newerGeneration = state.newerCopy == 1 ? secondGeneration : firstGeneration;
            int olderGeneration = state.newerCopy == 1 ? firstGeneration : secondGeneration;
            boolean differ = tuplesDiffer(state);
            state.copiesDiffer = differ;
            // Commits alternate slots one generation apart, so a crash leaves the copies at most one
            // apart. A wider gap means an imd write was lost or misdirected: the older copy is stale
            // beyond any write in flight, and trusting it could bless stale data (or call a damaged
            // written block "never written"). So does any difference on a reload in this session:
            // the engine settles a group before evicting it (a failed settle leaves the newer copy
            // complete), so only a group's first load since open can find a crash state. And so does
            // any difference at all on a volume with a tuple log (format version 2): a checkpoint
            // writes both copies, the second only once the first is durable, and the log keeps the
            // entries until both are; recovery rewrites both copies of every group the log names. A
            // pair that still differs lost one of its checkpoint's writes, and the newer copy holds
            // that checkpoint. Either way, serve from the newer copy alone.
            boolean crashStatePossible = olderGeneration + 1 == newerGeneration
                && !loadedGroups.contains(state.group) && context.geometry.logBlockCount() == 0;
            if (differ && !crashStatePossible) {
                state.unsettled = true;
                context.counters.increment(EngineCounters.METADATA_FALLBACKS);
            } else {
                outcome = differ ? GroupPhase.Load.DUAL : GroupPhase.Load.LOADED;
                state.unsettled = differ;
            }
        } else if (firstUsable || secondUsable) {
            state.copiesDiffer = true;
            state.newerCopy = firstUsable ? 0 : 1;
            state.unsettled = true;
            context.counters.increment(EngineCounters.METADATA_FALLBACKS);
        } else {
            outcome = GroupPhase.Load.DAMAGED;
            context.counters.add(EngineCounters.METADATA_FALLBACKS, 2);
        }
        boolean damaged = outcome == GroupPhase.Load.DAMAGED;
        state.generation = damaged ? 0 : ImdBlock.generation(state.committed());
        byte[] replayed = damaged ? null : recovered.get(state.group);
        if (replayed != null) {
            // A read-only session over a log that was not replayed into the pairs: the tuples recovery
            // chose describe the blocks (the pair on disk lags them until a writable open).
            MemorySegment.copy(MemorySegment.ofArray(replayed), ImdBlock.HEADER_BYTES, state.committed(),
                ImdBlock.HEADER_BYTES, blockSizeBytes - ImdBlock.HEADER_BYTES);
            outcome = GroupPhase.Load.LOADED;
            state.unsettled = true;
        }
        if (context.readOnly && state.unsettled) {
            // A writable session would rewrite this pair (settle, repair); a read-only one reports it
            // and serves reads from what is there (either copy of a crash state, or the good copy).
            state.unsettled = false;
            context.counters.increment(EngineCounters.IMD_REPAIRS_DEFERRED);
        }
        loadedGroups.add(state.group);
        if (damaged) {
            state.unsettled = false; // nothing a checkpoint could write
        }
        if (parking != null) {
            parking.onLoaded(state, damaged); // a parked group's tuples go over the copy chosen
        }
        state.moveLoad(outcome);
        completion.onGroupLoaded(state, null);
        commits.onPairLoaded(state);
    }

    /** The pair could not be read: the pieces waiting for it fail, and the slot is freed. */
    private void failLoad(GroupState state, IOException failure) {
        if (parking != null) {
            parking.onLoadFailed(state, failure);
        }
        commits.onPairFailed(state, failure);
        completion.onGroupLoaded(state, failure);
        context.cache.discard(state);
    }

    private boolean tuplesDiffer(GroupState state) {
        long tuplesBytes = (long) context.geometry.tuplesPerGroup() * ImdBlock.TUPLE_BYTES;
        return MemorySegment.mismatch(state.halves[0], ImdBlock.HEADER_BYTES, ImdBlock.HEADER_BYTES + tuplesBytes,
            state.halves[1], ImdBlock.HEADER_BYTES, ImdBlock.HEADER_BYTES + tuplesBytes) >= 0;
    }
}
