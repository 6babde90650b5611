package dev.csum.testkit;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The probabilities with which the simulated disk injects faults on its own, drawn from its seeded
 * generator (so a seed replays them). Immutable; start from {@link #none()}.
 *
 * @param probabilities each media fault's probability in [0, 1], per sector or per operation as
 *     {@link Fault} says; a fault not in the map never happens
 * @param crashWritePersistProbability at a crash, the probability that each write the device had
 *     completed but not flushed, or had started, reached the media
 * @param crashTornWriteProbability at a crash, the probability that such a write of two sectors or more
 *     that reached the media is torn at a sector boundary
 */
public record Faults(Map<Fault, Double> probabilities, double crashWritePersistProbability,
                     double crashTornWriteProbability) {
    /**
     * Checks the components, each described above, and copies {@code probabilities}.
     *
     * @throws NullPointerException when {@code probabilities} or one of its keys is null
     * @throws IllegalArgumentException when a probability is null or outside [0, 1], or
     *     {@code probabilities} holds {@link Fault#CRASH_TORN_WRITE} (set
     *     {@code crashTornWriteProbability} instead)
     */
    public Faults {
        EnumMap<Fault, Double> copy = new EnumMap<>(Fault.class);
        for (Map.Entry<Fault, Double> entry : probabilities.entrySet()) {
            if (entry.getKey() == Fault.CRASH_TORN_WRITE) {
                throw new IllegalArgumentException("crash tears come with crashes: set crashTornWriteProbability");
            }
            copy.put(entry.getKey(), requireProbability(entry.getKey().name(), entry.getValue()));
        }
        probabilities = Collections.unmodifiableMap(copy);
        requireProbability("crashWritePersistProbability", crashWritePersistProbability);
        requireProbability("crashTornWriteProbability", crashTornWriteProbability);
    }

    /**
     * No media fault; at a crash, half the unflushed writes reach the media, half of those torn.
     *
     * @return that plan
     */
    public static Faults none() {
        return new Faults(Map.of(), 0.5, 0.5);
    }

    /**
     * This plan with {@code fault} at {@code probability}, replacing its probability if it had one.
     *
     * @param fault a media fault: not {@link Fault#CRASH_TORN_WRITE}
     * @param probability in [0, 1]: per sector or per operation, as {@link Fault#isPerSector()} says
     *     (0 turns the fault off)
     * @return a copy with that probability
     * @throws NullPointerException when {@code fault} is null
     * @throws IllegalArgumentException when {@code fault} is {@link Fault#CRASH_TORN_WRITE}, or
     *     {@code probability} is outside [0, 1]
     */
    public Faults with(Fault fault, double probability) {
        EnumMap<Fault, Double> changed = new EnumMap<>(Fault.class);
        changed.putAll(probabilities);
        changed.put(Objects.requireNonNull(fault, "fault"), probability);
        return new Faults(changed, crashWritePersistProbability, crashTornWriteProbability);
    }

    /**
     * This plan with the crash model replaced.
     *
     * @param writePersistProbability at a crash, the probability in [0, 1] that each write the
     *     device had completed but not flushed, or had started, reached the media
     * @param tornWriteProbability at a crash, the probability in [0, 1] that such a write of two
     *     sectors or more that reached the media is torn at a sector boundary
     * @return a copy with that crash model
     * @throws IllegalArgumentException when a probability is outside [0, 1]
     */
    public Faults withCrash(double writePersistProbability, double tornWriteProbability) {
        return new Faults(probabilities, writePersistProbability, tornWriteProbability);
    }

    /**
     * The probability of {@code fault} in this plan.
     *
     * @param fault any fault
     * @return its probability: 0 for a media fault the plan does not set; for
     *     {@link Fault#CRASH_TORN_WRITE}, {@link #crashTornWriteProbability()}
     */
    public double probability(Fault fault) {
        return fault == Fault.CRASH_TORN_WRITE ? crashTornWriteProbability : probabilities.getOrDefault(fault, 0.0);
    }

    private static double requireProbability(String name, Double probability) {
        if (probability == null || !(probability >= 0.0 && probability <= 1.0)) {
            throw new IllegalArgumentException(name + " must be a probability in [0, 1], was " + probability);
        }
        return probability;
    }
}
