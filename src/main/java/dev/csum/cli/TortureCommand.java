package dev.csum.cli;

import dev.csum.torture.SeedResult;
import dev.csum.torture.Torture;
import dev.csum.torture.TortureConfig;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
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
    description = {"Runs the engine on a simulated disk that injects bit rot, latent sector errors, lost, torn and",
        "misdirected writes, misdirected reads and crashes, and checks every read against a reference model.",
        "Exit code 0: no violation; 1: a violation (the failing seeds are printed); 2: bad arguments."})
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
        defaultValue = "" + TortureConfig.DEFAULT_OPERATIONS)
    private int operations;

    @Option(names = "--json", description = "Print the summary as one JSON object.")
    private boolean json;

    @Option(names = "--show-config", description = "With --seed: print the seed's configuration.")
    private boolean verbose;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (operations < 1 || (seed == null && seedCount < 1)) {
            err.println("csum torture: --ops and --seeds must be positive");
            return 2;
        }
        long started = System.nanoTime();
        SeedResult result;
        if (seed != null) {
            TortureConfig config = TortureConfig.forSeed(seed, operations);
            if (verbose && !json) {
                out.println(config.describe());
            }
            result = Torture.runSeed(config);
        } else {
            result = Torture.run(1, seedCount, operations, config -> config);
        }
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        out.print(json ? Torture.summaryJson(result, operations, elapsedMillis) + System.lineSeparator()
            : Torture.summaryText(result, operations, elapsedMillis));
        out.flush();
        return result.passed() ? 0 : 1;
    }
}
