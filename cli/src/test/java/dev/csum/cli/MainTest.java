package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MainTest {
    @Test
    void versionPrintsTheProjectVersion() {
        Cli.Result result = Cli.run("--version").assertOk();
        assertTrue(result.out().matches("csum \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\R"), result.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"format", "status", "convert", "resize", "write", "read", "scrub", "bench", "demo"})
    void everyCommandHasHelpWithTheExitStatuses(String command) {
        Cli.Result result = Cli.run(command, "--help").assertOk();
        assertTrue(result.out().startsWith("Usage: csum " + command), result.out());
        assertTrue(result.out().contains("Exit status: 0 ok, 1 integrity errors"), result.out());
        assertTrue(result.out().contains("--verbose"), result.out());
    }

    @Test
    void topLevelHelpListsEveryCommandWithAOneSentenceSummary() {
        String help = Cli.run("--help").assertOk().out();
        Map<String, String> summaries = commandSummaries(help);
        assertEquals(List.copyOf(Main.COMMANDS.keySet()), List.copyOf(summaries.keySet()), help);
        summaries.forEach((command, summary) -> {
            assertTrue(summary.endsWith("."), command + ": '" + summary + "' is cut short");
            assertEquals(1, summary.split("\\. ").length, command + ": '" + summary + "' is one sentence");
        });
        assertNoLineLongerThan80Columns("csum --help", help);
    }

    @ParameterizedTest
    @ValueSource(strings = {"format", "status", "convert", "resize", "write", "read", "scrub", "bench", "demo", "torture"})
    void commandHelpIsWrappedAt80Columns(String command) {
        assertNoLineLongerThan80Columns(command, Cli.run(command, "--help").assertOk().out());
    }

    /** The "Commands:" section of top-level help: name to summary, continuation lines joined. */
    private static Map<String, String> commandSummaries(String help) {
        Map<String, String> summaries = new LinkedHashMap<>();
        String current = null;
        boolean inCommands = false;
        for (String line : help.lines().toList()) {
            if (line.equals("Commands:")) {
                inCommands = true;
            } else if (inCommands && line.isBlank()) {
                break;
            } else if (inCommands && line.matches("  \\S.*")) {
                String[] nameAndSummary = line.strip().split("\\s+", 2);
                current = nameAndSummary[0];
                summaries.put(current, nameAndSummary[1]);
            } else if (inCommands) {
                summaries.merge(current, " " + line.strip(), String::concat);
            }
        }
        return summaries;
    }

    private static void assertNoLineLongerThan80Columns(String what, String text) {
        for (String line : text.lines().toList()) {
            assertTrue(line.length() <= 80, what + ": a line of " + line.length() + " columns: " + line);
        }
    }

    @Test
    void everyCommandIsRegisteredUnderItsOwnName() {
        Main.COMMANDS.forEach((name, type) ->
            assertEquals(name, type.getAnnotation(picocli.CommandLine.Command.class).name(), type.getName()));
    }

    @Test
    void onlyTheCommandTheLineNamesIsBuilt() {
        assertEquals(List.of("status"), Main.commandsFor("status", "vol.img", "--json"));
        assertEquals(List.of("read"), Main.commandsFor("--verbose", "read", "vol.img", "-l", "4k"));
        assertEquals(List.of(), Main.commandsFor("--version"));
        assertEquals(List.of(), Main.commandsFor());
        assertEquals(List.of("status", "help"), Main.commandsFor("help", "status"));
        List<String> all = List.copyOf(Main.COMMANDS.keySet());
        assertEquals(all, Main.commandsFor("--help"));
        assertEquals(all, Main.commandsFor("help"));
        assertEquals(all, Main.commandsFor("statsu", "vol.img"));
    }

    @Test
    void noCommandUnknownCommandAndUnknownOptionAreUsageErrors() {
        Cli.run().assertOneLineError(2, "a command is required");
        Cli.run("frobnicate").assertOneLineError(2, "frobnicate");
        Cli.run("status", "--frobnicate", "x").assertOneLineError(2, "--frobnicate", "csum status --help");
        Cli.run("read", "x", "--offset", "0").assertOneLineError(2, "--length");
    }

    @Test
    void verbosePrintsTheStackTrace() {
        Cli.Result result = Cli.run("status", "/nonexistent/volume", "--verbose");
        assertEquals(2, result.status());
        assertTrue(result.err().lines().count() > 1 && result.err().contains("\tat "), result.err());
    }
}
