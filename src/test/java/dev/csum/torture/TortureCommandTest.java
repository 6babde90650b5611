package dev.csum.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.cli.TortureCommand;
import dev.csum.engine.SeedBehaviourSwitch;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TortureCommandTest {

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new TortureCommand());
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
        Run run;
        try {
            SeedBehaviourSwitch.staleBrother(true);
            run = run("--seeds", "20", "--ops", "800");
        } finally {
            SeedBehaviourSwitch.staleBrother(false);
        }
        assertEquals(1, run.exitCode(), run.out());
        assertTrue(run.out().contains("FAILED") && run.out().contains("replay: csum torture --seed "), run.out());
    }

    @Test
    void badArgumentsExitWithTwo() {
        assertEquals(2, run("--ops", "0").exitCode());
        assertEquals(2, run("--seeds", "x").exitCode());
    }
}
