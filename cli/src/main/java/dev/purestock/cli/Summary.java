package dev.purestock.cli;

import com.google.gson.stream.JsonWriter;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ordered {@code key=value} results, printed as lines or as one JSON object. Every subcommand's
 * {@code --json} goes through here: Gson's {@link JsonWriter} writes the object, so a value holding a quote, a
 * backslash or any control character (a journal path may hold a newline) is escaped, never copied through.
 *
 * <p>A sharded journal's results hold one summary per shard ({@link #putShards}): lines
 * {@code shard.N.key=value}, and in JSON an array {@code "shards"} of objects that each start with
 * {@code "shard": N}.
 */
final class Summary {
    private static final String SHARD = "shard";
    private final Map<String, Object> values = new LinkedHashMap<>();

    Summary put(String key, Object value) {
        values.put(key, value);
        return this;
    }

    /** The value put under {@code key}, {@code null} for none. */
    Object get(String key) {
        return values.get(key);
    }

    /**
     * Adds the results of each shard, in the order given, under {@code "shards"}.
     *
     * @param shards one summary per shard, each starting with its {@code "shard"} number
     */
    Summary putShards(List<Summary> shards) {
        for (Summary shard : shards) {
            if (!(shard.values.get(SHARD) instanceof Integer)) {
                throw new IllegalArgumentException("a shard's summary starts with its shard number: " + shard.values);
            }
        }
        values.put("shards", new Nested(List.copyOf(shards), SHARD));
        return this;
    }

    /**
     * Adds a list of items under {@code name}: in JSON an array of objects; as lines {@code name.I.key=value}, the
     * items numbered from 0.
     */
    Summary putList(String name, List<Summary> items) {
        values.put(name, new Nested(List.copyOf(items), null));
        return this;
    }

    void print(PrintWriter out, boolean json) {
        if (json) {
            out.println(json());
        } else {
            values.forEach((key, value) -> {
                if (value instanceof Nested nested) {
                    for (int i = 0; i < nested.items().size(); i++) {
                        Summary item = nested.items().get(i);
                        String label = nested.label();
                        String prefix = (label != null ? label + "." + item.values.get(label) : key + "." + i) + ".";
                        item.values.forEach((itemKey, itemValue) -> {
                            if (!itemKey.equals(label)) {
                                out.println(prefix + itemKey + "=" + itemValue);
                            }
                        });
                    }
                } else {
                    out.println(key + "=" + value);
                }
            });
        }
        out.flush();
    }

    /** The values as one JSON object on one line: numbers and booleans as such, {@code null}, else strings. */
    String json() {
        StringWriter text = new StringWriter();
        try (JsonWriter writer = new JsonWriter(text)) {
            writer.setHtmlSafe(false);
            write(writer);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to a string", e);
        }
        return text.toString();
    }

    private void write(JsonWriter writer) throws IOException {
        writer.beginObject();
        for (Map.Entry<String, Object> entry : values.entrySet()) {
            writer.name(entry.getKey());
            switch (entry.getValue()) {
                case null -> writer.nullValue();
                case Number number -> writer.value(number);
                case Boolean flag -> writer.value(flag);
                case Nested nested -> {
                    writer.beginArray();
                    for (Summary item : nested.items()) {
                        item.write(writer);
                    }
                    writer.endArray();
                }
                case Object other -> writer.value(String.valueOf(other));
            }
        }
        writer.endObject();
    }

    /**
     * A list of summaries: the shards' (each labelled by its {@code "shard"} value in lines) or any other
     * ({@code label} {@code null}: numbered in lines).
     */
    private record Nested(List<Summary> items, String label) {
    }
}
