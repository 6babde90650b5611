package dev.csum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The rule of issue 12 §2: an embedder sees only API types. No public or protected member of a
 * public class in the API packages ({@code dev.csum}, {@code dev.csum.metrics}, {@code dev.csum.testkit},
 * {@code dev.csum.nbd})
 * mentions a type of an internal package, and the layers below the API never reach up into it.
 */
class PublicApiRuleTest {
    private static final List<String> API_PACKAGES = List.of("dev.csum", "dev.csum.metrics", "dev.csum.testkit",
        "dev.csum.nbd");
    private static final List<String> INTERNAL_PACKAGES = List.of("dev.csum.engine", "dev.csum.format",
        "dev.csum.io", "dev.csum.uring", "dev.csum.checksum", "dev.csum.torture", "dev.csum.cli", "dev.csum.internal");

    @Test
    void noPublicSignatureInTheApiPackagesMentionsAnInternalType() throws Exception {
        List<Class<?>> classes = publicApiClasses();
        assertTrue(classes.stream().anyMatch(type -> type == Volume.class), "the scan found the API classes");
        List<String> violations = new ArrayList<>();
        for (Class<?> type : classes) {
            check(violations, type, "extends", type.getGenericSuperclass());
            for (Type implemented : type.getGenericInterfaces()) {
                check(violations, type, "implements", implemented);
            }
            for (Method method : type.getDeclaredMethods()) {
                if (visible(method) && !method.isSynthetic() && !method.isBridge()) {
                    checkExecutable(violations, type, method);
                    check(violations, type, method.getName() + " returns", method.getGenericReturnType());
                }
            }
            for (Constructor<?> constructor : type.getDeclaredConstructors()) {
                if (visible(constructor) && !constructor.isSynthetic()) {
                    checkExecutable(violations, type, constructor);
                }
            }
            for (Field field : type.getDeclaredFields()) {
                if (visible(field) && !field.isSynthetic()) {
                    check(violations, type, "field " + field.getName(), field.getGenericType());
                }
            }
            if (type.isRecord()) {
                for (RecordComponent component : type.getRecordComponents()) {
                    check(violations, type, "record component " + component.getName(), component.getGenericType());
                }
            }
        }
        assertEquals(List.of(), violations, "public API signatures that mention internal types");
    }

