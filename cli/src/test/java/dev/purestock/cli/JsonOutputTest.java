package dev.purestock.cli;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every subcommand prints its summary as one JSON object with {@code --json}, and that object parses with the
 * values it names intact, whatever characters they hold: the journal directory here has a quote, a backslash,
 * a tab, a newline, a control character and non-ASCII letters in its name.
 */
class JsonOutputTest {
    private static final String AWKWARD_NAME = "sale \"drop\" \\ tab\tnew\nline\u0001bell\u007f-ÄÖ-✓";

    @TempDir
    Path tmp;

    @Test
    void everySummaryIsOneParsableJsonObjectThatKeepsTheJournalPath() throws Exception {
        Path dir = tmp.resolve(AWKWARD_NAME);
        JsonObject demo = json("demo", "--journal", dir.toString(), "--skus", "2", "--stock", "3", "--attempts", "20",
                "--snapshot-every", "0", "--json");
        assertEquals(6, demo.get("accepted").getAsLong(), "both skus sell out");
        assertEquals(0, demo.get("oversold").getAsLong());
        assertTrue(Files.isDirectory(dir), "the demo journaled into the awkward directory");

        for (String command : List.of("verify", "stats", "replay", "repair")) {
            JsonObject summary = json(command, "--journal", dir.toString(), "--json");
            assertEquals(dir.toString(), summary.get("journal").getAsString(), command);
        }
        assertEquals("ok", json("verify", "--journal", dir.toString(), "--json").get("result").getAsString());
        assertEquals(demo.get("state-hash").getAsString(),
                json("replay", "--journal", dir.toString(), "--json").get("state-hash").getAsString());

        JsonObject snapshot = json("snapshot", "--journal", dir.toString(), "--json");
        Path file = Path.of(snapshot.get("snapshot").getAsString());
        assertTrue(Files.isRegularFile(file), "the snapshot's path survives the JSON round trip: " + file);
        assertTrue(file.startsWith(dir), file + " lies in the journal directory");
        assertEquals(demo.get("last-sequence").getAsLong(), snapshot.get("last-sequence").getAsLong());

        JsonObject prune = json("prune", "--journal", dir.toString(), "--json");
        assertEquals(1, prune.get("snapshots-kept").getAsLong());
    }

    @Test
    void theWriterEscapesEveryControlCharacter() {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x20; c++) {
            all.append(c);
        }
        String text = new Summary().put("text", all + "\u007f\u2028\u2029\"\\").put("n", 7).put("none", null)
                .put("flag", true).json();
        assertTrue(text.chars().noneMatch(c -> c < 0x20), "no raw control character in " + text.replace('\n', '?'));
        JsonObject parsed = Run.parse(text).getAsJsonObject();
        assertEquals(all + "\u007f\u2028\u2029\"\\", parsed.get("text").getAsString());
        assertEquals(7, parsed.get("n").getAsLong());
        assertTrue(parsed.get("none").isJsonNull());
        assertTrue(parsed.get("flag").getAsBoolean());
    }

    private static JsonObject json(String... args) {
        Run run = Run.of(args);
        assertEquals(0, run.code(), args[0] + ": " + run.err());
        assertEquals(1, run.out().lines().count(), args[0] + " prints one line: " + run.out());
        return run.json();
    }
}
