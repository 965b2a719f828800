package dev.purestock.cli;

import com.google.gson.JsonObject;
import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.engine.EngineRefusal;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A command whose decide threw is journaled as the engine answered it, {@code Rejected(INTERNAL_ERROR)}, in the
 * bytes journals have always held for it (reason code 23): every reading subcommand shows it as before.
 */
class EngineRefusalJournalTest {
    private static final long TIME = 1_700_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void aCommandWhoseDecideThrewIsDumpedCountedAndReplayedAndVerifyNamesItOnceItDecides() {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            writer.onDecided(0, TIME, new Command.ListProduct(1, 0), List.of(new Event.ProductListed(1, 0)), true);
            writer.onDecided(1, TIME + 1, new Command.Purchase(5, 1, 1, 1, 1),
                    List.of(new Event.Rejected(EngineRefusal.INTERNAL_ERROR, 5)), true);
        }

        Run text = Run.of("dump", "--journal", dir.toString());
        assertEquals(0, text.code(), text.err());
        String refused = text.out().lines().toList().get(1);
        assertTrue(refused.endsWith(" events=[Rejected[reason=INTERNAL_ERROR, ref=5]]"), refused);

        Run json = Run.of("dump", "--journal", dir.toString(), "--json");
        assertEquals(0, json.code(), json.err());
        JsonObject event = json.jsonLines().get(1).getAsJsonArray("events").get(0).getAsJsonObject();
        assertEquals("Rejected", event.get("type").getAsString());
        assertEquals("INTERNAL_ERROR", event.get("reason").getAsString());
        assertEquals(5, event.get("ref").getAsLong());

        Run stats = Run.of("stats", "--journal", dir.toString());
        assertEquals(0, stats.code(), stats.err());
        assertEquals("1", stats.values().get("accepted"));
        assertEquals("1", stats.values().get("rejected"));
        assertEquals("1", stats.values().get("rejected.INTERNAL_ERROR"));

        Run replay = Run.of("replay", "--journal", dir.toString(), "--full");
        assertEquals(0, replay.code(), replay.err());
        assertEquals("2", replay.values().get("records"));

        Run verify = Run.of("verify", "--journal", dir.toString());
        assertEquals(PurestockCli.FAILED, verify.code(), "deciding the purchase no longer throws");
        assertTrue(verify.err().contains("it decides to [Rejected[reason=UNKNOWN_WAREHOUSE, ref=5]] but was journaled as "
                + "seq=1"), verify.err());
    }
}
