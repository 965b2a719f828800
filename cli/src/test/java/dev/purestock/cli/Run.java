package dev.purestock.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;

import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** One in-process run of the command line: its exit code and what it printed. */
record Run(int code, String out, String err) {
    static Run of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = PurestockCli.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    /** The {@code key=value} lines of standard output. */
    Map<String, String> values() {
        return out.lines().filter(line -> line.contains("="))
                .collect(Collectors.toMap(line -> line.substring(0, line.indexOf('=')),
                        line -> line.substring(line.indexOf('=') + 1), (a, b) -> b));
    }

    /** Standard output parsed as one JSON object. */
    JsonObject json() {
        return parse(out.trim()).getAsJsonObject();
    }

    /** Standard output parsed as JSON Lines. */
    List<JsonObject> jsonLines() {
        return out.lines().map(line -> parse(line).getAsJsonObject()).toList();
    }

    /**
     * Standard error cut at line breaks only ({@code \r} stays inside the line, as a terminal shows a redrawn
     * progress bar on one line), without blank lines.
     */
    List<String> errLines() {
        return Arrays.stream(err.split("\r?\n", -1)).filter(line -> !line.isBlank()).toList();
    }

    /** The one line standard error holds besides progress bars; fails unless there is exactly one. */
    String errorLine() {
        List<String> lines = errLines().stream().filter(line -> !line.startsWith("\r")).toList();
        assertEquals(1, lines.size(), err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        return lines.getFirst();
    }

    /** Parses JSON of any depth: what purestock prints may nest as deep as a journaled batch. */
    static JsonElement parse(String text) {
        JsonReader reader = new JsonReader(new StringReader(text));
        reader.setNestingLimit(Integer.MAX_VALUE);
        return JsonParser.parseReader(reader);
    }
}
