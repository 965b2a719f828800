package dev.purestock.cli;

import com.google.gson.JsonObject;
import dev.purestock.domain.Command;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.replication.Primary;
import dev.purestock.replication.ReplicationMode;
import dev.purestock.replication.Standby;
import dev.purestock.replication.StatusFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code purestock status} on the journals of a primary and its standby, and on one without replication. */
class StatusCommandTest {
    @TempDir
    Path primaryDir;
    @TempDir
    Path standbyDir;
    @TempDir
    Path plainDir;

    @Test
    void statusShowsTheRoleEpochLastSequenceAndLagEachSideLastWrote() throws Exception {
        long last;
        try (Primary primary = Primary.builder(primaryDir).listen("localhost:0").mode(ReplicationMode.SYNC)
                .termLength(1 << 20).start();
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start();
             JournaledEngine journaled = JournaledEngine.builder(primaryDir)
                     .engine(b -> primary.configure(b.waitStrategy(WaitStrategyKind.BLOCKING))).start()) {
            journaled.engine().submit(new Command.ListProduct(7, 5)).join();
            Outcome outcome = journaled.engine().submit(new Command.ReceiveStock(1, 7, 1, 50)).join();
            last = outcome.sequence();
            assertTrue(standby.awaitSequence(last, Duration.ofSeconds(5)));
        }

        JsonObject standby = Run.of("status", "--journal", standbyDir.toString(), "--json").json();
        assertEquals("standby", standby.get("role").getAsString());
        assertEquals(0, standby.get("epoch").getAsLong());
        assertEquals(last, standby.get("last-seq").getAsLong());
        assertEquals(last, standby.get("replicated-last-seq").getAsLong());
        assertEquals(0, standby.get("lag-records").getAsLong());
        assertEquals(-1, standby.get("last-snapshot-seq").getAsLong(), "a standby that cuts no snapshots");
        assertFalse(standby.get("connected").getAsBoolean(), "written as it closed");

        JsonObject primary = Run.of("status", "--journal", primaryDir.toString(), "--json").json();
        assertEquals("primary", primary.get("role").getAsString());
        assertEquals("SYNC", primary.get("mode").getAsString());
        assertEquals(last, primary.get("acked-seq").getAsLong());
        assertFalse(primary.get("degraded").getAsBoolean());
        assertFalse(primary.get("stale").getAsBoolean());

        try (JournaledEngine plain = JournaledEngine.builder(plainDir).start()) {
            plain.engine().submit(new Command.ListProduct(7, 5)).join();
        }
        Run none = Run.of("status", "--journal", plainDir.toString());
        assertEquals(0, none.code(), none.err());
        assertTrue(none.out().contains("none (no primary or standby has run on this journal)"), none.out());
        assertTrue(none.out().contains("last-seq"), none.out());
    }

    /**
     * A journal that cannot be read to its end showed {@code last-seq=-1}, what an empty journal shows, beside the
     * {@code journal-error} that names its last readable record; a journal whose end the error leaves unknown showed
     * it too. The last readable record is shown, and no {@code last-seq} where nothing tells.
     */
    @Test
    void aJournalThatCannotBeReadShowsNoEmptyJournalsLastSequence() throws Exception {
        try (JournaledEngine plain = JournaledEngine.builder(plainDir).start()) {
            for (long sku = 1; sku <= 10; sku++) {
                plain.engine().submit(new Command.ListProduct(sku, 5)).join();
            }
        }
        RepairCommandTest.damageRecord(plainDir, 9, record -> record.put(20, (byte) (record.get(20) ^ 1)));

        Run damaged = Run.of("status", "--journal", plainDir.toString());

        assertEquals(0, damaged.code(), damaged.err());
        assertTrue(damaged.values().get("journal-error").contains("seq 9"), damaged.out());
        assertEquals("8", damaged.values().get("last-seq"), damaged.out());

        Files.writeString(plainDir.resolve("backup.cq4"), "not a cycle file");
        Run unknown = Run.of("status", "--journal", plainDir.toString());
        assertEquals(0, unknown.code(), unknown.err());
        assertTrue(unknown.values().get("journal-error").startsWith("file backup.cq4 in journal "), unknown.out());
        assertFalse(unknown.values().containsKey("last-seq"), unknown.out());
    }

    /**
     * A status file that is not one (cut short, or written over) made {@code status} fail as a whole, hiding the
     * epoch and last sequence it reads from the journal itself, which are what an operator looks for then.
     */
    @Test
    void aDamagedReplicationStatusFileIsNamedBesideWhatTheJournalSays() throws Exception {
        try (JournaledEngine plain = JournaledEngine.builder(plainDir).start()) {
            plain.engine().submit(new Command.ListProduct(7, 5)).join();
        }
        Files.writeString(plainDir.resolve(StatusFile.FILE_NAME), "role=nonsense\n");
        Run run = Run.of("status", "--journal", plainDir.toString(), "--json");
        assertEquals(0, run.code(), run.err());
        JsonObject status = run.json();
        assertEquals(0, status.get("epoch").getAsLong());
        assertEquals(0, status.get("last-seq").getAsLong());
        assertTrue(status.get("replication-error").getAsString().contains("is not a replication status file"),
                status.toString());
    }
}
