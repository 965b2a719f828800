package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalPruner;
import dev.purestock.journal.JournalReader;
import dev.purestock.journal.JournalRecord;
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
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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

    /**
     * A promoted primary pruned the cycles of the old epoch its snapshot covers; the old primary rejoins as its
     * standby with a tail of the old epoch. The point where their histories part is still in the new primary's
     * journal, so it can tell the old one where to cut and catch it up; the search for that point used to read
     * records the pruning had deleted, and refused the old primary.
     */
    @Test
    void anOldPrimaryRejoinsANewPrimaryWhosePruningLeftThePointWhereTheyPart() throws Exception {
        long firstKept = 15;
        long promotedAt = 21;
        long newLast = promotedAt + 2;
        long oldLast = promotedAt + 4;
        MapInventoryStore newState = new MapInventoryStore();
        try (JournalWriter writer = secondly(primaryDir)) {
            write(writer, newState, 0, firstKept - 1, SHARED);
        }
        MapInventoryStore covered = copyOf(primaryDir, firstKept - 1);
        awaitNextSecond();
        try (JournalWriter writer = secondly(primaryDir)) {
            write(writer, newState, firstKept, promotedAt - 1, SHARED);
        }
        try (JournalLock lock = JournalLock.acquire(primaryDir)) {
            assertEquals(1, JournalEpoch.promote(primaryDir).epoch());
        }
        try (JournalWriter writer = secondly(primaryDir)) {
            write(writer, newState, promotedAt, newLast, PRIMARY_ONLY);
        }
        assertEquals(firstKept, snapshotAndPrune(primaryDir, firstKept - 1, covered), "the new primary's first");
        try (JournalWriter writer = JournalWriter.open(standbyDir, Durability.PAGE_CACHE)) {
            MapInventoryStore oldState = new MapInventoryStore();
            write(writer, oldState, 0, promotedAt - 1, SHARED);
            write(writer, oldState, promotedAt, oldLast, STANDBY_ONLY);
        }

        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engineWithoutTimer(primaryDir, primary);
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
            awaitTrue(() -> standby.status().failure() != null || standby.lastSequence() == newLast
                    && standby.truncations() == 1, "the old primary is cut and caught up, or refused");
            assertNull(standby.status().failure(), "the old primary was refused");
            assertEquals(newLast, journaled.engine().readModel().lastSequence(0));
        }
        List<byte[]> newRecords = Journals.raw(primaryDir);
        List<byte[]> oldRecords = Journals.raw(standbyDir);
        assertEquals(newLast + 1, oldRecords.size(), "the old primary's records, cut after seq " + (promotedAt - 1));
        for (int i = 0; i < newRecords.size(); i++) {
            assertArrayEquals(newRecords.get(i), oldRecords.get((int) firstKept + i), "seq " + (firstKept + i));
        }
        List<JournalRecord> decoded = Journals.decoded(standbyDir);
        assertEquals(1, decoded.getLast().epoch());
        assertEquals(0, decoded.get((int) promotedAt - 1).epoch());
    }

    /**
     * The same, with the new primary's journal pruned past the point where the histories part: it cannot tell the
     * old primary where to cut nor send what follows, so it refuses it, naming the remedy, and takes nothing of it.
     */
    @Test
    void anOldPrimaryWhosePartingPointTheNewPrimaryPrunedIsRefusedNamingTheRemedy() throws Exception {
        long promotedAt = 10;
        long firstKept = promotedAt + 3;
        long oldLast = promotedAt + 6;
        MapInventoryStore newState = new MapInventoryStore();
        try (JournalWriter writer = secondly(primaryDir)) {
            write(writer, newState, 0, promotedAt - 1, SHARED);
        }
        try (JournalLock lock = JournalLock.acquire(primaryDir)) {
            JournalEpoch.promote(primaryDir);
        }
        try (JournalWriter writer = secondly(primaryDir)) {
            write(writer, newState, promotedAt, firstKept - 1, PRIMARY_ONLY);
        }
        MapInventoryStore covered = copyOf(primaryDir, firstKept - 1);
        awaitNextSecond();
        try (JournalWriter writer = secondly(primaryDir)) {
            write(writer, newState, firstKept, firstKept + 1, PRIMARY_ONLY);
        }
        assertEquals(firstKept, snapshotAndPrune(primaryDir, firstKept - 1, covered), "the new primary's first");
        try (JournalWriter writer = JournalWriter.open(standbyDir, Durability.PAGE_CACHE)) {
            MapInventoryStore oldState = new MapInventoryStore();
            write(writer, oldState, 0, promotedAt - 1, SHARED);
            write(writer, oldState, promotedAt, oldLast, STANDBY_ONLY);
        }
        List<byte[]> before = Journals.raw(standbyDir);

        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engineWithoutTimer(primaryDir, primary);
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
            awaitTrue(() -> standby.status().failure() != null, "the old primary is refused");
            String failure = standby.status().failure();
            assertTrue(failure.contains("copy of this primary's journal directory"), failure);
            assertEquals(0, standby.truncations());
            assertNull(primary.fenced());
        }
        List<byte[]> after = Journals.raw(standbyDir);
        assertEquals(before.size(), after.size(), "the refused old primary's journal is as it was");
    }

    /**
     * The old primary's own journal was pruned past the point where the new primary's history parts from it (it
     * snapshotted its tail as a primary, then started with pruning): told to cut there, it cannot, and stops saying
     * what to do instead, its journal as it was.
     */
    @Test
    void anOldPrimaryWhoseOwnPruningLeftNothingToCutAtStopsNamingTheRemedy() throws Exception {
        long promotedAt = 10;
        long oldFirstKept = promotedAt + 4;
        MapInventoryStore newState = new MapInventoryStore();
        try (JournalWriter writer = JournalWriter.open(primaryDir, Durability.PAGE_CACHE)) {
            write(writer, newState, 0, promotedAt - 1, SHARED);
        }
        try (JournalLock lock = JournalLock.acquire(primaryDir)) {
            JournalEpoch.promote(primaryDir);
        }
        try (JournalWriter writer = JournalWriter.open(primaryDir, Durability.PAGE_CACHE)) {
            write(writer, newState, promotedAt, promotedAt + 2, PRIMARY_ONLY);
        }
        MapInventoryStore oldState = new MapInventoryStore();
        try (JournalWriter writer = secondly(standbyDir)) {
            write(writer, oldState, 0, promotedAt - 1, SHARED);
            write(writer, oldState, promotedAt, oldFirstKept - 1, STANDBY_ONLY);
        }
        MapInventoryStore covered = copyOf(standbyDir, oldFirstKept - 1);
        awaitNextSecond();
        try (JournalWriter writer = secondly(standbyDir)) {
            write(writer, oldState, oldFirstKept, oldFirstKept + 1, STANDBY_ONLY);
        }
        assertEquals(oldFirstKept, snapshotAndPrune(standbyDir, oldFirstKept - 1, covered), "the old primary's first");
        List<byte[]> before = Journals.raw(standbyDir);

        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engineWithoutTimer(primaryDir, primary);
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
            awaitTrue(() -> standby.status().failure() != null, "the old primary stops");
            String failure = standby.status().failure();
            assertTrue(failure.contains("cannot be cut after seq " + (promotedAt - 1)), failure);
            assertTrue(failure.contains("copy of the primary's journal directory"), failure);
        }
        List<byte[]> after = Journals.raw(standbyDir);
        assertEquals(before.size(), after.size(), "the old primary's journal is as it was");
        for (int i = 0; i < before.size(); i++) {
            assertArrayEquals(before.get(i), after.get(i), "record " + i);
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

    /** The state of {@code dir}'s journal up to {@code last}, replayed. */
    private static MapInventoryStore copyOf(Path dir, long last) {
        MapInventoryStore state = new MapInventoryStore();
        try (JournalReader reader = JournalReader.open(dir)) {
            reader.read((index, record) -> {
                if (record.sequence() <= last) {
                    Inventory.evolveAll(state, record.time(), record.events());
                }
                return record.sequence() < last;
            });
        }
        return state;
    }

    /** Writes a snapshot of {@code state} at {@code sequence} and prunes what it covers; the first sequence left. */
    private static long snapshotAndPrune(Path dir, long sequence, MapInventoryStore state) throws IOException {
        try (JournalLock lock = JournalLock.acquire(dir)) {
            new SnapshotStore(dir).write(sequence, NOW + sequence, state);
            return JournalPruner.prune(dir, 1).firstSequence();
        }
    }
}
