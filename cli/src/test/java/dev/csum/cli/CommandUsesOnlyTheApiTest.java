package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The command is built on the library's public API alone (the packages its module exports): no
 * source file of the command names an internal package. The library's jar is on the command's class
 * path, where the module's encapsulation does not apply, so this is checked here.
 */
class CommandUsesOnlyTheApiTest {
    private static final Pattern INTERNAL = Pattern.compile(
        "\\bdev\\.csum\\.(engine|format|io|uring|checksum|torture|internal)\\.");

    @Test
    void noSourceFileOfTheCommandNamesAnInternalPackage() throws Exception {
        Path sources = Path.of("src/main/java/dev/csum/cli");
        List<String> found = new ArrayList<>();
        int files = 0;
        try (Stream<Path> walk = Files.walk(sources)) {
            for (Path file : (Iterable<Path>) walk.filter(p -> p.toString().endsWith(".java"))::iterator) {
                files++;
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher matcher = INTERNAL.matcher(lines.get(i));
                    if (matcher.find()) {
                        found.add(file.getFileName() + ":" + (i + 1) + ": " + lines.get(i).strip());
                    }
                }
            }
        }
        assertTrue(files > 10, "the walk found the command's sources: " + files);
        assertEquals(List.of(), found, "internal packages named by the command");
    }
}
