package dev.csum.engine;

import dev.csum.io.PortIo;
import dev.csum.format.LogRegion;
import dev.csum.format.ImdBlock;
import dev.csum.format.LogRecord;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The first step of log recovery ({@link LogRecovery}): reads the whole log region, 1 MiB at a time,
 * and finds every valid record in it — valid by {@link LogRecord#validLengthBlocksAt} (magic, volume
 * tag, length, checksum, and the offset it was written for) — distrusting reads that may have come
 * from elsewhere, and confirming the newest record with reads of where a newer one would be. Reads only; before the event loop starts, through {@link PortIo}.
 */
final class LogScan {
    /** Bytes of log read per scan step. */
    private static final int SCAN_CHUNK_BYTES = 1 << 20;

    /** A valid record's header fields and place: what replay needs to find, order and reread it. */
    record Scanned(long sequence, long startBlock, int lengthBlocks, long tail, long watermark) {
        /** The header fields of the valid record of {@code lengthBlocks} at the start of {@code bytes}, found at {@code startBlock}. */
        static Scanned of(MemorySegment bytes, long startBlock, int lengthBlocks) {
            return new Scanned(LogRecord.sequence(bytes), startBlock, lengthBlocks, LogRecord.tailSequence(bytes),
                LogRecord.durableWatermark(bytes));
        }
    }

    private final PortIo io;
    private final LogRegion region;
    /** Bytes of a log block (FORMAT.md §8): the unit of records' places and lengths. */
    private final int logBlockBytes;
    private final int volumeTag;
    private final long chunkBlocks;
    private final int maxRecordBlocks;
    /** One chunk and the longest record that may start in its last block. */
    private final MemorySegment buffer;

    /** A scan of the log {@code region}, reading into a buffer from {@code arena}. */
    LogScan(PortIo io, LogRegion region, int volumeTag, Arena arena, int alignment) {
        this(io, region, volumeTag, Math.max(1, SCAN_CHUNK_BYTES / region.blockBytes()), TupleLog.maxRecordBlocks(region),
            arena, alignment);
    }

    private LogScan(PortIo io, LogRegion region, int volumeTag, long chunkBlocks, int maxRecordBlocks, Arena arena,
                    int alignment) {
        this.io = io;
        this.region = region;
        this.logBlockBytes = region.blockBytes();
        this.volumeTag = volumeTag;
        this.chunkBlocks = chunkBlocks;
        this.maxRecordBlocks = maxRecordBlocks;
        this.buffer = arena.allocate((chunkBlocks + maxRecordBlocks) * logBlockBytes, alignment);
    }

    /** Byte offset of the log region's log block {@code block} on the metadata device. */
    long logBlockOffset(long block) {
        return region.blockOffsetBytes(block);
    }

    /**
     * Every valid record in the region, by sequence. A chunk read that shows bytes but no valid
     * record, or a record whose offset field names another place, is read once more and the records
     * of both reads are taken: either read may have been misdirected (the device returned another
     * place's bytes). An all-zero chunk is believed (a log not used that far yet), unless the whole
     * region shows no record: then it is all read once more, since a session that misses every record
     * would start its sequences over them (torture seeds 498, 9147). A record found at a place it was
     * not written for (a misdirected write) is ignored.
     */
    Map<Long, Scanned> scan() throws IOException {
        long regionBlocks = region.blockCount();
        Map<Long, Scanned> found = new HashMap<>();
        int[] misplaced = new int[1];
        for (long first = 0; first < regionBlocks; first += chunkBlocks) {
            long readBlocks = Math.min(regionBlocks - first, chunkBlocks + maxRecordBlocks);
            long scanBlocks = Math.min(chunkBlocks, regionBlocks - first);
            MemorySegment bytes = buffer.asSlice(0, readBlocks * logBlockBytes);
            readChunk(first, bytes);
            List<Scanned> records = scanChunk(first, bytes, scanBlocks, misplaced);
            boolean unused = records.isEmpty() && ImdBlock.isAllZero(bytes.asSlice(0, scanBlocks * logBlockBytes));
            if ((records.isEmpty() && !unused) || misplaced[0] > 0) {
                rereadChunk(first, bytes, scanBlocks, records, misplaced);
            }
            for (Scanned record : records) {
                found.putIfAbsent(record.sequence(), record);
            }
        }
        if (found.isEmpty()) {
            // Nothing at all: a fresh log, or reads that all came back from elsewhere. Once more,
            // since a session that misses every record would start its sequences over them.
            for (long first = 0; first < regionBlocks; first += chunkBlocks) {
                long readBlocks = Math.min(regionBlocks - first, chunkBlocks + maxRecordBlocks);
                List<Scanned> records = new ArrayList<>();
                rereadChunk(first, buffer.asSlice(0, readBlocks * logBlockBytes),
                    Math.min(chunkBlocks, regionBlocks - first), records, misplaced);
                for (Scanned record : records) {
                    found.putIfAbsent(record.sequence(), record);
                }
            }
        }
        confirmHead(found);
        return found;
    }

