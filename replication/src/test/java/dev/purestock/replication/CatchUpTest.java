package dev.purestock.replication;

import dev.purestock.engine.Outcome;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static dev.purestock.replication.ReplicationTest.SKUS;
import static dev.purestock.replication.ReplicationTest.WAIT;
import static dev.purestock.replication.ReplicationTest.WAREHOUSE;
import static dev.purestock.replication.ReplicationTest.engine;
import static dev.purestock.replication.ReplicationTest.primary;
import static dev.purestock.replication.ReplicationTest.purchases;
import static dev.purestock.replication.ReplicationTest.stock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A standby that starts behind: catch-up from the primary's journal, and the hand-over to live records. */
class CatchUpTest {
    @TempDir
    Path primaryDir;
    @TempDir
    Path standbyDir;

    @Test
    void aStandbyRestartedMidCatchUpGoesOnFromItsOwnJournal() throws Exception {
        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engine(primaryDir, primary)) {
            PurestockEngine engine = journaled.engine();
            stock(engine, 100_000);
            long before = purchases(engine, 1, 6_000).sequence();
            long stoppedAt;
            try (Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
                standby.pauseAfter(1_000);
                assertTrue(standby.awaitSequence(1_000, WAIT));
                assertTrue(standby.paused());
                stoppedAt = standby.lastSequence();
            }
            assertTrue(stoppedAt < before, "the first standby stopped mid-catch-up, at seq " + stoppedAt
                    + " of " + before);
            Journals.assertPrefix(primaryDir, standbyDir, (int) stoppedAt + 1);
            try (Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
                assertEquals(stoppedAt, standby.lastSequence(), "the restarted standby recovered its own journal");
                long last = purchases(engine, 10_000, 2_000).sequence();
                assertTrue(standby.awaitSequence(last, WAIT));
                assertEquals(0, standby.status().gaps());
                for (int sku = 1; sku <= SKUS; sku++) {
                    assertEquals(engine.readModel().available(sku, WAREHOUSE), standby.available(sku, WAREHOUSE));
                }
            }
            Journals.assertPrefix(primaryDir, standbyDir, (int) before + 2_001);
        }
    }

    /**
     * Producers submit throughout the catch-up, through a live ring so small that it overflows: records reach the
     * standby from the journal and from the ring, interleaved many times, and none is lost or repeated.
     */
    @Test
    void catchUpHandsOverToLiveRecordsWithoutLosingOrRepeatingOne() throws Exception {
        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).liveBufferBytes(64 << 10).start();
             JournaledEngine journaled = engine(primaryDir, primary)) {
            PurestockEngine engine = journaled.engine();
            stock(engine, 1_000_000);
            purchases(engine, 1, 20_000);
            AtomicLong nextId = new AtomicLong(100_000);
            List<Thread> producers = new ArrayList<>();
            List<CompletableFuture<Outcome>> lasts = new ArrayList<>();
            try (Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
                for (int p = 0; p < 2; p++) {
                    CompletableFuture<Outcome> last = new CompletableFuture<>();
                    lasts.add(last);
                    Thread producer = new Thread(() -> {
                        Outcome outcome = null;
                        for (int i = 0; i < 40; i++) {
                            outcome = purchases(engine, nextId.getAndAdd(500), 500);
                        }
                        last.complete(outcome);
                    }, "producer-" + p);
                    producer.start();
                    producers.add(producer);
                }
                long last = 0;
                for (CompletableFuture<Outcome> outcome : lasts) {
                    last = Math.max(last, outcome.join().sequence());
                }
                for (Thread producer : producers) {
                    producer.join();
                }
                assertTrue(standby.awaitSequence(last, WAIT), "the standby caught up with seq " + last);
                ReplicationStatus status = standby.status();
                assertEquals(0, status.gaps(), "no record arrived out of order");
                assertEquals(0, status.duplicates(), "no record arrived twice");
                assertTrue(status.lastSequence() >= last, "the engine sequences commands of its own too (expiry)");
                assertTrue(primary.droppedCount() > 0, "the live ring overflowed, so the journal filled in live records");
            }
            Journals.assertPrefix(primaryDir, standbyDir, 2 * SKUS + 20_000 + 40_000);
        }
    }
}
