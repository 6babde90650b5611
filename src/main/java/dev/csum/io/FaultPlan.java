package dev.csum.io;

/**
 * The probabilities with which {@link SimulatedDisk} injects faults on its own, drawn from its seeded
 * PRNG. Every probability is in {@code [0, 1]}. A probability of 0 never consumes randomness, so a
 * plan without faults draws exactly the random numbers that scheduling needs.
 *
 * <p>The crash probabilities describe the volatile write cache at a {@link SimulatedDisk#crash()}:
 * each write that completed but was not yet flushed, and each write that had been started on the
 * device but not completed, reaches the media with {@code crashWritePersistProbability}; one that
 * reaches it and spans two sectors or more is torn at one sector boundary with
 * {@code crashTornWriteProbability}. They apply whether or not faults are
 * {@link SimulatedDisk#faultsEnabled(boolean) enabled}: a crash is requested explicitly, and what the
 * cache held at that moment is part of the crash, not an extra fault.
 *
 * @param readBitRotProbabilityPerSector       per sector read: the sector starts returning a flipped bit (sticky)
 * @param writeBitRotProbabilityPerSector      per sector written: the sector is stored with a flipped bit
 * @param latentSectorErrorProbabilityPerSector per sector read: the sector becomes unreadable, {@code -EIO} (sticky)
 * @param lostWriteProbability                 per write: nothing is stored
 * @param tornWriteProbability                 per write of two sectors or more: only a prefix or suffix is stored
 * @param misdirectedWriteProbability          per write: the data is stored at another offset
 * @param misdirectedReadProbability           per read: the data comes from another offset
 * @param crashWritePersistProbability         per unflushed or in-flight write at a crash: it reached the media
 * @param crashTornWriteProbability            per multi-sector write that reached the media at a crash: it is torn
 */
public record FaultPlan(
        double readBitRotProbabilityPerSector,
        double writeBitRotProbabilityPerSector,
        double latentSectorErrorProbabilityPerSector,
        double lostWriteProbability,
        double tornWriteProbability,
        double misdirectedWriteProbability,
        double misdirectedReadProbability,
        double crashWritePersistProbability,
        double crashTornWriteProbability) {

    /** Crash defaults of {@link #none()}: half the unflushed writes survive, half of those torn. */
    public static final double CRASH_WRITE_PERSIST_PROBABILITY_DEFAULT = 0.5;
    public static final double CRASH_TORN_WRITE_PROBABILITY_DEFAULT = 0.5;

    public FaultPlan {
        requireProbability("readBitRotProbabilityPerSector", readBitRotProbabilityPerSector);
        requireProbability("writeBitRotProbabilityPerSector", writeBitRotProbabilityPerSector);
        requireProbability("latentSectorErrorProbabilityPerSector", latentSectorErrorProbabilityPerSector);
        requireProbability("lostWriteProbability", lostWriteProbability);
        requireProbability("tornWriteProbability", tornWriteProbability);
        requireProbability("misdirectedWriteProbability", misdirectedWriteProbability);
        requireProbability("misdirectedReadProbability", misdirectedReadProbability);
        requireProbability("crashWritePersistProbability", crashWritePersistProbability);
        requireProbability("crashTornWriteProbability", crashTornWriteProbability);
    }

    /** No media faults; crashes keep the default volatile-cache model. */
    public static FaultPlan none() {
        return new FaultPlan(0, 0, 0, 0, 0, 0, 0,
                CRASH_WRITE_PERSIST_PROBABILITY_DEFAULT, CRASH_TORN_WRITE_PROBABILITY_DEFAULT);
    }

    /** Every media fault with the same {@code probability} (per sector or per op, as each states). */
    public static FaultPlan all(double probability) {
        return new FaultPlan(probability, probability, probability, probability, probability, probability,
                probability, CRASH_WRITE_PERSIST_PROBABILITY_DEFAULT, CRASH_TORN_WRITE_PROBABILITY_DEFAULT);
    }

    /** The probability of {@code kind} in this plan ({@link FaultKind#CRASH_TORN_WRITE}: the crash tear). */
    public double probability(FaultKind kind) {
        return switch (kind) {
            case READ_BIT_ROT -> readBitRotProbabilityPerSector;
            case WRITE_BIT_ROT -> writeBitRotProbabilityPerSector;
            case LATENT_SECTOR_ERROR -> latentSectorErrorProbabilityPerSector;
            case LOST_WRITE -> lostWriteProbability;
            case TORN_WRITE -> tornWriteProbability;
            case MISDIRECTED_WRITE -> misdirectedWriteProbability;
            case MISDIRECTED_READ -> misdirectedReadProbability;
            case CRASH_TORN_WRITE -> crashTornWriteProbability;
        };
    }

    /** This plan with {@code kind} set to {@code probability}. */
    public FaultPlan with(FaultKind kind, double probability) {
        return new FaultPlan(
                kind == FaultKind.READ_BIT_ROT ? probability : readBitRotProbabilityPerSector,
                kind == FaultKind.WRITE_BIT_ROT ? probability : writeBitRotProbabilityPerSector,
                kind == FaultKind.LATENT_SECTOR_ERROR ? probability : latentSectorErrorProbabilityPerSector,
                kind == FaultKind.LOST_WRITE ? probability : lostWriteProbability,
                kind == FaultKind.TORN_WRITE ? probability : tornWriteProbability,
                kind == FaultKind.MISDIRECTED_WRITE ? probability : misdirectedWriteProbability,
                kind == FaultKind.MISDIRECTED_READ ? probability : misdirectedReadProbability,
                crashWritePersistProbability,
                kind == FaultKind.CRASH_TORN_WRITE ? probability : crashTornWriteProbability);
    }

    /** This plan with the crash model replaced. */
    public FaultPlan withCrash(double crashPersistProbability, double crashTornProbability) {
        return new FaultPlan(readBitRotProbabilityPerSector, writeBitRotProbabilityPerSector,
                latentSectorErrorProbabilityPerSector, lostWriteProbability, tornWriteProbability,
                misdirectedWriteProbability, misdirectedReadProbability, crashPersistProbability, crashTornProbability);
    }

    private static void requireProbability(String name, double probability) {
        if (!(probability >= 0.0 && probability <= 1.0)) {
            throw new IllegalArgumentException(name + " must be in [0, 1]: " + probability);
        }
    }
}
