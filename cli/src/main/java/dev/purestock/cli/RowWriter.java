package dev.purestock.cli;

import com.google.gson.stream.JsonWriter;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;
import java.util.Locale;

/**
 * Writes {@link EventRows} rows as they come, one line each, holding nothing but the row at hand: CSV (RFC 4180,
 * a header line of the column names, an empty cell for a missing value) or JSON Lines (one object per row, every
 * column a key, {@code null} for a missing value; Gson escapes the strings).
 */
abstract sealed class RowWriter implements EventRows.Sink {
    /** The formats {@code export} writes. */
    enum Format {
        /** Comma-separated values with a header line. */
        CSV,
        /** One JSON object per line. */
        JSONL;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    final Writer out;
    private long rows;

    RowWriter(Writer out) {
        this.out = out;
    }

    /** A writer of {@code format} to {@code out}; a CSV writer writes its header first. */
    static RowWriter of(Format format, Writer out) {
        RowWriter writer = format == Format.CSV ? new Csv(out) : new JsonLines(out);
        writer.start();
        return writer;
    }

    @Override
    public final void row(Object[] values) {
        try {
            write(values);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the export: " + e.getMessage(), e);
        }
        rows++;
    }

    /** The rows written. */
    final long rows() {
        return rows;
    }

    /** Flushes what is buffered. */
    final void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the export: " + e.getMessage(), e);
        }
    }

    /**
     * Whether the output is gone: standard output, a {@link PrintWriter} that keeps its errors, closed by
     * its reader ({@code export ... | head}); flushes it to find out.
     */
    final boolean closed() {
        return out instanceof PrintWriter printed && printed.checkError();
    }

    void start() {
    }

    abstract void write(Object[] values) throws IOException;

    /** CSV, RFC 4180: a cell holding a comma, a quote or a line break is quoted, its quotes doubled. */
    static final class Csv extends RowWriter {
        Csv(Writer out) {
            super(out);
        }

        @Override
        void start() {
            try {
                out.write(String.join(",", EventRows.COLUMNS));
                out.write('\n');
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the export: " + e.getMessage(), e);
            }
        }

        @Override
        void write(Object[] values) throws IOException {
            for (int i = 0; i < values.length; i++) {
                if (i > 0) {
                    out.write(',');
                }
                if (values[i] != null) {
                    out.write(cell(String.valueOf(values[i])));
                }
            }
            out.write('\n');
        }

        static String cell(String value) {
            if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0
                    && value.indexOf('\r') < 0) {
                return value;
            }
            return '"' + value.replace("\"", "\"\"") + '"';
        }
    }

    /** JSON Lines: numbers as numbers, flags as booleans, names and times as strings, a missing value as null. */
    static final class JsonLines extends RowWriter {
        private static final List<String> KEYS = EventRows.COLUMNS;

        JsonLines(Writer out) {
            super(out);
        }

        @Override
        void write(Object[] values) throws IOException {
            JsonWriter json = new JsonWriter(out);
            json.setHtmlSafe(false);
            json.beginObject();
            for (int i = 0; i < values.length; i++) {
                json.name(KEYS.get(i));
                switch (values[i]) {
                    case null -> json.nullValue();
                    case Number number -> json.value(number);
                    case Boolean flag -> json.value(flag);
                    case Object other -> json.value(String.valueOf(other));
                }
            }
            json.endObject();
            out.write('\n');
        }
    }
}
