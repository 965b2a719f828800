package dev.purestock.cli;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code purestock demo --metrics}: the engine's metrics agree with what the demo itself counted. */
class DemoMetricsTest {
    @TempDir
    Path tmp;

    @Test
    void theMetricsCountEveryCommandTheDemoSequencedAndItsRejections() {
        Run run = Run.of("demo", "--journal", tmp.resolve("sale").toString(), "--skus", "3", "--stock", "4",
                "--attempts", "40", "--snapshot-every", "0", "--metrics", "--json");
        assertEquals(0, run.code(), run.err());
        JsonObject demo = run.json();
        String shard = "metrics.shard.0.";

        long commands = demo.get("commands").getAsLong();
        long rejected = demo.get("rejected").getAsLong();
        assertEquals(12, demo.get("accepted").getAsLong(), "three skus of four units sell out");
        // the demo's orders stay inside their window and it holds nothing for later: no time command falls due
        long sequenced = demo.get(shard + "commands-sequenced").getAsLong();
        assertEquals(commands, sequenced);
        assertEquals(rejected, demo.get(shard + "commands-rejected").getAsLong());
        assertEquals(sequenced - rejected, demo.get(shard + "commands-accepted").getAsLong());
        assertEquals(demo.get("rejected.OUT_OF_STOCK").getAsLong(), demo.get(shard + "rejected.OUT_OF_STOCK").getAsLong());
        assertEquals(sequenced, demo.get(shard + "journal-append.count").getAsLong()
                + demo.get(shard + "journal-sync.count").getAsLong(), "every journaled command was timed once");
        assertTrue(demo.get(shard + "journal-sync.max-ns").getAsLong() > 0);
        assertEquals(1, demo.get(shard + "snapshots-written").getAsLong(), "the snapshot the demo ends with");
        assertFalse(demo.get(shard + "snapshots-unavailable").getAsBoolean(), "the snapshot stage kept its copy");
        assertFalse(demo.has(shard + "snapshots-unavailable-reason"), "no reason while snapshots are available");
        assertEquals("CLOSED", demo.get(shard + "health").getAsString());
        for (String stage : List.of("decide", "journal", "apply", "complete")) {
            assertEquals(0, demo.get(shard + "lag." + stage).getAsLong(), "closed: " + stage + " passed every slot");
        }
        assertEquals(demo.get(shard + "ring-size").getAsLong(), demo.get(shard + "ring-remaining").getAsLong());
    }

    @Test
    void withoutJsonTheMetricsAreKeyValueLinesAndWithoutTheFlagThereAreNone() {
        Map<String, String> values = Run.of("demo", "--journal", tmp.resolve("text").toString(), "--skus", "2",
                "--attempts", "10", "--metrics").values();
        assertTrue(Long.parseLong(values.get("metrics.shard.0.commands-sequenced"))
                >= Long.parseLong(values.get("commands")), values.toString());

        Map<String, String> plain = Run.of("demo", "--journal", tmp.resolve("plain").toString(), "--skus", "2",
                "--attempts", "10").values();
        assertFalse(plain.keySet().stream().anyMatch(key -> key.startsWith("metrics.")), plain.toString());
    }
}
