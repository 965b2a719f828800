package dev.purestock.replication;

import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalRecovery;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.RecoveredState;
import dev.purestock.journal.ReplayProgress;
import dev.purestock.journal.RetentionPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static dev.purestock.replication.ReplicationTest.WAIT;
import static dev.purestock.replication.ReplicationTest.awaitTrue;
import static dev.purestock.replication.ReplicationTest.engineWithoutTimer;
import static dev.purestock.replication.ReplicationTest.primary;
import static dev.purestock.replication.ReplicationTest.purchases;
import static dev.purestock.replication.ReplicationTest.stock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A standby closed or promoted while it cuts its journal (an old primary rejoining a new one, told to cut the tail
 * the new primary's history does not hold): the cut of a large cycle file takes as long as copying its records.
 */
class LongCutTest {
    /** Longer than the receiver thread's close waits before it interrupts it. */
    private static final long CUT_NANOS = TimeUnit.SECONDS.toNanos(6);

    @TempDir
    Path oldDir;
    @TempDir
    Path newDir;

    /**
     * The old primary's journal ({@code oldDir}) holds seq 0..partingPoint shared with the new primary's
     * ({@code newDir}, promoted to epoch 1), then a tail of 20 purchases of its own; the parting point.
     */
    static long partThem(Path oldDir, Path newDir) throws Exception {
        long partingPoint;
        try (Primary old = primary(oldDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engineWithoutTimer(oldDir, old)) {
            try (Standby standby = Standby.builder(newDir).primary(old.endpoint()).start()) {
                stock(journaled.engine(), 1_000);
                partingPoint = purchases(journaled.engine(), 1, 20).sequence();
                assertTrue(standby.awaitSequence(partingPoint, WAIT));
            }
            purchases(journaled.engine(), 100, 20); // acknowledged by the old primary alone
        }
        try (JournalLock lock = JournalLock.acquire(newDir)) {
            JournalEpoch.promote(newDir);
        }
        return partingPoint;
    }

    /** Holds the cut for {@link #CUT_NANOS}, whatever interrupts it, as a long copy would; keeps the interrupt. */
    private static Runnable longCut(CountDownLatch begun) {
        return () -> {
            begun.countDown();
            boolean interrupted = false;
            long end = System.nanoTime() + CUT_NANOS;
            for (long left = CUT_NANOS; left > 0; left = end - System.nanoTime()) {
                LockSupport.parkNanos(left);
                interrupted |= Thread.interrupted();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /**
     * The receiver's runner interrupted a cut still running 5 s into {@code close()}: the cut failed part way (its
     * channels closed by the interrupt), the standby stopped naming it, and the journal kept the old primary's tail.
     */
    @Test
    void aStandbyClosedDuringALongCutLeavesAJournalThatOpensWithEveryRecordUpToTheCut() throws Exception {
        long partingPoint = partThem(oldDir, newDir);
        try (Primary promoted = primary(newDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engineWithoutTimer(newDir, promoted)) {
            CountDownLatch begun = new CountDownLatch(1);
            Standby rejoining = Standby.builder(oldDir).primary(promoted.endpoint()).beforeCut(longCut(begun)).start();
            assertTrue(begun.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the cut began");
            rejoining.close();
            try (JournalLock lock = JournalLock.acquire(oldDir)) {
                RecoveredState recovered = JournalRecovery.recoverForWriting(oldDir, RetentionPolicy.KEEP_JOURNAL,
                        PrimitiveInventoryStore::new, ReplayProgress.NONE);
                assertEquals(partingPoint, recovered.nextSequence() - 1, "the cut was made, whole");
            }
            try (Standby again = Standby.builder(oldDir).primary(promoted.endpoint()).start()) {
                long last = purchases(journaled.engine(), 5_000, 30).sequence();
                assertTrue(last > 49, "past the old tail");
                assertTrue(again.awaitSequence(last, WAIT), "caught up after the cut: " + again.status());
                Journals.assertPrefix(newDir, oldDir, (int) last + 1);
            }
        }
    }

    /**
     * A promotion during a cut promoted what the interrupted cut left: here the old primary's tail, which the history
     * it was rejoining does not hold, as the new epoch's start.
     */
    @Test
    void aStandbyPromotedDuringALongCutPromotesTheJournalCutWhole() throws Exception {
        long partingPoint = partThem(oldDir, newDir);
        try (Primary promoted = primary(newDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engineWithoutTimer(newDir, promoted)) {
            CountDownLatch begun = new CountDownLatch(1);
            Standby rejoining = Standby.builder(oldDir).primary(promoted.endpoint()).beforeCut(longCut(begun)).start();
            assertTrue(begun.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the cut began");
            JournalEpoch.Promotion promotion = rejoining.promote();
            assertEquals(partingPoint + 1, promotion.nextSequence(), "the promoted journal was cut, whole");
        }
    }

    /**
     * The receiver thread also runs the standby's media driver and Aeron client: a cut longer than the client's
     * liveness timeout (10 s by default; 2 s here) left both unserved, the driver took the client for dead and the
     * client closed itself, so after the cut the standby could neither say hello nor receive: it stood still for
     * ever, with no failure in its status.
     */
    @Test
    void aStandbyWhoseCutOutlastsItsAeronClientsTimeoutCatchesUpAfterIt() throws Exception {
        long partingPoint = partThem(oldDir, newDir);
        try (Primary promoted = primary(newDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engineWithoutTimer(newDir, promoted)) {
            CountDownLatch begun = new CountDownLatch(1);
            Standby rejoining;
            System.setProperty("aeron.client.liveness.timeout", Long.toString(TimeUnit.SECONDS.toNanos(2)));
            try {
                rejoining = Standby.builder(oldDir).primary(promoted.endpoint()).beforeCut(longCut(begun)).start();
            } finally {
                System.clearProperty("aeron.client.liveness.timeout");
            }
            try (rejoining) {
                assertTrue(begun.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the cut began");
                long last = purchases(journaled.engine(), 5_000, 30).sequence();
                assertTrue(rejoining.awaitSequence(last, WAIT.multipliedBy(3)), "caught up after the cut: "
                        + rejoining.status());
                assertEquals(1, rejoining.truncations());
                Journals.assertPrefix(newDir, oldDir, (int) last + 1);
                assertTrue(partingPoint < last);
            }
        }
    }

    /**
     * The receiver writes the status file beside the journal once a second, which purestock status calls stale after
     * 5 s ("the process is gone or hung"): during a long cut it wrote none, so an operator told the standby was gone
     * or hung would kill it mid-cut.
     */
    @Test
    void aStandbyCuttingItsJournalGoesOnWritingItsStatus() throws Exception {
        partThem(oldDir, newDir);
        try (Primary promoted = primary(newDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engineWithoutTimer(newDir, promoted)) {
            CountDownLatch begun = new CountDownLatch(1);
            CountDownLatch ended = new CountDownLatch(1);
            Runnable cut = longCut(begun);
            try (Standby rejoining = Standby.builder(oldDir).primary(promoted.endpoint()).beforeCut(() -> {
                cut.run();
                ended.countDown();
            }).start()) {
                assertTrue(begun.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the cut began");
                long began = System.currentTimeMillis();
                awaitTrue(() -> ended.getCount() == 0 || StatusFile.read(oldDir).writtenAt() > began + 1_500,
                        "a status written well into the cut, or the cut's end");
                assertEquals(1, ended.getCount(), "a status was written while the cut ran");
            }
        }
    }
}
