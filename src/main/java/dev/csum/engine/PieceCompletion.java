package dev.csum.engine;

import java.io.IOException;

/**
 * How the commit path and the read verifier hand work back to the engine: the only two calls they
 * make into it. Event-loop only.
 */
interface PieceCompletion {
    /** A piece is done: all its I/Os completed ({@code failure} null on success). */
    void finishPiece(Piece piece, IOException failure);

    /** A group's imd pair has been loaded, or failed to load ({@code failure} non-null). */
    void onGroupLoaded(GroupState state, IOException failure);
}
