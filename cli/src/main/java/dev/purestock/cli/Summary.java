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
        values.put("shards", new PerShard(List.copyOf(shards)));
        return this;
    }

    void print(PrintWriter out, boolean json) {
        if (json) {
            out.println(json());
        } else {
            values.forEach((key, value) -> {
                if (value instanceof PerShard perShard) {
                    for (Summary shard : perShard.shards()) {
                        String prefix = SHARD + "." + shard.values.get(SHARD) + ".";
                        shard.values.forEach((shardKey, shardValue) -> {
                            if (!shardKey.equals(SHARD)) {
                                out.println(prefix + shardKey + "=" + shardValue);
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
                case PerShard perShard -> {
                    writer.beginArray();
                    for (Summary shard : perShard.shards()) {
                        shard.write(writer);
                    }
                    writer.endArray();
                }
                case Object other -> writer.value(String.valueOf(other));
            }
        }
        writer.endObject();
    }

    /** The summaries of the shards, one each. */
    private record PerShard(List<Summary> shards) {
    }
}
