package dev.csum.torture;

import dev.csum.IntegrityException;
import dev.csum.format.Geometry;
import dev.csum.format.LogRegion;
import dev.csum.format.ImdBlock;
import dev.csum.format.ImdValidity;
import dev.csum.io.FaultKind;
import dev.csum.io.IoPort;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;

/**
 * Judges every outcome of a torture run against the {@link ReferenceModel} and counts it in a
 * {@link SeedResult}.
 *
 * <h2>A read that succeeded</h2>
 * Each block must decode ({@link BlockPattern}) as a version the read may return. Otherwise it is a
 * silent corruption — unless the device dropped the block's last data write (lost, misdirected or
 * torn: the landing check of {@link TorturePort}) and the engine returned exactly what the media
 * holds, an older version of that block: the previous version, which the format accepts while both
 * imd copies may describe the block (after a crash or a reload of an unsettled pair). That is counted
 * as {@link SeedResult#staleAfterDroppedWrite}, a documented limit, not hidden.
 *
 * <h2>A read that failed</h2>
 * Once a media fault has been injected in the run, a failed read is a detected fault. Before that
 * (crash-only), each block an {@link IntegrityException} names is judged by what the media holds:
 * no version of the block (a crash tore it) — correct; an acceptable version — a false error unless
 * DURABILITY.md allows it there (default mode after power loss, for a write not flushed). Any
 * other error without media faults is unexpected.
 */
final class SeedChecker implements TorturePort.LandingListener {
    private final TortureConfig config;
    private final SeedResult result;
    private final Supplier<SimulatedDisk> disk;
    private final int blockSize;
    /** Scratch for {@link #mediaVersion}: one block as the media holds it. */
    private final byte[] mediaBlock;
    private final MemorySegment mediaBlockView;
    private Geometry geometry;
    private ReferenceModel model;
    private LogWatch log;
    /** Groups whose whole pair was read since the volume was last opened. */
    private final java.util.BitSet groupsLoaded = new java.util.BitSet();
    /** Groups whose last pair read found a copy not valid: the engine reads it again before use. */
    private final java.util.BitSet confirmDue = new java.util.BitSet();
    private int volumeTag;
    private long[] groupDataStart;

    SeedChecker(TortureConfig config, SeedResult result, Supplier<SimulatedDisk> disk) {
        this.config = config;
        this.result = result;
        this.disk = disk;
        this.blockSize = config.blockSizeBytes();
        this.mediaBlock = new byte[blockSize];
        this.mediaBlockView = MemorySegment.ofArray(mediaBlock);
    }

    void start(Geometry volumeGeometry, LogRegion logRegion, int volumeTag, ReferenceModel referenceModel) {
        this.geometry = volumeGeometry;
        this.model = referenceModel;
        this.log = new LogWatch(config.seed(), volumeGeometry, logRegion, volumeTag, referenceModel, disk, result);
        this.volumeTag = volumeTag;
        result.logRegionBlocks = logRegion.blockCount();
        groupDataStart = new long[(int) geometry.groupCount()];
        for (int group = 0; group < groupDataStart.length; group++) {
            groupDataStart[group] = geometry.dataOffsetBytes(geometry.firstBlockOfGroup(group));
        }
    }

    private boolean mediaFaultsInjected() {
        var stats = disk.get().stats();
        return stats.faultsTotal() - stats.faults(FaultKind.CRASH_TORN_WRITE) > 0;
    }

