package dev.csum.torture;

import dev.csum.IntegrityException;
import dev.csum.format.Geometry;
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
 * DURABILITY.md allows it there (default mode after power loss, or the torn-imd known limit). Any
 * other error without media faults is unexpected.
 */
final class SeedChecker {
    private final TortureConfig config;
    private final SeedResult result;
    private final Supplier<SimulatedDisk> disk;
    private final int blockSize;
    private Geometry geometry;
    private ReferenceModel model;
    private long[] groupDataStart;

    SeedChecker(TortureConfig config, SeedResult result, Supplier<SimulatedDisk> disk) {
        this.config = config;
        this.result = result;
        this.disk = disk;
        this.blockSize = config.blockSizeBytes();
    }

    void start(Geometry volumeGeometry, ReferenceModel referenceModel) {
        this.geometry = volumeGeometry;
        this.model = referenceModel;
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

    /** The landing check of a data write (see {@link TorturePort}). */
    void onDataWrite(long offsetBytes, long lengthBytes, MemorySegment written, byte[] onMedia) {
        long first = blockAt(offsetBytes);
        MemorySegment media = MemorySegment.ofArray(onMedia);
        for (long i = 0; i < lengthBytes / blockSize; i++) {
            long from = i * blockSize;
            boolean landed = MemorySegment.mismatch(written, from, from + blockSize, media, from, from + blockSize) < 0;
            model.dataLanded(first + i, landed);
        }
    }

    /** The version of {@code block} the media holds now (reads would see it, without read faults). */
    private long mediaVersion(long block) {
        byte[] bytes = new byte[blockSize];
        disk.get().readRaw(IoPort.DATA_FILE, geometry.dataOffsetBytes(block), bytes);
        return BlockPattern.decode(MemorySegment.ofArray(bytes), 0, blockSize, block);
    }

    void readCompleted(ReferenceModel.ReadTicket read, MemorySegment data, IOException failure) {
        if (failure == null) {
            for (int i = 0; i < read.blockCount; i++) {
                long block = read.firstBlock + i;
                long version = BlockPattern.decode(data, (long) i * blockSize, blockSize, block);
                if (read.accepts(i, version)) {
                    continue;
                }
                long onMedia = mediaVersion(block);
                if (version != BlockPattern.GARBAGE && model.dropped(block) && onMedia == version) {
                    result.staleAfterDroppedWrite++;
                    continue;
                }
                result.silentCorruptions++;
                result.violation(config.seed(), "silent corruption: block " + block + " returned "
                    + describe(version) + ", acceptable " + read.acceptable(i) + ", media holds " + describe(onMedia)
                    + (model.dropped(block) ? " (its last data write was dropped)" : ""));
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
            } else if (!read.accepts(index, onMedia)) {
                result.tornDataDetected++;
            } else if (model.cacheErrorAllowed(block)) {
                result.allowedCacheErrors++;
            } else if (model.tornImdErrorAllowed(block)) {
                result.allowedTornImdErrors++;
            } else {
                result.falseErrors++;
                result.violation(config.seed(), "false integrity error: block " + block + " holds "
                    + describe(onMedia) + ", acceptable " + read.acceptable(index));
            }
        }
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
