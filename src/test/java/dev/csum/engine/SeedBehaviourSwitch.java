package dev.csum.engine;

/** Test-only access to {@link SeedBehaviourForTesting} for tests outside the engine package. */
public final class SeedBehaviourSwitch {
    private SeedBehaviourSwitch() {
    }

    /** Turns the seed's stale-brother commit on or off (always turn it off again in a finally). */
    public static void staleBrother(boolean enabled) {
        SeedBehaviourForTesting.staleBrother = enabled;
    }
}