    /**
     * Looks where a record newer than the newest one found would be — right after it, or at block 0
     * when it did not fit before the region's end — with a read of its own, and takes any newer
     * valid record there, then looks after that one, and so on. The head decides where the session
     * writes next and which records recovery replays: a scan that missed the newest records (a block
     * of them read back from elsewhere, or failed, while the rest of the chunk held valid records, so
     * nothing asked for a second read) would have the session write its first record over a record a
     * later recovery would still replay, and lose its tuples (torture seed 7604: a chunk read failed,
     * and the block-by-block read of the newest record's blocks came back misdirected).
     */
    private void confirmHead(Map<Long, Scanned> found) throws IOException {
        Scanned head = null;
        for (Scanned record : found.values()) {
            if (head == null || record.sequence() > head.sequence()) {
                head = record;
            }
        }
        long regionBlocks = region.blockCount();
        for (long step = 0; head != null && step < regionBlocks; step++) {
            long after = (head.startBlock() + head.lengthBlocks()) % regionBlocks;
            Scanned next = newerRecordAt(after, head.sequence());
            if (next == null && after != 0) {
                next = newerRecordAt(0, head.sequence());
            }
            if (next == null) {
                return;
            }
            found.putIfAbsent(next.sequence(), next);
            head = next;
        }
    }

    /** The valid record starting at {@code block} when its sequence is above {@code sequence}, else null (a failed read too). */
    private Scanned newerRecordAt(long block, long sequence) throws IOException {
        long readBlocks = Math.min(maxRecordBlocks, region.blockCount() - block);
        MemorySegment bytes = buffer.asSlice(0, readBlocks * logBlockBytes);
        if (io.read(IoPort.METADATA_FILE, logBlockOffset(block), bytes) != bytes.byteSize()) {
            return null;
        }
        int length = LogRecord.validLengthBlocksAt(bytes, logBlockBytes, volumeTag, logBlockOffset(block));
        if (length == 0 || LogRecord.sequence(bytes) <= sequence) {
            return null;
        }
        return Scanned.of(bytes, block, length);
    }

    /**
     * Reads the chunk again and adds its records to {@code records}: both reads count, since a record
     * valid where it was written is there whichever read saw it (either may be the misdirected one).
     */
    private void rereadChunk(long first, MemorySegment bytes, long scanBlocks, List<Scanned> records, int[] misplaced)
            throws IOException {
        readChunk(first, bytes);
        records.addAll(scanChunk(first, bytes, scanBlocks, misplaced));
    }

    private void readChunk(long first, MemorySegment bytes) throws IOException {
        if (io.read(IoPort.METADATA_FILE, logBlockOffset(first), bytes) != bytes.byteSize()) {
            readBlockByBlock(first, bytes);
        }
    }

    /** The valid records starting in the chunk's first {@code scanBlocks} blocks; counts into {@code misplaced} the others found. */
    private List<Scanned> scanChunk(long first, MemorySegment bytes, long scanBlocks, int[] misplaced) {
        List<Scanned> records = new ArrayList<>();
        misplaced[0] = 0;
        for (long i = 0; i < scanBlocks; i++) {
            MemorySegment candidate = bytes.asSlice(i * logBlockBytes);
            int length = LogRecord.validLengthBlocksAt(candidate, logBlockBytes, volumeTag, logBlockOffset(first + i));
            if (length > 0) {
                records.add(Scanned.of(candidate, first + i, length));
            } else if (LogRecord.validLengthBlocks(candidate, logBlockBytes, volumeTag) > 0) {
                misplaced[0]++;
            }
        }
        return records;
    }

    /**
     * Reads the region's blocks from {@code first} one at a time after a read of them all failed (a
     * latent sector error): a block that still fails reads as zeros, so only the records it holds
     * are lost (their blocks then fail as integrity errors), not every record of the chunk.
     */
    private void readBlockByBlock(long first, MemorySegment bytes) throws IOException {
        for (long offset = 0; offset < bytes.byteSize(); offset += logBlockBytes) {
            MemorySegment block = bytes.asSlice(offset, logBlockBytes);
            if (io.read(IoPort.METADATA_FILE, logBlockOffset(first) + offset, block) != logBlockBytes) {
                block.fill((byte) 0);
            }
        }
    }
}
