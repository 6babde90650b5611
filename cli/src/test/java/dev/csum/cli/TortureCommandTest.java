package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.testkit.HarnessFault;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TortureCommandTest {

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        return run(new TortureCommand(), args);
    }

    /** A run of an engine that writes data before its log record, a flaw the run must catch. */
    private static Run runWithDataBeforeRecord(String... args) {
        // Crash-only: with media faults injected, every failed read counts as a detected fault.
        return run(new TortureCommand(options -> options.withMediaFaults(java.util.Set.of(), 0)
            .withCrashProbability(0.02).withHarnessFault(HarnessFault.DATA_BEFORE_RECORD)), args);
    }

    private static Run run(TortureCommand torture, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(torture);
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        int exit = command.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void jsonSummaryHasTheRequiredFields() {
        Run run = run("--seeds", "3", "--ops", "300", "--json");
        assertEquals(0, run.exitCode(), run.out() + run.err());
        for (String field : new String[] {"\"seeds\":3", "\"operations\":", "\"faults_injected\":",
            "\"faults_detected\":", "\"silent_corruptions\":0", "\"false_errors\":0", "\"passed\":true"}) {
            assertTrue(run.out().contains(field), field + " in " + run.out());
        }
    }

    @Test
    void oneSeedReplaysAndPrintsAHumanSummary() {
        Run first = run("--seed", "5", "--ops", "300");
        Run second = run("--seed", "5", "--ops", "300");
        assertEquals(0, first.exitCode(), first.out());
        assertTrue(first.out().contains("1 seeds") && first.out().contains("PASSED"), first.out());
        assertEquals(first.out().replaceAll("in [0-9.]+ s", ""), second.out().replaceAll("in [0-9.]+ s", ""));
    }

    @Test
    void aViolationExitsNonZeroAndNamesTheSeedToReplay() {
        Run run = runWithDataBeforeRecord("--seeds", "4", "--ops", "800");
        assertEquals(1, run.exitCode(), run.out());
        assertTrue(run.out().contains("FAILED") && run.out().contains("replay: csum torture --seed "), run.out());
    }

    @Test
    void badArgumentsExitWithTwo() {
        assertEquals(2, run("--ops", "0").exitCode());
        assertEquals(2, run("--seeds", "x").exitCode());
        for (String[] bad : new String[][] {
            {"--faults", "bogus"}, {"--faults", "crash_torn_write"}, {"--faults", "none,lost_write"},
            {"--fault-rate", "0.1"}, {"--faults", "lost_write", "--fault-rate", "1.5"},
            {"--crash-rate", "0.9"}, {"--crash-rate", "-0.1"}}) {
            Run run = run(bad);
            assertEquals(2, run.exitCode(), String.join(" ", bad));
            assertTrue(run.err().startsWith("csum torture: ") && run.out().isEmpty(), run.err() + run.out());
        }
    }

    @Test
    void faultsReplaceEachSeedsRandomFaultPlan() {
        Run chosen = run("--seeds", "3", "--ops", "400", "--faults", "lost_write,misdirected_read",
            "--fault-rate", "0.05", "--json");
        assertEquals(0, chosen.exitCode(), chosen.out() + chosen.err());
        assertTrue(chosen.out().matches("(?s).*\"lost_write\":[1-9].*"), chosen.out());
        assertTrue(chosen.out().matches("(?s).*\"misdirected_read\":[1-9].*"), chosen.out());
        for (String off : new String[] {"read_bit_rot", "write_bit_rot", "latent_sector_error", "torn_write",
            "misdirected_write"}) {
            assertTrue(chosen.out().contains("\"" + off + "\":0"), off + " in " + chosen.out());
        }
        Run crashOnly = run("--seeds", "3", "--ops", "400", "--faults", "none", "--crash-rate", "0.05", "--json");
        assertEquals(0, crashOnly.exitCode(), crashOnly.out() + crashOnly.err());
        assertTrue(crashOnly.out().contains("\"faults_detected\":0"), crashOnly.out());
    }

    @Test
    void theReplayLineRepeatsTheOptionsThatChangedTheSeeds() {
        Run run = runWithDataBeforeRecord("--seeds", "4", "--ops", "800", "--faults", "none", "--crash-rate",
            "0.01");
        assertEquals(1, run.exitCode(), run.out());
        assertTrue(run.out().contains("--ops 800 --faults none --fault-rate 0.01 --crash-rate 0.01"), run.out());
    }
}
