package dev.purestock.replication;

import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalTruncation;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static dev.purestock.replication.ReplicationTest.WAIT;
import static dev.purestock.replication.ReplicationTest.awaitTrue;
import static dev.purestock.replication.ReplicationTest.engineWithoutTimer;
import static dev.purestock.replication.ReplicationTest.primary;
import static dev.purestock.replication.ReplicationTest.purchases;
import static dev.purestock.replication.ReplicationTest.stock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An operator's mistake: two standbys of one primary promoted, each on its own, from the same epoch. Both start the
 * same next epoch, so neither fences the other: each takes commands, two histories under one epoch. What keeps the
 * journals apart is the history check: each refuses a standby holding records of the other, rather than sending it
 * the rest of its own. The one given up, cut back to where the two histories part, follows the one kept.
 */
class TwoPromotionsTest {
    @TempDir
    Path oldPrimaryDir;
    @TempDir
    Path firstDir;
    @TempDir
    Path secondDir;
    @TempDir
    Path followerDir;

    @Test
    void twoStandbysPromotedFromOneEpochFenceNeitherAndRefuseEachOthersHistory() throws Exception {
        long replicated;
        try (Primary oldPrimary = primary(oldPrimaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engineWithoutTimer(oldPrimaryDir, oldPrimary)) {
            stock(journaled.engine(), 1_000);
            replicated = purchases(journaled.engine(), 1, 50).sequence();
            // one standby at a time: a second standby's hello takes the first one's place
            for (Path standbyDir : List.of(firstDir, secondDir)) {
                try (Standby standby = Standby.builder(standbyDir).primary(oldPrimary.endpoint()).start()) {
                    assertTrue(standby.awaitSequence(replicated, WAIT));
                }
            }
        }
        for (Path standbyDir : List.of(firstDir, secondDir)) {
            Standby promoting = Standby.builder(standbyDir).primary("localhost:9").start();
            assertEquals(new JournalEpoch.Promotion(0, 1, replicated + 1), promoting.promote(), "both start epoch 1");
        }

        long firstLast;
        try (Primary first = primary(firstDir, ReplicationMode.ASYNC).start();
             JournaledEngine firstEngine = engineWithoutTimer(firstDir, first);
             Primary second = primary(secondDir, ReplicationMode.ASYNC).start();
             JournaledEngine secondEngine = engineWithoutTimer(secondDir, second)) {
            firstLast = purchases(firstEngine.engine(), 6_000, 30).sequence();
            long secondLast = purchases(secondEngine.engine(), 8_000, 10).sequence();
            try (Standby follower = Standby.builder(followerDir).primary(first.endpoint()).start()) {
                assertTrue(follower.awaitSequence(firstLast, WAIT));
                assertEquals(1, follower.status().epoch());
            }
            // the first one's standby, pointed at the second: refused, its journal left as it was
            try (Standby follower = Standby.builder(followerDir).primary(second.endpoint()).start()) {
                awaitTrue(() -> follower.status().failure() != null, "the second primary refused the first's standby");
                assertTrue(follower.status().failure().contains("past this primary's last seq " + secondLast),
                        follower.status().failure());
                assertTrue(follower.status().failure().contains("another primary promoted from the same epoch"),
                        "the refusal names this cause too, not only a crash: " + follower.status().failure());
                assertEquals(firstLast, follower.lastSequence());
            }
            // an equal epoch fences neither: both go on taking commands, each in its own history
            assertNull(second.fenced());
            assertNull(first.fenced());
            assertEquals(secondLast + 1, purchases(secondEngine.engine(), 8_100, 1).sequence());
            firstLast = purchases(firstEngine.engine(), 6_100, 1).sequence();
        }

        try (Primary first = primary(firstDir, ReplicationMode.ASYNC).start();
             JournaledEngine firstEngine = engineWithoutTimer(firstDir, first)) {
            // the second one, rejoining as a standby of the first: its last record is not the first's, so it is
            // refused, not told to cut (the epochs are equal)
            try (Standby rejoining = Standby.builder(secondDir).primary(first.endpoint()).start()) {
                awaitTrue(() -> rejoining.status().failure() != null, "the first primary refused the second");
                assertTrue(rejoining.status().failure().contains("differs from this primary's"),
                        rejoining.status().failure());
                assertTrue(rejoining.status().failure().contains("another primary promoted from the same epoch"),
                        rejoining.status().failure());
                assertEquals(0, rejoining.truncations());
            }
            // cut back by hand to where the histories part (the promotion's next sequence, less one), it follows
            try (JournalLock lock = JournalLock.acquire(secondDir)) {
                JournalTruncation.truncateAfter(secondDir, replicated);
            }
            try (Standby rejoined = Standby.builder(secondDir).primary(first.endpoint()).start()) {
                assertTrue(rejoined.awaitSequence(firstLast, WAIT));
                assertNull(rejoined.orderStatus(8_000), "the second primary's own orders are gone");
                assertEquals(firstEngine.engine().readModel().orderStatus(6_000), rejoined.orderStatus(6_000));
            }
        }
        Journals.assertPrefix(firstDir, secondDir, (int) firstLast + 1);
    }
}
