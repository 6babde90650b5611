package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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
    @ValueSource(strings = {"format", "status", "write", "read", "scrub", "bench", "demo"})
    void everyCommandHasHelpWithTheExitStatuses(String command) {
        Cli.Result result = Cli.run(command, "--help").assertOk();
        assertTrue(result.out().startsWith("Usage: csum " + command), result.out());
        assertTrue(result.out().contains("Exit status: 0 ok, 1 integrity errors"), result.out());
        assertTrue(result.out().contains("--verbose"), result.out());
    }

    @Test
    void topLevelHelpListsTheCommands() {
        String help = Cli.run("--help").assertOk().out();
        for (String command : new String[] {"format", "status", "write", "read", "scrub", "bench", "demo"}) {
            assertTrue(help.contains("  " + command + " "), help);
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
