package dev.csum.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hand-written binding must match the C ABI. This test walks every struct layout of the binding
 * and every constant, generates a C program that prints the C {@code sizeof}/{@code offsetof} of each
 * member and the value of each constant, compiles it with gcc twice — against the system
 * {@code <liburing.h>} and against {@code native-headers/csum_liburing.h} — runs both, and compares
 * each line with what Java computed. No gcc is a failure, not a skip.
 */
class LayoutAgainstSystemHeaderTest {

    private static final List<StructLayout> STRUCTS = List.of(
            IoUringLayouts.IO_URING_SQE, IoUringLayouts.IO_URING_CQE, IoUringLayouts.IO_SQRING_OFFSETS,
            IoUringLayouts.IO_CQRING_OFFSETS, IoUringLayouts.IO_URING_PARAMS, IoUringLayouts.IO_URING_SQ,
            IoUringLayouts.IO_URING_CQ, IoUringLayouts.IO_URING, LibcLayouts.STATX, LibcLayouts.STATX_TIMESTAMP,
            LibcLayouts.IOVEC, LibcLayouts.FLOCK);

    private static final List<Class<?>> CONSTANT_CLASSES =
            List.of(IoUringConstants.class, LibcConstants.class, Errno.class);

    /** Java-only conveniences with no C macro of that name. */
    private static final Set<String> NOT_C_MACROS = Set.of("MODE_0644");

    @TempDir
    Path workDirectory;

    @Test
    void everyStructMemberAndConstantMatchesTheSystemLiburingHeader() throws Exception {
        Map<String, Long> expected = javaFacts();
        assertTrue(expected.size() > 150, "the walk found the layouts: " + expected.size() + " facts");
        String includes = """
                #define _GNU_SOURCE
                #include <liburing.h>
                #include <errno.h>
                #include <fcntl.h>
                #include <sys/stat.h>
                #include <sys/ioctl.h>
                #include <sys/eventfd.h>
                #include <linux/fs.h>
                """;
        assertSameFacts(expected, runC("system", includes), "system <liburing.h>");
    }

    @Test
    void nativeHeadersFileDeclaresTheSameAbi() throws Exception {
        Path header = Path.of("native-headers/csum_liburing.h").toAbsolutePath();
        assertTrue(Files.isRegularFile(header), header + " exists");
        String includes = "#include \"" + header + "\"\n#include <errno.h>\n";
        assertSameFacts(javaFacts(), runC("native_headers", includes), header.toString());
    }

    @Test
    void aWrongJavaOffsetWouldBeCaught() throws Exception {
        // The comparison itself must be able to fail: shift one fact and expect a mismatch report.
        Map<String, Long> wrong = new LinkedHashMap<>(javaFacts());
        wrong.computeIfPresent("offsetof(struct io_uring_sqe, user_data)", (key, value) -> value + 8);
        Map<String, Long> actual = runC("system_wrong", "#define _GNU_SOURCE\n#include <liburing.h>\n"
                + "#include <errno.h>\n#include <sys/eventfd.h>\n#include <linux/fs.h>\n");
        List<String> mismatches = mismatches(wrong, actual);
        assertEquals(List.of("offsetof(struct io_uring_sqe, user_data): Java 40, C 32"), mismatches);
    }

    // ---- Java side ------------------------------------------------------------------------------

    private static Map<String, Long> javaFacts() throws IllegalAccessException {
        Map<String, Long> facts = new LinkedHashMap<>();
        for (StructLayout struct : STRUCTS) {
            String type = "struct " + struct.name().orElseThrow();
            facts.put("sizeof(" + type + ")", struct.byteSize());
            walk(type, "", struct, 0, facts);
        }
        for (Class<?> holder : CONSTANT_CLASSES) {
            for (Field field : holder.getDeclaredFields()) {
                int modifiers = field.getModifiers();
                if (!Modifier.isPublic(modifiers) || !Modifier.isStatic(modifiers) || !Modifier.isFinal(modifiers)
                        || NOT_C_MACROS.contains(field.getName())) {
                    continue;
                }
                Object value = field.get(null);
                if (value instanceof Number number) {
                    facts.put("constant " + field.getName(), number.longValue());
                }
            }
        }
        return facts;
    }

    private static void walk(String type, String prefix, GroupLayout group, long baseOffset, Map<String, Long> facts) {
        long offset = 0;
        for (MemoryLayout member : group.memberLayouts()) {
            if (!(member instanceof PaddingLayout)) {
                String path = prefix + member.name().orElseThrow(() -> new AssertionError("unnamed member in " + type));
                facts.put("offsetof(" + type + ", " + path + ")", baseOffset + offset);
                facts.put("sizeof(((" + type + " *) 0)->" + path + ")", member.byteSize());
                if (member instanceof GroupLayout nested) {
                    walk(type, path + ".", nested, baseOffset + offset, facts);
                }
            }
            offset += member.byteSize();
        }
    }

    // ---- C side ---------------------------------------------------------------------------------

    private Map<String, Long> runC(String name, String includes) throws Exception {
        Map<String, Long> facts = javaFacts();
        var program = new StringBuilder(includes).append("#include <stddef.h>\n#include <stdio.h>\nint main(void) {\n");
        for (String key : facts.keySet()) {
            String expression;
            if (key.startsWith("constant ")) {
                expression = key.substring("constant ".length());
            } else if (key.startsWith("offsetof(")) {
                expression = key; // offsetof(struct x, a.b) is accepted by gcc
            } else {
                expression = key;
            }
            program.append("    printf(\"%s=%lld\\n\", \"").append(key).append("\", (long long) (")
                    .append(expression).append("));\n");
        }
        program.append("    return 0;\n}\n");
        Path source = workDirectory.resolve(name + ".c");
        Path binary = workDirectory.resolve(name);
        Files.writeString(source, program);
        run(List.of("gcc", "-std=gnu11", "-Wall", "-Werror", "-o", binary.toString(), source.toString()), "gcc");
        String output = run(List.of(binary.toString()), name);
        Map<String, Long> actual = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int equals = line.lastIndexOf('=');
            actual.put(line.substring(0, equals), Long.parseLong(line.substring(equals + 1)));
        }
        return actual;
    }

    private static String run(List<String> command, String what) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException notFound) {
            fail("gcc is missing: the binding-vs-header test compiles C against <liburing.h>; "
                    + "install it with 'apt-get install gcc liburing-dev' (" + notFound.getMessage() + ")");
            throw notFound;
        }
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), what + " finished");
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), what + " failed:\n" + text);
        return text;
    }

    private static void assertSameFacts(Map<String, Long> expected, Map<String, Long> actual, String against) {
        List<String> mismatches = mismatches(expected, actual);
        if (!mismatches.isEmpty()) {
            fail("binding differs from " + against + ":\n  " + String.join("\n  ", mismatches));
        }
    }

    private static List<String> mismatches(Map<String, Long> expected, Map<String, Long> actual) {
        List<String> mismatches = new ArrayList<>();
        expected.forEach((key, javaValue) -> {
            Long cValue = actual.get(key);
            if (!javaValue.equals(cValue)) {
                mismatches.add(key + ": Java " + javaValue + ", C " + cValue);
            }
        });
        return mismatches;
    }
}
