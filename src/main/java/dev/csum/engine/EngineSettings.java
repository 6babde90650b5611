package dev.csum.engine;

/**
 * Tuning of one engine instance.
 *
 * @param imdCacheBytes bytes of imd cache (each cached group takes two blocks)
 * @param bufferArenaBytes bytes of the aligned slab holding write copies and read bounce buffers;
 *     rounded down to a power of two; bounds the bytes in flight
 * @param dsyncWrites the strict durability mode: a write completes when it is durable (its log record
 *     written with {@link dev.csum.io.IoPort#FLAG_DSYNC}, then one data-device fdatasync per batch)
 * @param verifyReads verify checksums on reads (unwritten blocks read as zeros either way)
 * @param readOnly the devices are open read-only: the engine never writes (no commit, no settle,
 *     no repair); metadata it would have rewritten is counted instead
 * @param testFault test kit only, {@link EngineTestFault#NONE} everywhere else: an ordering bug to
 *     commit, so that a test can show the torture run catches it. One engine's setting, read on its
 *     loop: other volumes of the JVM are unaffected.
 */
public record EngineSettings(long imdCacheBytes, long bufferArenaBytes, boolean dsyncWrites,
                             boolean verifyReads, boolean readOnly, EngineTestFault testFault) {
    public EngineSettings {
        if (imdCacheBytes <= 0 || bufferArenaBytes <= 0) {
            throw new IllegalArgumentException("cache and arena sizes must be positive");
        }
        java.util.Objects.requireNonNull(testFault, "testFault");
    }
}
