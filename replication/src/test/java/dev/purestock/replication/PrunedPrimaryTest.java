package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalPruner;
import dev.purestock.journal.JournalRollCycle;
import dev.purestock.journal.JournalWriter;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.SnapshotStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static dev.purestock.replication.ReplicationTest.awaitTrue;
import static dev.purestock.replication.ReplicationTest.engineWithoutTimer;
import static dev.purestock.replication.ReplicationTest.primary;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A primary whose journal was pruned (its older cycle files deleted once a snapshot covered them) meets a standby
 * whose history it can no longer read in full. Where the standby's history can still be checked against what the
 * primary's journal holds, the standby catches up; where it cannot, it is refused, never sent records after a
 * history nobody compared.
 */
class PrunedPrimaryTest {
    private static final long NOW = 1_700_000_000_000L;
    /** Skus of the records both journals hold; of those only one side holds, offset so they differ. */
    private static final long SHARED = 1;
    private static final long PRIMARY_ONLY = 1_000;
    private static final long STANDBY_ONLY = 2_000;

    @TempDir
    Path primaryDir;
    @TempDir
    Path standbyDir;

    /**
     * The primary's journal starts at the sequence right after the standby's last record, whose own record of that
     * sequence (pruned) was not the standby's: a primary restarted after a crash decided it again, otherwise. The
     * standby's last record cannot be compared with anything the primary holds, so the sequence alone said the
     * standby followed on: it was sent the records after it, a fork nobody noticed.
     */
    @Test
    void aStandbyWhoseLastRecordThePrimaryPrunedIsRefusedNotTakenOnTrust() throws Exception {
        long last = 9;
        MapInventoryStore primaryState = new MapInventoryStore();
        try (JournalWriter writer = secondly(primaryDir)) {
            write(writer, primaryState, 0, last - 1, SHARED);
            write(writer, primaryState, last, last, PRIMARY_ONLY);
        }
        awaitNextSecond();
        try (JournalWriter writer = secondly(primaryDir)) {
            write(writer, primaryState, last + 1, last + 1, PRIMARY_ONLY);
        }
        assertEquals(last + 1, snapshotAndPrune(primaryDir, last + 1, primaryState), "the primary's first record");
        try (JournalWriter writer = JournalWriter.open(standbyDir, Durability.PAGE_CACHE)) {
            MapInventoryStore standbyState = new MapInventoryStore();
            write(writer, standbyState, 0, last - 1, SHARED);
            write(writer, standbyState, last, last, STANDBY_ONLY);
        }

        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engineWithoutTimer(primaryDir, primary);
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
            awaitTrue(() -> standby.status().failure() != null || standby.lastSequence() > last,
                    "the standby is refused or takes the primary's next record");
            String failure = standby.status().failure();
            assertNotNull(failure, "the standby took seq " + (last + 1) + " after a record seq " + last
                    + " the primary decided otherwise: its journal is no longer the primary's prefix");
            assertTrue(failure.contains("no longer holds seq " + last), failure);
            assertTrue(failure.contains("copy of this primary's journal directory"), failure);
            assertEquals(last, standby.lastSequence());
            assertEquals(last + 1, journaled.engine().readModel().lastSequence(0), "the primary went on");
        }
    }

    /** A writer on {@code dir}'s journal, which starts a cycle file a second when it is a new journal. */
    private static JournalWriter secondly(Path dir) {
        return JournalWriter.open(dir, Durability.PAGE_CACHE, JournalRollCycle.TEST_SECONDLY);
    }

    /**
     * Waits until the clock is in the next second: what a per-second journal writes then goes into a cycle file of
     * its own, after the records written before.
     */
    private static void awaitNextSecond() {
        long second = System.currentTimeMillis() / 1_000;
        awaitTrue(() -> System.currentTimeMillis() / 1_000 > second, "the next second");
    }

    /** Journals seq {@code from} to {@code to}, each a listing of sku {@code skuBase + seq}, one record a batch. */
    private static void write(JournalWriter writer, MapInventoryStore state, long from, long to, long skuBase) {
        for (long sequence = from; sequence <= to; sequence++) {
            Event.ProductListed listed = new Event.ProductListed(skuBase + sequence, 5, true);
            writer.onDecided(sequence, NOW + sequence, new Command.ListProduct(listed.sku(), 5), List.of(listed),
                    true);
            Inventory.evolve(state, NOW + sequence, listed);
        }
    }

    /** Writes a snapshot of {@code state} at {@code sequence} and prunes what it covers; the first sequence left. */
    private static long snapshotAndPrune(Path dir, long sequence, MapInventoryStore state) throws IOException {
        try (JournalLock lock = JournalLock.acquire(dir)) {
            new SnapshotStore(dir).write(sequence, NOW + sequence, state);
            return JournalPruner.prune(dir, 1).firstSequence();
        }
    }
}
