package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.journal.JournalReader;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.SnapshotInfo;
import dev.purestock.journal.SnapshotStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.purestock.replication.ReplicationTest.WAIT;
import static dev.purestock.replication.ReplicationTest.WAREHOUSE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A standby that cuts snapshots: each is its state at that sequence, and a promotion recovers from the newest. */
class StandbySnapshotTest {
    @TempDir
    Path primaryDir;
    @TempDir
    Path standbyDir;

    @Test
    void eachSnapshotIsAReplayOfTheJournalToItsSequenceAndThePromotedEngineStartsFromTheNewest() throws Exception {
        long last;
        try (Primary primary = ReplicationTest.primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = ReplicationTest.engineWithoutTimer(primaryDir, primary);
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).snapshotEvery(100).start()) {
            PurestockEngine engine = journaled.engine();
            ReplicationTest.stock(engine, 2_000);
            last = ReplicationTest.purchases(engine, 1, 1_000).sequence();
            assertTrue(standby.awaitSequence(last, WAIT), "the standby caught up");
            assertTrue(standby.awaitSnapshot(last - 99, WAIT), "a snapshot within 100 records of the end");
            assertTrue(standby.status().lastSnapshot() >= last - 99, standby.status().describe());
            assertEquals(null, standby.status().snapshotFailure());

            List<SnapshotInfo> snapshots = new SnapshotStore(standbyDir).list();
            // one per wake of the snapshot thread that found 100 or more new records: how many depends on its pace
            assertTrue(!snapshots.isEmpty() && snapshots.size() <= SnapshotStore.DEFAULT_KEEP, snapshots.toString());
            assertTrue(snapshots.getLast().lastSequence() >= last - 99, snapshots.toString());
            for (SnapshotInfo snapshot : snapshots) {
                assertEquals(replayDigest(standbyDir, snapshot.lastSequence()), snapshotDigest(standbyDir, snapshot),
                        "the snapshot at seq " + snapshot.lastSequence());
            }
            standby.promote();
        }
        long newest = new SnapshotStore(standbyDir).list().getLast().lastSequence();
        try (JournaledEngine promoted = JournaledEngine.builder(standbyDir).start()) {
            assertEquals(newest, promoted.recovered().snapshotSequence(), "recovered from the standby's newest");
            assertEquals(last + 1, promoted.recovered().nextSequence());
            assertEquals(replayDigest(standbyDir, last), StateDigest.of(promoted.recovered().store()));
            Outcome next = promoted.engine().submit(new Command.Purchase(5_000, 1, 1, WAREHOUSE, 1)).join();
            assertEquals(last + 1, next.sequence());
            assertTrue(next.accepted());
        }
    }

    @Test
    void aRestartedStandbyGoesOnCuttingSnapshotsFromTheStateItRecovered() throws Exception {
        long cut;
        try (Primary primary = ReplicationTest.primary(primaryDir, ReplicationMode.SYNC).syncTimeout(WAIT).start();
             JournaledEngine journaled = ReplicationTest.engineWithoutTimer(primaryDir, primary)) {
            PurestockEngine engine = journaled.engine();
            try (Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).snapshotEvery(50)
                    .keepSnapshots(1).start()) {
                ReplicationTest.stock(engine, 2_000);
                long first = ReplicationTest.purchases(engine, 1, 300).sequence();
                assertTrue(standby.awaitSnapshot(first - 49, WAIT));
            }
            // the primary answers nothing while no standby acknowledges: the next standby is this one, restarted
            try (Standby restarted = Standby.builder(standbyDir).primary(primary.endpoint()).snapshotEvery(50)
                    .keepSnapshots(1).start()) {
                long second = ReplicationTest.purchases(engine, 1_000, 300).sequence();
                assertTrue(restarted.awaitSequence(second, WAIT));
                assertTrue(restarted.awaitSnapshot(second - 49, WAIT));
                List<SnapshotInfo> snapshots = new SnapshotStore(standbyDir).list();
                assertEquals(1, snapshots.size());
                assertEquals(replayDigest(standbyDir, snapshots.getFirst().lastSequence()),
                        snapshotDigest(standbyDir, snapshots.getFirst()));
                assertEquals(replayDigest(standbyDir, second), restarted.digest());
                cut = restarted.status().lastSnapshot();
            }
            assertEquals(cut, StatusFile.read(standbyDir).status().lastSnapshot(), "in the status written at close");
        }
    }

    @Test
    void snapshotSettingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> Standby.builder(standbyDir).snapshotEvery(-1));
        assertThrows(IllegalArgumentException.class, () -> Standby.builder(standbyDir).keepSnapshots(0));
    }

    /** The digest of a replay of the journal in {@code dir} from its start to {@code sequence}. */
    static long replayDigest(Path dir, long sequence) {
        PrimitiveInventoryStore store = new PrimitiveInventoryStore();
        try (JournalReader reader = JournalReader.open(dir)) {
            reader.readEvents((recordSequence, time, events) -> {
                Inventory.evolveAll(store, time, events);
                return recordSequence < sequence;
            });
        }
        return StateDigest.of(store);
    }

    /** The digest of the state {@code snapshot} of the journal in {@code dir} holds. */
    static long snapshotDigest(Path dir, SnapshotInfo snapshot) {
        SnapshotStore.Loaded loaded = new SnapshotStore(dir)
                .loadNewest(snapshot.lastSequence(), PrimitiveInventoryStore::new, new ArrayList<>()).orElseThrow();
        assertEquals(snapshot.lastSequence(), loaded.info().lastSequence());
        return StateDigest.of(loaded.store());
    }
}
