package dev.csum.cli;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses and prints the sizes and durations operators type, fio style.
 *
 * <p>Sizes: plain bytes ({@code 4096}) or a number with a binary suffix, case-insensitive:
 * {@code k}/{@code KiB}/{@code KB} = 1024, {@code m}, {@code g}, {@code t}, {@code p} (so {@code 4k} = 4096,
 * {@code 1m} = 1048576, {@code 64g}). Like fio, {@code KB} also means 1024; there are no decimal
 * multiples. An optional trailing {@code b}/{@code B} is accepted ({@code 4kb}, {@code 512B}).
 * Fractions are refused ({@code 1.5k}): sizes must be exact.
 *
 * <p>Durations: a non-negative integer with a unit, {@code ms}, {@code s}, {@code m}, {@code h}
 * ({@code 500ms}, {@code 5s}, {@code 2m}); a bare number is seconds, as in fio's {@code runtime}.
 */
public final class Sizes {
    private Sizes() {
    }

    /** Bytes of {@code text}; an {@link IllegalArgumentException} saying what is wrong otherwise. */
    public static long parseBytes(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty size (expected bytes like 4096, 4k, 1m, 64g)");
        }
        String trimmed = text.trim();
        int digitsEnd = 0;
        while (digitsEnd < trimmed.length() && Character.isDigit(trimmed.charAt(digitsEnd))) {
            digitsEnd++;
        }
        if (digitsEnd == 0) {
            throw new IllegalArgumentException("'" + text + "' is not a size (expected bytes like 4096, 4k, 1m, 64g)");
        }
        String suffix = trimmed.substring(digitsEnd).toLowerCase(Locale.ROOT);
        int shift = switch (suffix) {
            case "", "b" -> 0;
            case "k", "kb", "kib" -> 10;
            case "m", "mb", "mib" -> 20;
            case "g", "gb", "gib" -> 30;
            case "t", "tb", "tib" -> 40;
            case "p", "pb", "pib" -> 50;
            default -> throw new IllegalArgumentException("'" + text + "' has an unknown size suffix '"
                + trimmed.substring(digitsEnd) + "' (use k, m, g, t or p: binary multiples)");
        };
        long number;
        try {
            number = Long.parseLong(trimmed.substring(0, digitsEnd));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large a size");
        }
        if (number > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + text + "' is too large a size");
        }
        return number << shift;
    }

    /** The duration of {@code text}; an {@link IllegalArgumentException} saying what is wrong otherwise. */
    public static Duration parseDuration(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty duration (expected e.g. 500ms, 5s, 2m)");
        }
        String trimmed = text.trim().toLowerCase(Locale.ROOT);
        int digitsEnd = 0;
        while (digitsEnd < trimmed.length() && Character.isDigit(trimmed.charAt(digitsEnd))) {
            digitsEnd++;
        }
        if (digitsEnd == 0) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (expected e.g. 500ms, 5s, 2m)");
        }
        long number;
        try {
            number = Long.parseLong(trimmed.substring(0, digitsEnd));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too long a duration");
        }
        String unit = trimmed.substring(digitsEnd);
        try {
            return switch (unit) {
                case "ms" -> Duration.ofMillis(number);
                case "", "s" -> Duration.ofSeconds(number);
                case "m", "min" -> Duration.ofMinutes(number);
                case "h" -> Duration.ofHours(number);
                default -> throw new IllegalArgumentException("'" + text + "' has an unknown duration unit '"
                    + unit + "' (use ms, s, m or h)");
            };
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too long a duration");
        }
    }

    /** {@code bytes} in the largest binary unit that keeps it readable: {@code 4 KiB}, {@code 1.5 GiB}. */
    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        if (value == Math.rint(value)) {
            return String.format(Locale.ROOT, "%d %s", (long) value, units[unit]);
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** picocli converter for size options. */
    public static final class BytesConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return parseBytes(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** picocli converter for duration options. */
    public static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return parseDuration(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
