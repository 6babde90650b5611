package dev.csum.testkit;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Which torture seeds {@link SimulatedVolumes#torture} runs, and what it changes in each seed's
 * configuration. Every seed derives its own configuration (block size, metadata placement,
 * durability, crash model, media faults, sizes, queue depth) from its number, so a seed and these
 * options replay a run exactly. Immutable; start from {@link #seeds} or {@link #seed}.
 *
 * @param firstSeed the first seed run
 * @param seedCount seeds run: {@code firstSeed .. firstSeed + seedCount - 1}
 * @param operationsPerSeed reads, writes and flushes each seed issues
 * @param mediaFaults when present, exactly these media faults replace each seed's own choice (empty:
 *     crashes only), each at {@code mediaFaultRate}
 * @param mediaFaultRate with {@code mediaFaults}: each fault's probability per operation; the
 *     {@linkplain Fault#isPerSector() per-sector} ones at a twentieth of it per sector
 * @param crashProbability when present, replaces each seed's own power-loss probability per step
 * @param harnessFault an ordering bug for the engine to commit, to show that the run catches it (it
 *     must then fail); {@link HarnessFault#NONE} otherwise
 */
public record TortureOptions(long firstSeed, int seedCount, int operationsPerSeed, Optional<Set<Fault>> mediaFaults,
                             double mediaFaultRate, OptionalDouble crashProbability, HarnessFault harnessFault) {
    /** Operations per seed unless changed. */
    public static final int DEFAULT_OPERATIONS_PER_SEED = 1500;
    /** The media fault rate of {@link #withMediaFaults} unless given. */
    public static final double DEFAULT_MEDIA_FAULT_RATE = 0.01;

    /**
     * Checks the components, each described above, and copies the {@code mediaFaults} set.
     *
     * @throws NullPointerException when {@code mediaFaults} or {@code crashProbability} is null (use
     *     the empty ones for each seed's own), or {@code harnessFault} is null
     * @throws IllegalArgumentException when {@code seedCount} or {@code operationsPerSeed} is not
     *     positive, {@code mediaFaults} holds {@link Fault#CRASH_TORN_WRITE}, or
     *     {@code mediaFaultRate} or {@code crashProbability} is outside [0, 1]
     */
    public TortureOptions {
        Objects.requireNonNull(mediaFaults, "mediaFaults (Optional.empty(): each seed's own)");
        Objects.requireNonNull(crashProbability, "crashProbability (OptionalDouble.empty(): each seed's own)");
        Objects.requireNonNull(harnessFault, "harnessFault (HarnessFault.NONE: a correct engine)");
        if (seedCount < 1 || operationsPerSeed < 1) {
            throw new IllegalArgumentException("seeds and operations per seed must be positive, were " + seedCount
                + " and " + operationsPerSeed);
        }
        if (mediaFaults.isPresent()) {
            if (mediaFaults.get().contains(Fault.CRASH_TORN_WRITE)) {
                throw new IllegalArgumentException("crash tears come with crashes, not with the media faults");
            }
            Set<Fault> copy = mediaFaults.get().isEmpty() ? EnumSet.noneOf(Fault.class) : EnumSet.copyOf(mediaFaults.get());
            mediaFaults = Optional.of(Collections.unmodifiableSet(copy));
        }
        if (!(mediaFaultRate >= 0 && mediaFaultRate <= 1)) {
            throw new IllegalArgumentException("the media fault rate must be in [0, 1], was " + mediaFaultRate);
        }
        if (crashProbability.isPresent() && !(crashProbability.getAsDouble() >= 0 && crashProbability.getAsDouble() <= 1)) {
            throw new IllegalArgumentException("the crash probability must be in [0, 1], was "
                + crashProbability.getAsDouble());
        }
    }

    /**
     * Seeds {@code firstSeed .. firstSeed + seedCount - 1}, each as it derives its configuration,
     * with {@value #DEFAULT_OPERATIONS_PER_SEED} operations per seed.
     *
     * @param firstSeed the first seed run
     * @param seedCount how many seeds to run, at least 1
     * @return the options
     * @throws IllegalArgumentException when {@code seedCount} is not positive
     */
    public static TortureOptions seeds(long firstSeed, int seedCount) {
        return new TortureOptions(firstSeed, seedCount, DEFAULT_OPERATIONS_PER_SEED, Optional.empty(),
            DEFAULT_MEDIA_FAULT_RATE, OptionalDouble.empty(), HarnessFault.NONE);
    }

    /**
     * Seed {@code seed} alone: replays it, given the other options of the run that printed it.
     *
     * @param seed the seed to run
     * @return the options
     */
    public static TortureOptions seed(long seed) {
        return seeds(seed, 1);
    }

    /**
     * These options with another workload length.
     *
     * @param operations reads, writes and flushes each seed issues, at least 1
     * @return a copy with that length
     * @throws IllegalArgumentException when {@code operations} is not positive
     */
    public TortureOptions withOperationsPerSeed(int operations) {
        return new TortureOptions(firstSeed, seedCount, operations, mediaFaults, mediaFaultRate, crashProbability,
            harnessFault);
    }

    /**
     * Exactly {@code faults} at {@code perOperationRate}, instead of each seed's own media faults.
     *
     * @param faults the media faults every seed injects; empty for crashes only
     * @param perOperationRate each fault's probability per operation, in [0, 1]; the
     *     {@linkplain Fault#isPerSector() per-sector} ones at a twentieth of it per sector
     * @return a copy with those faults
     * @throws NullPointerException when {@code faults} is null
     * @throws IllegalArgumentException when {@code faults} holds {@link Fault#CRASH_TORN_WRITE}, or
     *     {@code perOperationRate} is outside [0, 1]
     */
    public TortureOptions withMediaFaults(Set<Fault> faults, double perOperationRate) {
        return new TortureOptions(firstSeed, seedCount, operationsPerSeed, Optional.of(faults), perOperationRate,
            crashProbability, harnessFault);
    }

    /**
     * A power loss with {@code probability} per workload step, instead of each seed's own.
     *
     * @param probability the probability of a power loss per step, in [0, 1] (0: no crashes)
     * @return a copy with that crash probability
     * @throws IllegalArgumentException when {@code probability} is outside [0, 1]
     */
    public TortureOptions withCrashProbability(double probability) {
        return new TortureOptions(firstSeed, seedCount, operationsPerSeed, mediaFaults, mediaFaultRate,
            OptionalDouble.of(probability), harnessFault);
    }

    /**
     * These options with an ordering bug for the engine to commit: see {@link #harnessFault()}.
     *
     * @param fault the bug ({@link HarnessFault#NONE}: a correct engine; any other: the run must fail)
     * @return a copy with that setting
     * @throws NullPointerException when {@code fault} is null
     */
    public TortureOptions withHarnessFault(HarnessFault fault) {
        return new TortureOptions(firstSeed, seedCount, operationsPerSeed, mediaFaults, mediaFaultRate,
            crashProbability, fault);
    }
}
