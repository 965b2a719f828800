package dev.purestock.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/** Ordered {@code key=value} results, printed as lines or as one JSON object. */
final class Summary {
    private final Map<String, Object> values = new LinkedHashMap<>();

    Summary put(String key, Object value) {
        values.put(key, value);
        return this;
    }

    void print(PrintWriter out, boolean json) {
        if (json) {
            StringBuilder text = new StringBuilder("{");
            values.forEach((key, value) -> {
                if (text.length() > 1) {
                    text.append(',');
                }
                text.append('"').append(key).append("\":");
                if (value instanceof Number || value instanceof Boolean) {
                    text.append(value);
                } else {
                    text.append('"').append(String.valueOf(value).replace("\\", "\\\\").replace("\"", "\\\""))
                            .append('"');
                }
            });
            out.println(text.append('}'));
        } else {
            values.forEach((key, value) -> out.println(key + "=" + value));
        }
        out.flush();
    }
}
