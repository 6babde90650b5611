package dev.csum.engine;

import java.io.IOException;

/**
 * How the commit path and the read verifier hand work back to the engine: the only calls they
 * make into it. Event-loop only.
 */
interface PieceCompletion {
    /** A piece is done: all its I/Os completed ({@code failure} null on success). */
    void finishPiece(Piece piece, IOException failure);

    /** A group's imd pair has been loaded, or failed to load ({@code failure} non-null). */
    void onGroupLoaded(GroupState state, IOException failure);

    /**
     * A read verified against the dense tuple cache did not verify (or its group left that cache
     * meanwhile): route it again, through the imd cache this time (its data read again, and every
     * check of the read path, the re-read included).
     */
    void rerouteRead(Piece piece);

    /**
     * The group's commit is over and re-reads wait for it ({@link GroupState#fencedRereads}): issue
     * them (no commit starts until they complete).
     */
    void onCommitOver(GroupState state);

    /** The group's fenced re-reads are all done: the commit its pending writes wait for may start. */
    void onRereadsDone(GroupState state);
}
