package dev.purestock.replication;

import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A primary replicates a one-shard engine: a sharded one is refused as the primary configures its builder, before
 * a journaled engine touches its directory, so the corrected start on the same directory, with the same primary,
 * goes ahead. (It used to be refused as the engine was built: the directory then held a two-shard layout and the
 * primary counted itself attached to an engine that never ran.)
 */
class PrimaryConfigureTest {
    @TempDir
    Path root;

    @Test
    void aShardedEngineIsRefusedBeforeTheDirectoryIsTouchedAndThePrimaryStaysFree() {
        Path dir = root.resolve("primary");
        try (Primary primary = Primary.builder(dir).listen("localhost:0").termLength(1 << 20).start()) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> JournaledEngine.builder(dir).shards(2).engine(primary::configure).start());
            assertTrue(refused.getMessage().contains("one-shard engine"), refused.getMessage());
            assertFalse(Files.exists(dir.resolve("purestock-shards.properties")), "no layout was written");

            JournaledEngine.builder(dir).engine(primary::configure).start().close();
        }
    }
}
