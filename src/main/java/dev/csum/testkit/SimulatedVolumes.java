package dev.csum.testkit;

import dev.csum.io.FaultKind;
import dev.csum.torture.SeedResult;
import dev.csum.torture.Torture;
import dev.csum.torture.TortureConfig;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The test kit's entry point: csum on a deterministic simulated disk that injects storage faults
 * and power losses, for embedders' tests and for {@code csum torture}.
 *
 * <ul>
 *   <li>{@link #create} formats a volume on a simulated disk and opens it, driven step by step on
 *       the caller's thread ({@link SimulatedVolume}): crash it with requests in flight, reopen it,
 *       and check what your code sees.</li>
 *   <li>{@link #torture} runs the torture simulation (docs/RELIABILITY.md): seeded random workloads
 *       against a reference model, under faults and crashes; a failing seed replays exactly.</li>
 * </ul>
 *
 * <p>Everything here is deterministic in its seed and single-threaded (the caller's thread).
 */
public final class SimulatedVolumes {
    private SimulatedVolumes() {
    }

    /**
     * Formats a volume on a new simulated disk and opens it; the disk injects the options' faults from
     * then on (not while formatting and opening).
     *
     * @param options the disk and the volume
     * @return the open volume on its disk, driven on the caller's thread
     * @throws IllegalArgumentException when the options' cache or buffer sizes are too small for a
     *     volume ({@link dev.csum.VolumeOptions})
     * @throws IOException when formatting or opening the volume fails
     */
    public static SimulatedVolume create(SimulationOptions options) throws IOException {
        return new SimulatedVolume(options);
    }

    /**
     * Runs the torture simulation's seeds, one after the other on the calling thread; returns when
     * all ran. A seed that violates the invariant does not stop the run: the report names it.
     *
     * @param options the seeds and what to change in their configurations
     * @return what the run found
     */
    public static TortureReport torture(TortureOptions options) {
        long started = System.nanoTime();
        SeedResult result = Torture.run(options.firstSeed(), options.seedCount(), options.operationsPerSeed(),
            adjustment(options));
        return new TortureReport(result, options.operationsPerSeed(), (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Describes the configuration a seed runs with, without running it.
     *
     * @param seed the seed
     * @param options what the run changes in each seed's configuration (its seed range is ignored)
     * @return one line describing the configuration seed {@code seed} runs with under {@code options}
     */
    public static String describeTortureSeed(long seed, TortureOptions options) {
        return adjustment(options).apply(TortureConfig.forSeed(seed, options.operationsPerSeed())).describe();
    }

    /** What {@code options} change in each seed's own configuration. */
    private static UnaryOperator<TortureConfig> adjustment(TortureOptions options) {
        Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
        options.mediaFaults().ifPresent(faults -> faults.forEach(fault -> kinds.add(FaultMapping.kind(fault))));
        return config -> {
            TortureConfig adjusted = options.mediaFaults().isPresent()
                ? config.withMediaFaults(kinds, options.mediaFaultRate()) : config;
            if (options.crashProbability().isPresent()) {
                adjusted = adjusted.withCrashProbability(options.crashProbability().getAsDouble());
            }
            return adjusted.withTestFault(FaultMapping.engineFault(options.harnessFault()));
        };
    }
}
