package dev.csum.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny JSON writer for the commands' {@code --json} output: objects keep insertion order, and
 * the whole document is one line (easy to pipe into {@code jq} or read line by line).
 */
final class Json {
    private final Map<String, Object> fields = new LinkedHashMap<>();

    static Json object() {
        return new Json();
    }

    /** Adds a field: a String, Number, Boolean, null, {@link Json}, or a List of those. */
    Json put(String name, Object value) {
        fields.put(name, value);
        return this;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        write(text, this);
        return text.toString();
    }

    private static void write(StringBuilder text, Object value) {
        switch (value) {
            case null -> text.append("null");
            case Json json -> {
                text.append('{');
                boolean first = true;
                for (Map.Entry<String, Object> field : json.fields.entrySet()) {
                    if (!first) {
                        text.append(',');
                    }
                    first = false;
                    string(text, field.getKey());
                    text.append(':');
                    write(text, field.getValue());
                }
                text.append('}');
            }
            case List<?> list -> {
                text.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        text.append(',');
                    }
                    write(text, list.get(i));
                }
                text.append(']');
            }
            case Double number -> {
                if (!Double.isFinite(number)) {
                    text.append("null");
                } else if (number == Math.rint(number) && Math.abs(number) < 1e15) {
                    text.append((long) (double) number);
                } else {
                    text.append(number);
                }
            }
            case Float number -> write(text, (double) number);
            case Number number -> text.append(number);
            case Boolean flag -> text.append(flag);
            default -> string(text, value.toString());
        }
    }

    private static void string(StringBuilder text, String value) {
        text.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> text.append("\\\"");
                case '\\' -> text.append("\\\\");
                case '\n' -> text.append("\\n");
                case '\r' -> text.append("\\r");
                case '\t' -> text.append("\\t");
                default -> {
                    if (c < 0x20) {
                        text.append(String.format("\\u%04x", (int) c));
                    } else {
                        text.append(c);
                    }
                }
            }
        }
        text.append('"');
    }
}
