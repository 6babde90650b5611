package dev.csum.io;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The media under one or more successive {@link SimulatedDisk} ports: the files, the seeded PRNG every
 * random decision comes from, the fault plan, faults armed by tests, the counters and the event
 * listener. It outlives a port, so a port can crash or close and a new one be
 * {@link SimulatedDisk#reopen() reopened} on the same bytes.
 *
 * <p>Every method runs on the one thread that drives the disk; nothing here is thread-safe.
 */
final class SimMedia {

    static final int SECTOR_BYTES = SimFile.SECTOR_BYTES;
    static final int EIO = 5;

    /** A fault a test armed for the next operation of one direction that touches {@code sector}. */
    private record ArmedFault(FaultKind kind, SimFile file, long sector, long parameter) {
    }

    /** A write the device had started but not completed at a crash. */
    record InFlightWrite(SimFile file, long firstSector, byte[] data) {
    }

    final SplittableRandom random;
    final SimulatedDiskStats stats = new SimulatedDiskStats();
    final int alignmentSectors;

    private final SimFile[] physicalFiles;
    /** {@link IoPort} file index → physical file; both indexes name file 0 when metadata is interleaved. */
    private final SimFile[] filesByPortIndex;
    private final ArrayList<ArmedFault> armedFaults = new ArrayList<>();
    private FaultPlan plan;
    private boolean faultsEnabled = true;
    private Consumer<SimMediaEvent> listener;
    private long eventSequence;
    /** The port currently open on this media, or null. */
    SimulatedDisk activePort;

    SimMedia(long seed, long dataFileSizeBytes, long metadataFileSizeBytes, int alignmentBytes, FaultPlan plan) {
        assert alignmentBytes % SECTOR_BYTES == 0;
        this.random = new SplittableRandom(seed);
        this.alignmentSectors = alignmentBytes / SECTOR_BYTES;
        this.plan = Objects.requireNonNull(plan, "plan");
        SimFile data = new SimFile(0, dataFileSizeBytes);
        if (metadataFileSizeBytes == 0) {
            this.physicalFiles = new SimFile[] {data};
            this.filesByPortIndex = new SimFile[] {data, data};
        } else {
            SimFile metadata = new SimFile(1, metadataFileSizeBytes);
            this.physicalFiles = new SimFile[] {data, metadata};
            this.filesByPortIndex = new SimFile[] {data, metadata};
        }
    }

    /** The file an {@link IoPort} file index names, or null when the index names no file. */
    SimFile fileOrNull(int portFileIndex) {
        return portFileIndex >= 0 && portFileIndex < filesByPortIndex.length ? filesByPortIndex[portFileIndex] : null;
    }

    SimFile file(int portFileIndex) {
        SimFile file = fileOrNull(portFileIndex);
        if (file == null) {
            throw new IllegalArgumentException("no file with index " + portFileIndex);
        }
        return file;
    }

    int physicalFileCount() {
        return physicalFiles.length;
    }

    FaultPlan plan() {
        return plan;
    }

    void plan(FaultPlan plan) {
        this.plan = Objects.requireNonNull(plan, "plan");
    }

    boolean faultsEnabled() {
        return faultsEnabled;
    }

    void faultsEnabled(boolean enabled) {
        this.faultsEnabled = enabled;
    }

    void listener(Consumer<SimMediaEvent> listener) {
        this.listener = listener;
    }

    // ---- Reads.

    /**
     * Serves a read of {@code target.length} bytes (whole sectors, aligned) from the visible view,
     * injecting read faults. Returns the byte count, or {@code -EIO}.
     */
    int read(SimFile file, long offsetBytes, byte[] target) {
        int sectorCount = target.length / SECTOR_BYTES;
        long firstSector = offsetBytes / SECTOR_BYTES;
        long sourceFirstSector = firstSector;

        ArmedFault armed = takeArmed(false, file, firstSector, sectorCount);
        if (armed != null) {
            switch (armed.kind) {
                case MISDIRECTED_READ -> {
                    long source = fittingOrOther(file, armed.parameter, firstSector, sectorCount);
                    if (source >= 0) {
                        sourceFirstSector = source;
                        stats.countFault(FaultKind.MISDIRECTED_READ);
                    }
                }
                case READ_BIT_ROT -> injectReadRot(file, armed.sector, (int) armed.parameter);
                case LATENT_SECTOR_ERROR -> injectLatentError(file, armed.sector);
                default -> throw new AssertionError(armed.kind);
            }
        } else if (faultsEnabled && chance(plan.misdirectedReadProbability())) {
            long source = otherAlignedStart(file, firstSector, sectorCount);
            if (source >= 0) {
                sourceFirstSector = source;
                stats.countFault(FaultKind.MISDIRECTED_READ);
            }
        }

        boolean failed = false;
        for (long sector = sourceFirstSector; sector < sourceFirstSector + sectorCount; sector++) {
            if (faultsEnabled && !file.hasLatentError(sector) && chance(plan.latentSectorErrorProbabilityPerSector())) {
                injectLatentError(file, sector);
            }
            if (faultsEnabled && file.readRotBit(sector) < 0 && chance(plan.readBitRotProbabilityPerSector())) {
                injectReadRot(file, sector, -1);
            }
            failed |= file.hasLatentError(sector);
        }
        if (failed) {
            stats.readErrors++;
            return -EIO;
        }
        for (int i = 0; i < sectorCount; i++) {
            long sector = sourceFirstSector + i;
            file.readVisibleSector(sector, target, i * SECTOR_BYTES);
            int rotBit = file.readRotBit(sector);
            if (rotBit >= 0) {
                flipBit(target, i * SECTOR_BYTES, rotBit);
            }
        }
        return target.length;
    }

    void injectReadRot(SimFile file, long sector, int bitIndex) {
        file.checkSector(sector);
        file.setReadRotBit(sector, bitIndex >= 0 ? bitIndex : random.nextInt(SECTOR_BYTES * 8));
        stats.countFault(FaultKind.READ_BIT_ROT);
    }

    void injectLatentError(SimFile file, long sector) {
        file.checkSector(sector);
        file.setLatentError(sector);
        stats.countFault(FaultKind.LATENT_SECTOR_ERROR);
    }

    // ---- Writes and fsync.

    /**
     * Applies a completed write of whole, aligned sectors, injecting write faults; the caller reports
     * success whatever was stored. {@code durable}: a {@link IoPort#FLAG_DSYNC} write.
     */
    void write(SimFile file, long offsetBytes, byte[] data, boolean durable) {
        int sectorCount = data.length / SECTOR_BYTES;
        long firstSector = offsetBytes / SECTOR_BYTES;

        ArmedFault armed = takeArmed(true, file, firstSector, sectorCount);
        FaultKind kind = armed == null ? null : armed.kind;
        if (kind == null && faultsEnabled) {
            if (chance(plan.lostWriteProbability())) {
                kind = FaultKind.LOST_WRITE;
            } else if (chance(plan.misdirectedWriteProbability())) {
                kind = FaultKind.MISDIRECTED_WRITE;
            } else if (sectorCount > 1 && chance(plan.tornWriteProbability())) {
                kind = FaultKind.TORN_WRITE;
            }
        }

        byte[] stored = data.clone();
        long storedFirstSector = firstSector;
        if (kind == FaultKind.LOST_WRITE) {
            stats.countFault(FaultKind.LOST_WRITE);
            return;
        } else if (kind == FaultKind.MISDIRECTED_WRITE) {
            long target = fittingOrOther(file, armed == null ? -1 : armed.parameter, firstSector, sectorCount);
            if (target >= 0) {
                storedFirstSector = target;
                stats.countFault(FaultKind.MISDIRECTED_WRITE);
            }
        } else if (kind == FaultKind.TORN_WRITE && sectorCount > 1) {
            int appliedSectors;
            boolean prefix;
            if (armed != null && armed.parameter >= 0) {
                appliedSectors = (int) Math.min(armed.parameter, sectorCount - 1);
                prefix = true;
            } else {
                appliedSectors = 1 + random.nextInt(sectorCount - 1);
                prefix = random.nextBoolean();
            }
            int skippedSectors = sectorCount - appliedSectors;
            int fromSector = prefix ? 0 : skippedSectors;
            stored = java.util.Arrays.copyOfRange(data, fromSector * SECTOR_BYTES, (fromSector + appliedSectors) * SECTOR_BYTES);
            storedFirstSector = firstSector + fromSector;
            stats.countFault(FaultKind.TORN_WRITE);
        } else if (kind == FaultKind.WRITE_BIT_ROT) {
            int bit = armed.parameter >= 0 ? (int) armed.parameter : random.nextInt(SECTOR_BYTES * 8);
            flipBit(stored, (int) (armed.sector - firstSector) * SECTOR_BYTES, bit);
            stats.countFault(FaultKind.WRITE_BIT_ROT);
        }

        if (faultsEnabled && plan.writeBitRotProbabilityPerSector() > 0) {
            for (int i = 0; i < stored.length / SECTOR_BYTES; i++) {
                if (chance(plan.writeBitRotProbabilityPerSector())) {
                    flipBit(stored, i * SECTOR_BYTES, random.nextInt(SECTOR_BYTES * 8));
                    stats.countFault(FaultKind.WRITE_BIT_ROT);
                }
            }
        }

        file.storeSectors(storedFirstSector, stored, durable);
        emit(durable ? SimMediaEvent.Kind.WRITE_DURABLE : SimMediaEvent.Kind.WRITE, file,
                storedFirstSector * SECTOR_BYTES, stored);
    }

    /** An fsync completed: every cached write of {@code file} becomes durable. */
    void fsync(SimFile file) {
        file.flush();
        emit(SimMediaEvent.Kind.FLUSH, file, 0, new byte[0]);
    }

    /** Every cached write of every physical file becomes durable. */
    void makeCacheDurable() {
        for (SimFile file : physicalFiles) {
            fsync(file);
        }
    }

    // ---- Crash.

    /**
     * Power loss. For each file, the cached writes (in completion order) and then the writes in flight
     * (in start order) each reach the media with the plan's crash probability, some torn at one sector
     * boundary; everything else in the volatile cache is gone.
     */
    void crash(List<InFlightWrite> inFlightWrites) {
        stats.crashes++;
        for (SimFile file : physicalFiles) {
            List<SimFile.CachedWrite> candidates = file.dropCache();
            for (InFlightWrite write : inFlightWrites) {
                if (write.file == file) {
                    candidates.add(new SimFile.CachedWrite(write.firstSector, write.data));
                }
            }
            for (SimFile.CachedWrite candidate : candidates) {
                if (chance(plan.crashWritePersistProbability())) {
                    persistAtCrash(file, candidate);
                    stats.crashPersistedWrites++;
                } else {
                    stats.crashDiscardedWrites++;
                }
            }
            emit(SimMediaEvent.Kind.CRASH, file, 0, new byte[0]);
        }
    }

    private void persistAtCrash(SimFile file, SimFile.CachedWrite write) {
        int fromSector = 0;
        int toSector = write.sectorCount();
        if (write.sectorCount() > 1 && chance(plan.crashTornWriteProbability())) {
            int cut = 1 + random.nextInt(write.sectorCount() - 1);
            if (random.nextBoolean()) {
                toSector = cut;
            } else {
                fromSector = cut;
            }
            stats.countFault(FaultKind.CRASH_TORN_WRITE);
        }
        // Store each run of sectors that no later durable write superseded.
        int runStart = -1;
        for (int i = fromSector; i <= toSector; i++) {
            boolean live = i < toSector && write.live[i];
            if (live && runStart < 0) {
                runStart = i;
            } else if (!live && runStart >= 0) {
                byte[] run = java.util.Arrays.copyOfRange(write.data, runStart * SECTOR_BYTES, i * SECTOR_BYTES);
                long offsetBytes = (write.firstSector + runStart) * SECTOR_BYTES;
                file.writeDurable(offsetBytes, run, 0, run.length);
                emit(SimMediaEvent.Kind.CRASH_PERSISTED, file, offsetBytes, run);
                runStart = -1;
            }
        }
    }

    // ---- Raw access and armed faults.

    void writeRaw(SimFile file, long offsetBytes, byte[] source) {
        file.writeRaw(offsetBytes, source, 0, source.length);
        emit(SimMediaEvent.Kind.RAW_WRITE, file, offsetBytes, source.clone());
    }

    void arm(FaultKind kind, SimFile file, long sector, long parameter) {
        file.checkSector(sector);
        armedFaults.add(new ArmedFault(kind, file, sector, parameter));
    }

    void clearFaults() {
        armedFaults.clear();
        for (SimFile file : physicalFiles) {
            file.clearStickyFaults();
        }
    }

    /** Removes and returns the first armed fault of the direction whose sector lies in the range, or null. */
    private ArmedFault takeArmed(boolean write, SimFile file, long firstSector, int sectorCount) {
        for (int i = 0; i < armedFaults.size(); i++) {
            ArmedFault armed = armedFaults.get(i);
            boolean direction = write ? armed.kind.isWriteFault() : armed.kind.isReadFault();
            if (direction && armed.file == file && armed.sector >= firstSector && armed.sector < firstSector + sectorCount) {
                armedFaults.remove(i);
                return armed;
            }
        }
        return null;
    }

    // ---- Helpers.

    /**
     * A random aligned start sector for a run of {@code sectorCount} sectors that does not overlap the
     * run at {@code firstSector} (so a misdirected write leaves its intended location wholly unchanged),
     * or -1 when the file has no room for one.
     *
     * <p>Example: 64 sectors, alignment 8, a 16-sector run at 16. Starts below it need
     * {@code start + 16 <= 16}: only 0. Starts above it need {@code start >= 32} and
     * {@code start + 16 <= 64}: 32, 40, 48. Four candidates; a draw of 2 gives 40.
     */
    private long otherAlignedStart(SimFile file, long firstSector, int sectorCount) {
        long lastStart = file.sectorCount - sectorCount;
        long lowHighest = firstSector - sectorCount;
        long lowCount = lowHighest >= 0 ? lowHighest / alignmentSectors + 1 : 0;
        long highLowest = ceilToMultiple(firstSector + sectorCount, alignmentSectors);
        long highCount = highLowest <= lastStart ? (lastStart - highLowest) / alignmentSectors + 1 : 0;
        if (lowCount + highCount == 0) {
            return -1;
        }
        long draw = random.nextLong(lowCount + highCount);
        long start = draw < lowCount ? draw * alignmentSectors : highLowest + (draw - lowCount) * alignmentSectors;
        assert start % alignmentSectors == 0 && start >= 0 && start <= lastStart;
        assert start + sectorCount <= firstSector || start >= firstSector + sectorCount;
        return start;
    }

    private static long ceilToMultiple(long value, long multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    /**
     * The start sector of an armed misdirection target at {@code offsetBytes} when the whole run fits
     * there, else a random other aligned start (or -1, see {@link #otherAlignedStart}).
     */
    private long fittingOrOther(SimFile file, long offsetBytes, long firstSector, int sectorCount) {
        if (offsetBytes >= 0 && offsetBytes / SECTOR_BYTES + sectorCount <= file.sectorCount) {
            return offsetBytes / SECTOR_BYTES;
        }
        return otherAlignedStart(file, firstSector, sectorCount);
    }

    /** True with {@code probability}; draws nothing from the PRNG when it is 0. */
    boolean chance(double probability) {
        return probability > 0 && random.nextDouble() < probability;
    }

    private static void flipBit(byte[] bytes, int sectorStart, int bitIndex) {
        bytes[sectorStart + bitIndex / 8] ^= (byte) (1 << (bitIndex % 8));
    }

    private void emit(SimMediaEvent.Kind kind, SimFile file, long offsetBytes, byte[] data) {
        if (listener != null) {
            listener.accept(new SimMediaEvent(eventSequence++, kind, file.physicalIndex, offsetBytes, data));
        }
    }
}
