package dev.csum;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/** The {@link IoCallback}s behind {@link Volume}'s future forms. */
final class FutureCallbacks {
    private FutureCallbacks() {
    }

    /** Completes {@code future} with the operation's result. */
    static IoCallback completing(CompletableFuture<Void> future) {
        return completing(future, null);
    }

    /**
     * Completes {@code future} with the operation's result; on success first moves
     * {@code bufferOrNull}'s position to its limit, past the bytes transferred (on the event loop,
     * before the caller can see the future complete, as AsynchronousFileChannel does).
     */
    static IoCallback completing(CompletableFuture<Void> future, ByteBuffer bufferOrNull) {
        int advancedPosition = bufferOrNull == null ? 0 : bufferOrNull.limit();
        return (token, failure) -> {
            if (failure != null) {
                future.completeExceptionally(failure);
                return;
            }
            try {
                if (bufferOrNull != null) {
                    bufferOrNull.position(advancedPosition);
                }
                future.complete(null);
            } catch (IllegalArgumentException limitMoved) {
                future.completeExceptionally(limitMoved);
            }
        };
    }
}
