package dev.purestock.replication;

import dev.purestock.journal.JournalRecord;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.purestock.replication.ReplicationTest.WAIT;
import static dev.purestock.replication.ReplicationTest.engineWithoutTimer;
import static dev.purestock.replication.ReplicationTest.primary;
import static dev.purestock.replication.ReplicationTest.purchases;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@link Standby#awaitSequence} answers of the records a standby holds before its primary checked them. */
class AwaitSequenceTest {
    @TempDir
    Path oldDir;
    @TempDir
    Path newDir;

    /**
     * An old primary rejoining the new one as a standby holds a tail the new primary's history does not: it will
     * be cut. awaitSequence answered true for a sequence in that tail at once, before the new primary had checked the
     * standby's history and while the cut ran, so a caller took as replicated a record about to be thrown away; it
     * answers true only once the standby holds that sequence as the new primary's history has it.
     */
    @Test
    void aSequenceInATailTheCutWillRemoveIsNotAwaitedUntilThePrimarysRecordHoldsIt() throws Exception {
        long partingPoint = LongCutTest.partThem(oldDir, newDir);
        long inTheTail = partingPoint + 10;
        try (Primary promoted = primary(newDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engineWithoutTimer(newDir, promoted)) {
            CountDownLatch begun = new CountDownLatch(1);
            CountDownLatch letCut = new CountDownLatch(1);
            try (Standby rejoining = Standby.builder(oldDir).primary(promoted.endpoint()).beforeCut(() -> {
                begun.countDown();
                awaitQuietly(letCut);
            }).start()) {
                try {
                    assertTrue(rejoining.lastSequence() >= inTheTail, "the journal holds the tail: " + rejoining.status());
                    assertFalse(rejoining.awaitSequence(inTheTail, Duration.ZERO), "before the primary checked it");
                    assertTrue(begun.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the cut began");
                    assertFalse(rejoining.awaitSequence(inTheTail, Duration.ZERO), "while it is being cut");
                } finally {
                    letCut.countDown();
                }
                long last = purchases(journaled.engine(), 5_000, 30).sequence();
                assertTrue(rejoining.awaitSequence(inTheTail, WAIT), "the primary's record: " + rejoining.status());
                JournalRecord held = Journals.decoded(oldDir).get((int) inTheTail);
                assertEquals(1, held.epoch(), "the record awaited is the new primary's");
                assertTrue(rejoining.awaitSequence(last, WAIT), "caught up: " + rejoining.status());
                assertEquals(1, rejoining.truncations());
                Journals.assertPrefix(newDir, oldDir, (int) last + 1);
            }
        }
    }

    /**
     * An {@link Error} on the receiver's thread (memory running out as the cut replays the journal kept) ended the
     * thread silently: the standby still said it was connected, with no failure, and awaitSequence waited out its
     * timeout as for a standby merely behind. It stops as on any other failure: its status names the failure, and
     * awaitSequence says it stopped.
     */
    @Test
    void anErrorOnTheReceiversThreadStopsTheStandbyAndItsStatusSaysSo() throws Exception {
        long partingPoint = LongCutTest.partThem(oldDir, newDir);
        try (Primary promoted = primary(newDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engineWithoutTimer(newDir, promoted);
             Standby rejoining = Standby.builder(oldDir).primary(promoted.endpoint()).beforeCut(() -> {
                 throw new OutOfMemoryError("cutting the journal");
             }).start()) {
            ReplicationException stopped = assertThrows(ReplicationException.class,
                    () -> rejoining.awaitSequence(partingPoint + 1, WAIT));
            assertTrue(stopped.getMessage().contains("cutting the journal"), stopped.getMessage());
            ReplicationStatus status = rejoining.status();
            assertFalse(status.connected(), "a standby whose receiver ended is not connected: " + status);
            assertTrue(status.failure().contains("OutOfMemoryError"), status.failure());
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertTrue(latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the test let the cut go on");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