    @Test
    void theLayersBelowTheApiReferOnlyToLayersBelowThemselves() throws IOException {
        // Arrows point one way: api -> engine -> format -> checksum -> io -> uring (format uses the
        // checksum algorithms; a layer may skip layers below it). The API and everything built on it
        // (internal, metrics, testkit, torture, cli) are above them all.
        List<String> layersBottomUp = List.of("uring", "io", "checksum", "format", "engine");
        Pattern reference = Pattern.compile("dev\\.csum\\.(?:([a-z]+)\\.)?([A-Z][A-Za-z0-9]*)");
        List<String> violations = new ArrayList<>();
        int filesRead = 0;
        for (String layer : layersBottomUp) {
            Path directory = Path.of("src/main/java/dev/csum", layer);
            assertTrue(Files.isDirectory(directory), directory + " (tests run in the project directory)");
            try (Stream<Path> files = Files.list(directory)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    filesRead++;
                    Matcher matcher = reference.matcher(Files.readString(file));
                    while (matcher.find()) {
                        String target = matcher.group(1) == null ? "" : matcher.group(1);
                        int targetRank = layersBottomUp.indexOf(target); // -1: the API or above it
                        if (!target.equals(layer) && (targetRank < 0 || targetRank > layersBottomUp.indexOf(layer))) {
                            violations.add(file + " refers to " + matcher.group());
                        }
                    }
                }
            }
        }
        assertTrue(filesRead > 30, "read the lower layers' sources: " + filesRead);
        assertEquals(List.of(), violations, "lower layers that reach up");
    }

    /** The NBD server is a consumer of the public API: its sources name no internal package. */
    @Test
    void theNbdServerUsesOnlyThePublicApi() throws IOException {
        Path directory = Path.of("src/main/java/dev/csum/nbd");
        Pattern internal = Pattern.compile("dev\\.csum\\.(engine|format|io|uring|checksum|torture|internal|cli)\\b");
        List<String> violations = new ArrayList<>();
        int filesRead = 0;
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                filesRead++;
                Matcher matcher = internal.matcher(Files.readString(file));
                while (matcher.find()) {
                    violations.add(file + " refers to " + matcher.group());
                }
            }
        }
        assertTrue(filesRead > 5, "read the nbd sources: " + filesRead);
        assertEquals(List.of(), violations, "the NBD server reaching past the public API");
    }

    private static boolean visible(Member member) {
        return Modifier.isPublic(member.getModifiers()) || Modifier.isProtected(member.getModifiers());
    }

    private static void checkExecutable(List<String> violations, Class<?> owner, Executable executable) {
        String name = executable instanceof Constructor<?> ? "constructor" : executable.getName();
        for (Type parameter : executable.getGenericParameterTypes()) {
            check(violations, owner, name + " takes", parameter);
        }
        for (Type thrown : executable.getGenericExceptionTypes()) {
            check(violations, owner, name + " throws", thrown);
        }
        for (TypeVariable<?> variable : executable.getTypeParameters()) {
            check(violations, owner, name + " type parameter", variable);
        }
    }

    private static void check(List<String> violations, Class<?> owner, String where, Type type) {
        Set<Class<?>> mentioned = new HashSet<>();
        collect(type, mentioned, new HashSet<>());
        for (Class<?> each : mentioned) {
            if (INTERNAL_PACKAGES.contains(each.getPackageName())) {
                violations.add(owner.getName() + ": " + where + " " + each.getName());
            }
        }
    }

    private static void collect(Type type, Set<Class<?>> into, Set<Type> seen) {
        if (type == null || !seen.add(type)) {
            return;
        }
        switch (type) {
            case Class<?> plain -> {
                Class<?> element = plain;
                while (element.isArray()) {
                    element = element.getComponentType();
                }
                into.add(element);
            }
            case ParameterizedType parameterized -> {
                collect(parameterized.getRawType(), into, seen);
                collect(parameterized.getOwnerType(), into, seen);
                for (Type argument : parameterized.getActualTypeArguments()) {
                    collect(argument, into, seen);
                }
            }
            case WildcardType wildcard -> {
                for (Type bound : wildcard.getUpperBounds()) {
                    collect(bound, into, seen);
                }
                for (Type bound : wildcard.getLowerBounds()) {
                    collect(bound, into, seen);
                }
            }
            case TypeVariable<?> variable -> {
                for (Type bound : variable.getBounds()) {
                    collect(bound, into, seen);
                }
            }
            case GenericArrayType array -> collect(array.getGenericComponentType(), into, seen);
            default -> throw new AssertionError("unexpected kind of type " + type);
        }
    }

    /** Every public class (nested ones of public classes included) of the API packages, from the build output. */
    private static List<Class<?>> publicApiClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Path.of(Volume.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Class<?>> classes = new ArrayList<>();
        for (String packageName : API_PACKAGES) {
            Path directory = root.resolve(packageName.replace('.', '/'));
            if (!Files.isDirectory(directory)) {
                continue; // a package not written yet has no public types
            }
            try (Stream<Path> files = Files.list(directory)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                    String simpleName = file.getFileName().toString().replace(".class", "");
                    Class<?> type = Class.forName(packageName + "." + simpleName, false,
                        PublicApiRuleTest.class.getClassLoader());
                    if (accessible(type)) {
                        classes.add(type);
                    }
                }
            }
        }
        return classes;
    }

    private static boolean accessible(Class<?> type) {
        for (Class<?> each = type; each != null; each = each.getDeclaringClass()) {
            if (!Modifier.isPublic(each.getModifiers()) || each.isAnonymousClass() || each.isLocalClass()
                || each.isSynthetic()) {
                return false;
            }
        }
        return true;
    }
}
