package dev.csum.cli;

import dev.csum.testkit.Fault;
import dev.csum.testkit.SimulatedVolumes;
import dev.csum.testkit.TortureOptions;
import dev.csum.testkit.TortureReport;
import java.io.PrintWriter;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code csum torture}: the deterministic fault-injection simulation (docs/RELIABILITY.md). Each seed
 * runs the engine on a simulated disk with random faults and crashes against a reference model;
 * exit code 1 when any seed returned wrong data, reported a false integrity error or failed
 * unexpectedly, and the failing seeds are printed so {@code --seed S} replays one exactly.
 */
@Command(name = "torture", mixinStandardHelpOptions = true,
    description = {"Run the fault-injection simulation, checking every read against a reference model.",
        "The engine runs on a simulated disk that injects bit rot, latent sector errors, lost, torn and misdirected"
            + " writes, misdirected reads and crashes. Exit 0: no violation; 1: a violation (the failing seeds are"
            + " printed); 2: bad arguments."})
public final class TortureCommand implements Callable<Integer> {

    /** Seeds run when neither {@code --seeds} nor {@code --seed} is given. */
    public static final int DEFAULT_SEEDS = 100;

    @Spec
    private CommandSpec spec;

    @Option(names = "--seeds", paramLabel = "N", description = "Run seeds 1..N (default ${DEFAULT-VALUE}).",
        defaultValue = "" + DEFAULT_SEEDS)
    private int seedCount;

    @Option(names = "--seed", paramLabel = "S", description = "Run only seed S (replays a failing seed exactly).")
    private Long seed;

    @Option(names = "--ops", paramLabel = "N",
        description = "Reads, writes and flushes per seed (default ${DEFAULT-VALUE}).",
        defaultValue = "" + TortureOptions.DEFAULT_OPERATIONS_PER_SEED)
    private int operations;

    @Option(names = "--json", description = "Print the summary as one JSON object.")
    private boolean json;

    @Option(names = "--show-config", description = "With --seed: print the seed's configuration.")
    private boolean verbose;

    @Option(names = "--faults", paramLabel = "KINDS", split = ",",
        description = "Replace each seed's random media faults with exactly these kinds: read_bit_rot, write_bit_rot,"
            + " latent_sector_error, lost_write, torn_write, misdirected_write, misdirected_read; or none (crashes only).")
    private List<String> faultNames;

    @Option(names = "--fault-rate", paramLabel = "P",
        description = "With --faults: each kind's probability per operation (default ${DEFAULT-VALUE}); bit rot and"
            + " latent sector errors are per sector touched, at P/20.", defaultValue = "0.01")
    private double faultRate;

    @Option(names = "--crash-rate", paramLabel = "P",
        description = "Probability of a power loss per workload step, at most 0.5 (default: each seed's own, 1/550..1/150).")
    private Double crashRate;

    /** Applied last to the run's options: tests make the engine commit a {@code HarnessFault} with it. */
    private final UnaryOperator<TortureOptions> testAdjustment;

    public TortureCommand() {
        this(UnaryOperator.identity());
    }

    /** For tests: {@code testAdjustment} changes the options every run of this command uses. */
    TortureCommand(UnaryOperator<TortureOptions> testAdjustment) {
        this.testAdjustment = testAdjustment;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (operations < 1 || (seed == null && seedCount < 1)) {
            err.println("csum torture: --ops and --seeds must be positive");
            return 2;
        }
        TortureOptions options;
        try {
            options = testAdjustment.apply(options());
        } catch (IllegalArgumentException bad) {
            err.println("csum torture: " + bad.getMessage());
            return 2;
        }
        if (seed != null && verbose && !json) {
            out.println(SimulatedVolumes.describeTortureSeed(seed, options));
        }
        TortureReport report = SimulatedVolumes.torture(options);
        out.print(json ? report.json() + System.lineSeparator() : report.text(replayOptions()));
        out.flush();
        return report.passed() ? 0 : 1;
    }

    /** The seeds to run and what {@code --faults}, {@code --fault-rate} and {@code --crash-rate} change in each. */
    private TortureOptions options() {
        boolean rateGiven = spec.commandLine().getParseResult().hasMatchedOption("--fault-rate");
        if (rateGiven && faultNames == null) {
            throw new IllegalArgumentException("--fault-rate needs --faults");
        }
        if (!(faultRate >= 0 && faultRate <= 1)) {
            throw new IllegalArgumentException("--fault-rate must be in [0, 1], was " + faultRate);
        }
        if (crashRate != null && !(crashRate >= 0 && crashRate <= 0.5)) {
            throw new IllegalArgumentException("--crash-rate must be in [0, 0.5], was " + crashRate);
        }
        TortureOptions options = (seed != null ? TortureOptions.seed(seed) : TortureOptions.seeds(1, seedCount))
            .withOperationsPerSeed(operations);
        if (faultNames != null) {
            options = options.withMediaFaults(faults(faultNames), faultRate);
        }
        return crashRate == null ? options : options.withCrashProbability(crashRate);
    }

    private static Set<Fault> faults(List<String> names) {
        Set<Fault> kinds = EnumSet.noneOf(Fault.class);
        if (names.size() == 1 && names.get(0).equals("none")) {
            return kinds;
        }
        for (String name : names) {
            Fault kind;
            try {
                kind = Fault.valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException unknown) {
                kind = null;
            }
            if (kind == null || kind == Fault.CRASH_TORN_WRITE) {
                throw new IllegalArgumentException("unknown media fault kind '" + name + "' (one of read_bit_rot,"
                    + " write_bit_rot, latent_sector_error, lost_write, torn_write, misdirected_write,"
                    + " misdirected_read; or none; crash tears come with --crash-rate)");
            }
            kinds.add(kind);
        }
        return kinds;
    }

    /** The options to repeat on a replay line so the seed runs with the same configuration. */
    private String replayOptions() {
        StringBuilder options = new StringBuilder();
        if (faultNames != null) {
            options.append(" --faults ").append(String.join(",", faultNames)).append(" --fault-rate ").append(faultRate);
        }
        if (crashRate != null) {
            options.append(" --crash-rate ").append(crashRate);
        }
        return options.toString();
    }
}
