package dev.csum.engine;

/**
 * Test-only switch that restores a flaw of the seed (the 2009 dm-csum patch), so a test can show
 * that the torture run catches it. Package-private and off by default: nothing in the public API
 * or the CLI can reach it; only test code in this package sets it.
 */
final class SeedBehaviourForTesting {
    /**
     * The seed's stale brother (DESIGN.md §2, flaw 1): a commit updates the older imd copy with only
     * the new tuples instead of copying the newer copy forward.
     */
    static boolean staleBrother;

    private SeedBehaviourForTesting() {
    }
}