    /** The logical block whose data starts at {@code offsetBytes} of the data file. */
    private long blockAt(long offsetBytes) {
        int low = 0;
        int high = groupDataStart.length - 1;
        while (low < high) {
            int mid = (low + high + 1) >>> 1;
            if (groupDataStart[mid] <= offsetBytes) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        return geometry.firstBlockOfGroup(low) + (offsetBytes - groupDataStart[low]) / blockSize;
    }

    /**
     * The landing check of a successful write, or of an imd pair read (see {@link TorturePort}):
     * {@code transferred} is what the engine wrote or received, {@code onMedia} what the media holds.
     */
    @Override
    public void onTransfer(boolean write, int fileIndex, long offsetBytes, MemorySegment transferred, byte[] onMedia) {
        MemorySegment media = MemorySegment.ofArray(onMedia);
        if (fileIndex == IoPort.METADATA_FILE) {
            boolean intact = MemorySegment.mismatch(transferred, 0, transferred.byteSize(), media, 0, onMedia.length) < 0;
            if (log.touches(offsetBytes, transferred.byteSize())) {
                if (write) {
                    log.writeLanded(offsetBytes, transferred, onMedia);
                } else if (!intact) {
                    log.readFaulty(offsetBytes, transferred.byteSize());
                }
                return;
            }
            long group = groupOfImdSlot(offsetBytes);
            if (group >= 0 && write) {
                result.imdCopiesWritten++;
            } else if (group >= 0) {
                pairRead(group, transferred);
            }
            if (group >= 0 && !intact) {
                metadataFault(group);
            }
            return;
        }
        if (!write) {
            return;
        }
        MemorySegment written = transferred;
        long first = blockAt(offsetBytes);
        for (long i = 0; i < written.byteSize() / blockSize; i++) {
            long from = i * blockSize;
            boolean landed = MemorySegment.mismatch(written, from, from + blockSize, media, from, from + blockSize) < 0;
            long version = landed ? BlockPattern.decode(written, from, blockSize, first + i) : -1;
            model.dataLanded(first + i, landed, log.recordOf(first + i), version);
        }
    }

    @Override
    public void onWriteIssued(int fileIndex, long offsetBytes, MemorySegment buffer, int flags) {
        if (fileIndex == IoPort.METADATA_FILE && log.touches(offsetBytes, buffer.byteSize())) {
            log.writeIssued(offsetBytes, buffer, (flags & IoPort.FLAG_DSYNC) != 0);
        } else if (fileIndex == IoPort.DATA_FILE) {
            long first = blockAt(offsetBytes);
            long version = BlockPattern.decode(buffer, 0, blockSize, first); // one request: one version
            for (long i = 0; i < buffer.byteSize() / blockSize; i++) {
                // Zeros are a discard's punch (a write's pattern is never all zero): its version is the model's.
                long issued = version == BlockPattern.ZEROS ? model.zeroingInFlight(first + i) : version;
                model.dataWriteIssued(first + i, issued, log.recordOf(first + i));
            }
        }
    }

    @Override
    public void onFailed(boolean write, int fileIndex, long offsetBytes, long lengthBytes) {
        if (!write && fileIndex == IoPort.METADATA_FILE && log.touches(offsetBytes, lengthBytes)) {
            log.readFaulty(offsetBytes, lengthBytes); // recovery reads the region block by block and loses those records
        }
    }

    /** A write reached the metadata media (the engine's own, or one misdirected there). */
    void mediaWrite(long offsetBytes, byte[] data) {
        log.mediaWrite(offsetBytes, data);
    }

    /** The metadata device's volatile cache was flushed. */
    void metadataFlushed() {
        log.metadataFlushed();
    }

    /** The volume is about to be opened: recovery runs first. */
    void opening() {
        log.sessionRunning(false);
    }

    /** The volume was opened (recovery done): a group's next pair read is its first load of the session. */
    void sessionStarted() {
        log.sessionRunning(true);
        groupsLoaded.clear();
        confirmDue.clear();
    }

    /** A power loss, on what survived it: the model judges it by what the log on the media says. */
    void crash() {
        model.crash(log.scanAfterCrash(), this::mediaVersion);
    }

    /**
     * Counts a group's imd pair read again in the session that loaded it (it had been evicted). The
     * engine reads a pair that is not two valid copies again (the suspect copies): that read, or the
     * first of a group, is no reload.
     */
    private void pairRead(long group, MemorySegment transferred) {
        int index = (int) group;
        if (transferred.byteSize() != 2L * blockSize || confirmDue.get(index)) {
            confirmDue.clear(index);
            return;
        }
        boolean bothValid = ImdBlock.validate(transferred.asSlice(0, blockSize), group, volumeTag, 0) == ImdValidity.VALID
            && ImdBlock.validate(transferred.asSlice(blockSize, blockSize), group, volumeTag, 1) == ImdValidity.VALID;
        confirmDue.set(index, !bothValid);
        if (groupsLoaded.get(index)) {
            result.imdPairReloads++;
        }
        groupsLoaded.set(index);
    }

    /** The group whose imd slot starts at {@code offsetBytes} of the metadata file, or -1. */
    private long groupOfImdSlot(long offsetBytes) {
        int low = 0;
        int high = (int) geometry.groupCount() - 1;
        while (low < high) {
            int mid = (low + high + 1) >>> 1;
            if (geometry.imdPairOffsetBytes(mid) <= offsetBytes) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        long pair = geometry.imdPairOffsetBytes(low);
        return offsetBytes == pair || offsetBytes == pair + blockSize ? low : -1;
    }

    /** The version of {@code block} the media holds now (reads would see it, without read faults). */
    private long mediaVersion(long block) {
        disk.get().readRaw(IoPort.DATA_FILE, geometry.dataOffsetBytes(block), mediaBlock);
        return BlockPattern.decode(mediaBlockView, 0, blockSize, block);
    }

    /** Records what the media holds for each block of a read being issued (it may change while the read runs). */
    void readIssued(ReadTicket read) {
        for (int i = 0; i < read.blockCount; i++) {
            read.mediaVersionAtIssue[i] = mediaVersion(read.firstBlock + i);
            read.cacheErrorAllowedAtIssue[i] = model.cacheErrorAllowed(read.firstBlock + i, read.mediaVersionAtIssue[i]);
        }
    }

    /** A fault stored zeros over the block's data (a misdirected punch): see {@link ReferenceModel#dataClobbered}. */
    void dataClobbered(long block) {
        model.dataClobbered(block, log.recordOf(block));
    }

    void readCompleted(ReadTicket read, MemorySegment data, IOException failure) {
        if (failure == null) {
            for (int i = 0; i < read.blockCount; i++) {
                long block = read.firstBlock + i;
                long version = BlockPattern.decode(data, (long) i * blockSize, blockSize, block);
                if (read.accepts(i, version)) {
                    continue;
                }
                long onMedia = mediaVersion(block);
                if (isUndetectableStale(read, i, version, onMedia)) {
                    continue;
                }
                result.silentCorruptions++;
                result.violation(config.seed(), "silent corruption: block " + block + " returned "
                    + describe(version) + ", acceptable " + read.acceptable(i) + ", media holds " + describe(onMedia)
                    + (read.mediaVersionAtIssue[i] != onMedia ? " (held " + describe(read.mediaVersionAtIssue[i]) + " at issue)" : "")
                    + (model.dropped(block) ? " (its last data write was dropped)" : "")
                    + (model.metadataSuspect(block) ? " (its group's imd pair met a media fault)" : ""));
            }
            return;
        }
        result.readsFailed++;
        if (mediaFaultsInjected()) {
            result.faultsDetected++;
            return;
        }
        if (!(failure instanceof IntegrityException integrity)) {
            unexpected("read of " + read.blockCount + " blocks at block " + read.firstBlock + " failed: " + failure);
            return;
        }
        for (long block : integrity.badBlocks()) {
            int index = (int) (block - read.firstBlock);
            long onMedia = mediaVersion(block);
            if (index < 0 || index >= read.blockCount) {
                unexpected("integrity error names block " + block + " outside the read");
            } else if (!read.accepts(index, onMedia) || !read.accepts(index, read.mediaVersionAtIssue[index])) {
                result.tornDataDetected++; // the media held no version the read may return (at completion, or at issue)
            } else if (model.cacheErrorAllowed(block, onMedia) || read.cacheErrorAllowedAtIssue[index]) {
                result.allowedCacheErrors++;
            } else {
                result.falseErrors++;
                result.violation(config.seed(), "false integrity error: block " + block + " holds "
                    + describe(onMedia) + ", acceptable " + read.acceptable(index) + ": " + failure.getMessage());
            }
        }
    }

    /**
     * The documented limits (RELIABILITY.md §4): an older version of the block (or zeros) returned
     * because media faults removed what would have exposed it. Never without a fault of the media:
     * <ul>
     *   <li><b>A dropped data write recovery could not see</b> ({@link SeedResult#staleAfterDroppedWrite}):
     *       the device dropped the block's last data write (lost, misdirected, torn), a power loss
     *       followed, and recovery could not tell it from a write in flight — its record was above
     *       the durable watermark on the media ({@link ReferenceModel#crash}). The bytes
     *       returned are what the media holds.</li>
     *   <li><b>A tuple lost to media faults, and a second fault</b> ({@link SeedResult#staleAfterLostTuple}):
     *       the metadata holding the block's tuple met a media fault (a damaged log record or imd
     *       copy, see {@link ReferenceModel#metadataFault}), and either its data write was dropped
     *       too (the media holds the older version the surviving tuple describes) or the read was
     *       misdirected onto never-written data (zeros the media never held there, accepted by a
     *       lost tuple's "never written").</li>
     * </ul>
     * The version returned must be no newer than the newest the read could return; anything else is
     * a silent corruption.
     */
    private boolean isUndetectableStale(ReadTicket read, int index, long version, long onMedia) {
        long block = read.firstBlock + index;
        if (version == BlockPattern.GARBAGE) {
            return false;
        }
        LongSet acceptable = read.acceptable(index);
        long newest = Long.MIN_VALUE;
        for (int k = 0; k < acceptable.size(); k++) {
            newest = Math.max(newest, acceptable.get(k));
        }
        if (version > newest) {
            return false;
        }
        boolean fromMedia = version == onMedia || version == read.mediaVersionAtIssue[index];
        boolean dropped = model.dropped(block) || read.droppedAtIssue[index];
        if (fromMedia && dropped && (model.staleExcusable(block) || read.staleExcusableAtIssue[index])) {
            result.staleAfterDroppedWrite++;
            return true;
        }
        boolean tupleMayBeLost = model.metadataSuspect(block) || read.metadataSuspectAtIssue[index];
        if (tupleMayBeLost && (fromMedia ? dropped : version == BlockPattern.ZEROS)) {
            result.staleAfterLostTuple++;
            return true;
        }
        return false;
    }

    /** Reports a media fault on the imd pair of {@code group}. */
    void metadataFault(long group) {
        model.metadataFault(geometry.firstBlockOfGroup(group), geometry.blocksInGroup(group));
    }

    void writeFailed(long firstBlock, int blockCount, IOException failure) {
        if (!mediaFaultsInjected()) {
            unexpected("write of " + blockCount + " blocks at block " + firstBlock + " failed: " + failure);
        }
    }

    void flushFailed(IOException failure) {
        if (!mediaFaultsInjected()) {
            unexpected("flush failed: " + failure);
        }
    }

    void closeFailed(IOException failure) {
        if (!mediaFaultsInjected()) {
            unexpected("close failed: " + failure);
        }
    }

    void openFailed(IOException failure) {
        result.openFailures++;
        if (!mediaFaultsInjected()) {
            unexpected("reopen failed: " + failure);
        }
    }

    private void unexpected(String detail) {
        result.unexpectedErrors++;
        result.violation(config.seed(), detail);
    }

    private static String describe(long version) {
        return version == BlockPattern.GARBAGE ? "garbage" : version == BlockPattern.ZEROS ? "zeros" : "v" + version;
    }
}
