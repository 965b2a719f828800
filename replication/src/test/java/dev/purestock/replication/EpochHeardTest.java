package dev.purestock.replication;

import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static dev.purestock.replication.ReplicationTest.WAIT;
import static dev.purestock.replication.ReplicationTest.awaitTrue;
import static dev.purestock.replication.ReplicationTest.engine;
import static dev.purestock.replication.ReplicationTest.primary;
import static dev.purestock.replication.ReplicationTest.purchases;
import static dev.purestock.replication.ReplicationTest.stock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A standby that followed a promoted primary knows its epoch, even while every record it holds is of the epoch
 * before (the new primary's history up to its promotion, caught up from it): a stale primary of that older epoch,
 * met afterwards (the standby restarted, or its primary's address now leads to the old primary), must neither
 * hand it records nor count on its acknowledgements.
 */
class EpochHeardTest {
    @TempDir
    Path oldPrimaryDir;
    @TempDir
    Path promotedDir;
    @TempDir
    Path followerDir;

    /**
     * The follower caught up the promoted primary's epoch-0 history and was restarted towards the stale primary,
     * which still runs epoch 0 with a tail of its own past the promotion: the follower's hello said epoch 0, it
     * passed the stale primary's checks (its last record is the stale primary's too), and it journaled the stale
     * tail, a history the promoted primary never had, and acknowledged it, so a SYNC stale primary would have
     * answered purchases the new history does not hold.
     */
    @Test
    void aStandbyThatHeardANewerEpochRefusesAStalePrimaryAfterARestart() throws Exception {
        long replicated;
        long staleTail;
        try (Primary old = primary(oldPrimaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engine(oldPrimaryDir, old)) {
            try (Standby standby = Standby.builder(promotedDir).primary(old.endpoint()).start()) {
                stock(journaled.engine(), 1_000);
                replicated = purchases(journaled.engine(), 1, 30).sequence();
                assertTrue(standby.awaitSequence(replicated, WAIT));
            }
            staleTail = purchases(journaled.engine(), 1_000, 20).sequence();
        }
        try (JournalLock lock = JournalLock.acquire(promotedDir)) {
            assertEquals(1, JournalEpoch.promote(promotedDir).epoch());
        }
        // the follower catches up the promoted primary's history, all of it written in epoch 0 (no time command
        // of the new epoch yet: the expiry timer is off)
        try (Primary promoted = primary(promotedDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = JournaledEngine.builder(promotedDir).engine(b -> promoted.configure(
                     b.waitStrategy(WaitStrategyKind.BLOCKING).expireReservationsEvery(Duration.ZERO))).start();
             Standby follower = Standby.builder(followerDir).primary(promoted.endpoint()).start()) {
            assertTrue(follower.awaitSequence(replicated, WAIT));
            assertEquals(replicated, Journals.raw(promotedDir).size() - 1, "the promoted primary wrote nothing yet");
            awaitTrue(() -> follower.status().epoch() == 1, "the follower knows the epoch of its primary");
        }
        try (Primary stale = primary(oldPrimaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine back = engine(oldPrimaryDir, stale);
             Standby follower = Standby.builder(followerDir).primary(stale.endpoint()).start()) {
            awaitTrue(() -> follower.status().failure() != null || follower.lastSequence() >= staleTail,
                    "the follower met the stale primary");
            assertEquals(replicated, follower.lastSequence(), "it took none of the stale tail: " + follower.status());
            assertNotNull(follower.status().failure());
            awaitTrue(() -> stale.status().failure() != null, "the stale primary knows it is fenced");
            assertTrue(stale.status().failure().contains("newer than this primary's 0"), stale.status().failure());
        }
    }
}
