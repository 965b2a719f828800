package dev.purestock.replication;

import dev.purestock.engine.PurestockEngine;
import dev.purestock.journal.JournalRecord;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static dev.purestock.replication.ReplicationTest.engine;
import static dev.purestock.replication.ReplicationTest.primary;
import static dev.purestock.replication.ReplicationTest.purchases;
import static dev.purestock.replication.ReplicationTest.stock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A standby's connection dropped mid-stream, on loopback: the standby goes away while producers keep buying, and a
 * new one starts on the same directory, receiving on another port. It recovers the journal the first one left, the
 * primary sends to it from there, and nothing answered is missing.
 */
class ConnectionFaultTest {
    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path primaryDir;
    @TempDir
    Path standbyDir;

    /** {@code SYNC} with {@code WAIT}: the callers wait for the new standby, and none is answered without it. */
    @Test
    void aSyncPrimaryAnswersItsWaitingCallersOnceTheStandbyThatReplacedADroppedOneHoldsTheirPurchases()
            throws Exception {
        replaceTheStandbyMidStream(ReplicationMode.SYNC);
    }

    /** {@code ASYNC}: the primary answers throughout; the new standby catches up the gap from the primary's journal. */
    @Test
    void anAsyncPrimaryAnswersWithoutItsDroppedStandbyAndTheNewOneCatchesUpTheGap() throws Exception {
        replaceTheStandbyMidStream(ReplicationMode.ASYNC);
    }

    private void replaceTheStandbyMidStream(ReplicationMode mode) throws Exception {
        Standby second = null;
        long dropped;
        long last;
        Producers producers;
        Set<Long> answeredAlone = new TreeSet<>();
        try (Primary primary = primary(primaryDir, mode).fallback(SyncFallback.WAIT).syncTimeout(WAIT).start()) {
            // the new standby outlives the engine: a SYNC engine's last batch waits for it
            try (JournaledEngine journaled = engine(primaryDir, primary)) {
                PurestockEngine engine = journaled.engine();
                Standby first = Standby.builder(standbyDir).primary(primary.endpoint()).start();
                try (first) {
                    long stocked = stock(engine, 1_000_000).sequence();
                    producers = Producers.start(engine, 4, 1);
                    assertTrue(first.awaitSequence(stocked + 500, WAIT), "the first standby receives the live records");
                }
                dropped = first.lastSequence();
                if (mode == ReplicationMode.ASYNC) {
                    long from = 1_000_000_000L;
                    purchases(engine, from, 300);
                    for (long id = from; id < from + 300; id++) {
                        answeredAlone.add(id);
                    }
                }
                second = Standby.builder(standbyDir).primary(primary.endpoint()).start();
                assertNotEquals(first.endpoint(), second.endpoint(), "the new standby receives on another port");
                assertTrue(second.lastSequence() >= dropped, "the new standby recovered the first one's journal");
                assertTrue(second.awaitSequence(dropped + 1_000, WAIT),
                        "the primary took commands after the drop, and the new standby holds them");
                last = producers.stop();
                assertTrue(second.awaitSequence(last, WAIT), "the new standby caught up with seq " + last);
            }
            assertEquals(0, primary.status().degradations());
        } finally {
            if (second != null) {
                second.close();
            }
        }
        System.out.printf("%s: the first standby dropped at seq %d, the second held seq %d when closed%n", mode,
                dropped, second.lastSequence());
        List<JournalRecord> records = Journals.decoded(standbyDir);
        Set<Long> onStandby = Journals.acceptedPurchases(records).keySet();
        Set<Long> missing = new TreeSet<>(producers.accepted());
        missing.addAll(answeredAlone);
        missing.removeAll(onStandby);
        assertEquals(Set.of(), missing, "answered purchases missing from the new standby's journal");
        Journals.assertNothingOversold(records);
        Journals.assertStateIsAReplayOfItsJournal(second);
        Journals.assertPrefix(primaryDir, standbyDir, (int) last + 1);
    }
}
