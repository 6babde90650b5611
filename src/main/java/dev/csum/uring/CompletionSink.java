package dev.csum.uring;

/**
 * Receives completions from {@link Ring#reap}. Called on the reaping thread, once per CQE, with the
 * CQE's fields copied out: the sink may prepare new operations on the same ring, but must not reap.
 */
@FunctionalInterface
public interface CompletionSink {
    /**
     * @param userData the 64-bit value given when the operation was prepared
     * @param result   bytes transferred (read, write), 0 (fsync, nop), or a negative errno
     */
    void onCompletion(long userData, int result);
}
