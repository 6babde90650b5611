package dev.csum;

/**
 * A snapshot of a volume's counters since it was opened. Values are read without locking, each
 * individually consistent.
 *
 * @param reads read requests completed (successfully or not)
 * @param writes write requests completed
 * @param flushes flush requests completed
 * @param bytesRead bytes returned by successful reads
 * @param bytesWritten bytes of successful writes
 * @param mismatches blocks that failed verification after their re-read
 * @param recheckRecoveries blocks that mismatched once but verified on the re-read (in-flight races)
 * @param metadataFallbacks imd blocks found damaged whose brother copy was used instead
 * @param imdConfirmReads imd pairs read a second time because the first read did not give two valid
 *     copies (every never-written group's first load; more means metadata damage or misdirected reads)
 * @param imdCacheHits read or write pieces whose group metadata was cached
 * @param imdCacheMisses pieces that had to read their group's imd pair
 * @param imdCommits imd updates written (each may cover many coalesced writes)
 * @param inFlight requests started but not yet completed, at the time of the snapshot
 * @param metadataRepairsDeferred groups a {@linkplain VolumeOptions#readOnly() read-only} session
 *     found with imd copies that a writable one would rewrite (a damaged or stale copy, or copies
 *     left different by a crash); left as they are
 * @param metadataRepairFailures metadata rewrites carrying no new checksum (settles and repairs)
 *     whose write failed, for example on a full file system; the volume went on (the newer copy of
 *     each such group is intact)
 */
public record VolumeStats(long reads, long writes, long flushes, long bytesRead, long bytesWritten,
                          long mismatches, long recheckRecoveries, long metadataFallbacks, long imdConfirmReads,
                          long imdCacheHits, long imdCacheMisses, long imdCommits, long inFlight,
                          long metadataRepairsDeferred, long metadataRepairFailures) {
}
