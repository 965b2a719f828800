package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.engine.EngineStoppedException;
import dev.purestock.engine.Outcome;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournalRecord;
import dev.purestock.journal.JournalVerifier;
import dev.purestock.journal.SnapshotInfo;
import dev.purestock.journal.SnapshotStore;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.ReplayProgress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;

import static dev.purestock.replication.ReplicationTest.WAIT;
import static dev.purestock.replication.ReplicationTest.WAREHOUSE;
import static dev.purestock.replication.ReplicationTest.awaitTrue;
import static dev.purestock.replication.ReplicationTest.engine;
import static dev.purestock.replication.ReplicationTest.engineWithoutTimer;
import static dev.purestock.replication.ReplicationTest.primary;
import static dev.purestock.replication.ReplicationTest.purchases;
import static dev.purestock.replication.ReplicationTest.stock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Promotion with fencing: a promoted standby takes commands in a new epoch; the old primary, back, is fenced the
 * moment it meets a journal of the newer epoch, and rejoins as a standby of the new primary, cutting the tail it
 * wrote that the new history does not hold.
 */
class PromotionTest {
    @TempDir
    Path oldPrimaryDir;
    @TempDir
    Path standbyDir;
    @TempDir
    Path followerDir;

    @Test
    void aPromotedStandbyTakesOverTheOldPrimaryIsFencedAndRejoinsCuttingItsUnreplicatedTail() throws Exception {
        long replicated;
        long unreplicated;
        long rejoinedUpTo;
        // an ASYNC pair; then the standby loses its primary, which goes on acknowledging alone (no expiry timer: a
        // time command of its own between the two would leave the standby or the 50 records one off what is counted)
        try (Primary oldPrimary = primary(oldPrimaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engineWithoutTimer(oldPrimaryDir, oldPrimary)) {
            try (Standby standby = Standby.builder(standbyDir).primary(oldPrimary.endpoint()).start()) {
                stock(journaled.engine(), 1_000);
                replicated = purchases(journaled.engine(), 1, 100).sequence();
                assertTrue(standby.awaitSequence(replicated, WAIT));
            }
            unreplicated = purchases(journaled.engine(), 1_000, 50).sequence();
        }
        assertEquals(replicated + 50, unreplicated);

        Standby promoting = Standby.builder(standbyDir).primary("localhost:9").start();
        JournalEpoch.Promotion promotion = promoting.promote();
        assertEquals(new JournalEpoch.Promotion(0, 1, replicated + 1), promotion);

        try (Primary newPrimary = primary(standbyDir, ReplicationMode.ASYNC).start();
             JournaledEngine promoted = engine(standbyDir, newPrimary)) {
            Outcome first = promoted.engine().submit(new Command.Purchase(5_000, 1, 1, WAREHOUSE, 1)).join();
            assertEquals(replicated + 1, first.sequence(), "the promoted journal goes on from its next sequence");
            long last;
            try (Standby follower = Standby.builder(followerDir).primary(newPrimary.endpoint()).start()) {
                last = purchases(promoted.engine(), 6_000, 30).sequence();
                assertTrue(follower.awaitSequence(last, WAIT));
                assertEquals(1, follower.status().epoch());
            }
            assertEquals(1, lastRecord(standbyDir).epoch());

            // the old primary comes back as a primary; a standby of the new epoch meets it: it is fenced
            try (Primary stale = primary(oldPrimaryDir, ReplicationMode.ASYNC).start();
                 JournaledEngine back = engine(oldPrimaryDir, stale);
                 Standby newer = Standby.builder(followerDir).primary(stale.endpoint()).start()) {
                awaitTrue(() -> newer.status().failure() != null, "the newer standby refused the stale primary");
                assertTrue(newer.status().failure().contains("newer than this primary's 0"),
                        newer.status().failure());
                awaitTrue(() -> stale.status().failure() != null, "the stale primary knows it is fenced");
                CompletionException refused = assertThrows(CompletionException.class,
                        () -> purchases(back.engine(), 9_000, 5));
                assertInstanceOf(EngineStoppedException.class, refused.getCause(),
                        "a fenced primary acknowledges nothing more");
            }

            // the old primary rejoins as a standby of the new one: its 50 unreplicated records are cut; it cuts
            // snapshots too, which start again from the state left after the cut
            try (Standby rejoined = Standby.builder(oldPrimaryDir).primary(newPrimary.endpoint()).snapshotEvery(20)
                    .start()) {
                // its journal ends past the new primary's, in the old epoch: it waits for the cut, not for records
                awaitTrue(() -> rejoined.truncations() == 1, "the rejoining standby cut its journal");
                assertTrue(rejoined.awaitSequence(last, WAIT));
                rejoinedUpTo = purchases(promoted.engine(), 7_000, 10).sequence();
                assertTrue(rejoined.awaitSequence(rejoinedUpTo, WAIT));
                assertEquals(promoted.engine().readModel().available(1, WAREHOUSE), rejoined.available(1, WAREHOUSE));
                assertEquals(null, rejoined.orderStatus(1_000), "an unreplicated order of the old primary is gone");
                assertTrue(rejoined.awaitSnapshot(replicated + 20, WAIT), "a snapshot of the new history");
            }
            for (SnapshotInfo snapshot : new SnapshotStore(oldPrimaryDir).list()) {
                assertEquals(StandbySnapshotTest.replayDigest(standbyDir, snapshot.lastSequence()),
                        StandbySnapshotTest.snapshotDigest(oldPrimaryDir, snapshot),
                        "the rejoined standby's snapshot at seq " + snapshot.lastSequence() + " is of the new history");
            }
        }
        // the new primary's expiry timer may have sequenced a time command after the rejoined standby closed: the
        // rejoined journal is the new primary's, byte for byte, up to what it was sent
        Journals.assertPrefix(standbyDir, oldPrimaryDir, (int) rejoinedUpTo + 1);
        JournalVerifier.Result verified = JournalVerifier.verify(oldPrimaryDir, MapInventoryStore::new,
                ReplayProgress.NONE);
        assertTrue(verified.matches(), verified.divergence());
    }

    private static JournalRecord lastRecord(Path dir) {
        List<JournalRecord> records = Journals.decoded(dir);
        return records.get(records.size() - 1);
    }
}
