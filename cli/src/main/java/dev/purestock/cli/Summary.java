package dev.purestock.cli;

import com.google.gson.stream.JsonWriter;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ordered {@code key=value} results, printed as lines or as one JSON object. Every subcommand's
 * {@code --json} goes through here: Gson's {@link JsonWriter} writes the object, so a value holding a quote, a
 * backslash or any control character (a journal path may hold a newline) is escaped, never copied through.
 */
final class Summary {
    private final Map<String, Object> values = new LinkedHashMap<>();

    Summary put(String key, Object value) {
        values.put(key, value);
        return this;
    }

    void print(PrintWriter out, boolean json) {
        if (json) {
            out.println(json());
        } else {
            values.forEach((key, value) -> out.println(key + "=" + value));
        }
        out.flush();
    }

    /** The values as one JSON object on one line: numbers and booleans as such, {@code null}, else strings. */
    String json() {
        StringWriter text = new StringWriter();
        try (JsonWriter writer = new JsonWriter(text)) {
            writer.setHtmlSafe(false);
            writer.beginObject();
            for (Map.Entry<String, Object> entry : values.entrySet()) {
                writer.name(entry.getKey());
                switch (entry.getValue()) {
                    case null -> writer.nullValue();
                    case Number number -> writer.value(number);
                    case Boolean flag -> writer.value(flag);
                    case Object other -> writer.value(String.valueOf(other));
                }
            }
            writer.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to a string", e);
        }
        return text.toString();
    }
}
