package dev.csum.engine;

import dev.csum.io.PortIo;
import dev.csum.format.Superblock;
import dev.csum.format.SuperblockValidity;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The log sequence ceiling's two homes (docs/FORMAT.md §8.1): the metadata device's primary
 * superblock (block 0) and its backup. Reads and raises it before the event loop starts, through
 * {@link PortIo}; the engine raises it later through {@link SequenceCeiling}.
 */
final class CeilingCopies {
    /**
     * Sequences a raise reserves beyond the next one, per log block: a session raises the ceiling
     * again when half of it is used, so a raise (two small synced writes) comes once per eight laps
     * of the region at most, and a crash wastes at most this many sequences.
     */
    static final long LEASE_PER_LOG_BLOCK = 16;

    private final PortIo io;
    private final Superblock metadataCopy;
    private final long backupOffsetBytes;
    private final MemorySegment block;

    CeilingCopies(PortIo io, Superblock superblock, MemorySegment block) {
        if (block.byteSize() != superblock.blockSizeBytes()) {
            throw new IllegalArgumentException("a ceiling write needs one " + superblock.blockSizeBytes() + "-byte block");
        }
        this.io = io;
        this.metadataCopy = superblock.metadataCopy();
        this.backupOffsetBytes = superblock.geometry().backupSuperblockOffsetBytes();
        this.block = block;
    }

    /** Sequences reserved by one raise of the ceiling for a log of {@code regionBlocks}. */
    static long leaseSequences(long regionBlocks) {
        return LEASE_PER_LOG_BLOCK * regionBlocks;
    }

    /** Offset on the metadata device of the copy a raise writes first (the backup), then second (the primary). */
    static long copyOffsetBytes(long backupOffsetBytes, int copy) {
        return copy == 0 ? backupOffsetBytes : 0;
    }

    /**
     * The stored ceiling: the highest held by a valid copy that is the volume's superblock (a copy
     * that failed to read, is damaged or describes something else counts as none); 0 when none holds one.
     */
    long read() throws IOException {
        long ceiling = 0;
        for (int copy = 0; copy < 2; copy++) {
            long offset = copyOffsetBytes(backupOffsetBytes, copy);
            if (io.read(IoPort.METADATA_FILE, offset, block) != block.byteSize()) {
                continue;
            }
            Superblock.Decoded decoded = Superblock.inspect(block);
            if (decoded.validity() == SuperblockValidity.VALID && decoded.superblock().equals(metadataCopy)) {
                ceiling = Math.max(ceiling, Superblock.sequenceCeiling(block));
            }
        }
        return ceiling;
    }

    /** Stores {@code ceiling} in the backup, then the primary, each synced before the next. */
    void raise(long ceiling) throws IOException {
        metadataCopy.encode(block, ceiling);
        for (int copy = 0; copy < 2; copy++) {
            long offset = copyOffsetBytes(backupOffsetBytes, copy);
            int written = io.write(IoPort.METADATA_FILE, offset, block);
            if (written != block.byteSize()) {
                throw new IOException("log recovery: raising the log sequence ceiling: writing the superblock at byte "
                    + offset + " failed: " + LogRecovery.resultText(written));
            }
            int synced = io.fdatasync(IoPort.METADATA_FILE);
            if (synced < 0) {
                throw new IOException("log recovery: raising the log sequence ceiling: fdatasync failed: "
                    + LogRecovery.resultText(synced));
            }
        }
    }
}
