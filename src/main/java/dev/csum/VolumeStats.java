package dev.csum;

/**
 * A snapshot of a volume's counters since it was opened. Values are read without locking, each
 * individually consistent.
 *
 * <p>The request counters ({@code reads} to {@code bytesWritten}) count what callers asked for; the
 * {@code device…} counters count what this open submitted to the device(s) to do it — data and
 * metadata devices together (a volume with interleaved metadata has one device), counted when an
 * operation is submitted, whatever its outcome. Their ratio is csum's I/O amplification: a
 * single-block write costs an imd write and a data write, and a group's metadata is settled (written
 * once more) before it leaves the imd cache and at close. Not counted: the superblock reads of
 * {@link Volume#open}, and the restore of a damaged primary superblock by a writable open, which
 * happen before the volume starts. {@link Volume#stats()} after {@link Volume#close()} includes
 * everything the close did (the settles and the final sync).
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
 * @param imdCacheHits read or write pieces whose group metadata was cached: its imd pair, or for a
 *     read of a group the imd cache evicted, its dense tuples (checksums and written bits; see
 *     {@link VolumeOptions#imdCacheBytes()})
 * @param imdCacheMisses pieces that had to read their group's imd pair (a read that the dense tuples
 *     did not verify, and was routed again through the imd cache, counts here too)
 * @param imdCommits imd updates written (each may cover many coalesced writes)
 * @param inFlight requests started but not yet completed, at the time of the snapshot
 * @param metadataRepairsDeferred groups a {@linkplain VolumeOptions#readOnly() read-only} session
 *     found with imd copies that a writable one would rewrite (a damaged or stale copy, or copies
 *     left different by a crash); left as they are
 * @param metadataRepairFailures metadata rewrites carrying no new checksum (settles and repairs)
 *     whose write failed, for example on a full file system; the volume went on (the newer copy of
 *     each such group is intact)
 * @param deviceReads read operations this open submitted to the device(s): data reads, re-reads,
 *     imd pair loads and their confirmations, crash-resolution reads
 * @param deviceWrites write operations this open submitted to the device(s): data writes and imd
 *     writes (commits, settles, repairs)
 * @param deviceBytesRead bytes those device reads asked for
 * @param deviceBytesWritten bytes those device writes carried
 * @param deviceFlushes fdatasyncs this open submitted: one per device for each flush request, and
 *     for the sync at {@linkplain Volume#close() close} when anything was written
 * @param discards discard and write-zeroes requests completed ({@link Volume#discard}, {@link Volume#writeZeroes};
 *     one per chunk of up to 256 MiB)
 * @param bytesDiscarded bytes of the successful ones
 * @param devicePunches punches ({@code fallocate(PUNCH_HOLE)}) submitted to the data device for them, one
 *     per group a request covers
 * @param logRecords tuple-log records written (docs/design/TUPLE_LOG.md): the writes of a loop step
 *     share one, whatever their groups
 * @param logEntries entries in them: one per block written
 * @param checkpointWrites imd copies written by checkpoints, two per group checkpointed (the log is
 *     trimmed past a group's entries only once both are durable)
 * @param checkpointRounds checkpoint rounds completed; each costs a data sync, a copy barrier (imd
 *     blocks larger than a sector) and a closing sync per batch of up to 128 groups
 * @param groupsParked dirty groups the imd cache evicted by keeping their changed tuples in memory
 *     instead of checkpointing them first (a volume with more groups than the cache holds)
 * @param parkedReloads parked groups read back into the cache for a checkpoint (the log or the parked
 *     pool wanted room, or close)
 * @param pairlessCommits commits to groups whose imd pair was not in the cache and was not read first
 * @param pairlessLoads pairs of such groups read afterwards, in place (a read, count or checkpoint
 *     needed the group's other tuples)
 * @param checkpointNanos nanoseconds checkpoint rounds were in progress, from each round's start to
 *     the completion of its closing sync (rounds run beside requests; requests for the groups a round
 *     writes may wait for it)
 * @param checkpointSyncNanos nanoseconds of those spent waiting for the rounds' syncs: data syncs,
 *     copy barriers and closing syncs, each from its submission to its completion. Where each flush
 *     stalls the device, this is most of {@code checkpointNanos} (docs/PERFORMANCE.md, "Writes missing
 *     the cache: what a flush costs here")
 */
public record VolumeStats(long reads, long writes, long flushes, long bytesRead, long bytesWritten,
                          long mismatches, long recheckRecoveries, long metadataFallbacks, long imdConfirmReads,
                          long imdCacheHits, long imdCacheMisses, long imdCommits, long inFlight,
                          long metadataRepairsDeferred, long metadataRepairFailures, long deviceReads,
                          long deviceWrites, long deviceBytesRead, long deviceBytesWritten, long deviceFlushes,
                          long discards, long bytesDiscarded, long devicePunches, long logRecords,
                          long logEntries, long checkpointWrites, long checkpointRounds, long groupsParked,
                          long parkedReloads, long pairlessCommits, long pairlessLoads, long checkpointNanos,
                          long checkpointSyncNanos) {
}
