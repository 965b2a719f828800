package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.engine.EngineStoppedException;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.ReadModelFaults;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalLayout;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalWriter;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;

import static dev.purestock.replication.ReplicationTest.SKUS;
import static dev.purestock.replication.ReplicationTest.WAIT;
import static dev.purestock.replication.ReplicationTest.WAREHOUSE;
import static dev.purestock.replication.ReplicationTest.awaitTrue;
import static dev.purestock.replication.ReplicationTest.primary;
import static dev.purestock.replication.ReplicationTest.purchases;
import static dev.purestock.replication.ReplicationTest.stock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a primary's status says once its engine stopped. */
class StoppedEngineStatusTest {
    @TempDir
    Path primaryDir;
    @TempDir
    Path standbyDir;

    /**
     * The primary's journal stage fails on seq 12 and the engine stops: the primary decides nothing more, and its
     * journal ends at seq 11. Its status said nothing of it (no failure), in the process and in the status file
     * {@code purestock status} reads; it now says the engine stopped, and why.
     */
    @Test
    void thePrimarysStatusSaysItsEngineStoppedAndWhy() throws Exception {
        long failAt = 12;
        try (JournalLock lock = JournalLock.acquire(primaryDir)) { // held by the engine's process, as a journaled one
            JournalLayout.create(primaryDir, 1);
            try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start()) {
                PurestockEngine engine = primary.configure(PurestockEngine.builder()
                        .journal(shard -> new FailingJournal(JournalWriter.open(primaryDir, Durability.PAGE_CACHE),
                                failAt))
                        .expireReservationsEvery(Duration.ZERO)).build();
                try (engine) {
                    stock(engine, 1_000);
                    purchases(engine, 1, 2);
                    assertTrue(primary.status().failure() == null, primary.status().describe());
                    CompletionException stopped = assertThrows(CompletionException.class,
                            () -> purchases(engine, 3, 1), "seq " + failAt + " is never journaled");
                    assertInstanceOf(EngineStoppedException.class, stopped.getCause());

                    awaitTrue(() -> primary.status().failure() != null, "the status says the engine stopped");
                    String failure = primary.status().failure();
                    assertTrue(failure.startsWith("this primary's engine stopped: purestock shard 0 stopped: the "
                            + "journal of shard 0 failed on command sequence " + failAt), failure);
                    assertTrue(failure.contains("the journal's disk failed on seq " + failAt), failure);
                    assertTrue(primary.status().describe().endsWith(" FAILED: " + failure),
                            primary.status().describe());
                    awaitTrue(() -> failure.equals(StatusFile.read(primaryDir).status().failure()),
                            "the status file says so");
                }
            }
        }
    }

    /**
     * A {@code SYNC} primary with {@link SyncFallback#DEGRADE} and no standby to acknowledge: its replication stage
     * has seq 0 and waits for its acknowledgement when the journal fails on seq 0 and the engine stops. The wait went on for
     * the whole replication timeout (a minute here), the caller unanswered, and then degraded a stopped engine's
     * replication; it now ends as the engine stops, and the caller gets the engine's failure. The {@code @Timeout},
     * far below the replication timeout, fails the test when the wait is waited out.
     */
    @Test
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aSyncBatchWaitingForItsStandbyEndsWhenTheEngineStops() throws Exception {
        try (JournalLock lock = JournalLock.acquire(primaryDir)) { // held by the engine's process, as a journaled one
            JournalLayout.create(primaryDir, 1);
            try (Primary primary = primary(primaryDir, ReplicationMode.SYNC).fallback(SyncFallback.DEGRADE)
                    .syncTimeout(Duration.ofSeconds(60)).start()) {
                PurestockEngine engine = primary.configure(PurestockEngine.builder()
                        .journal(shard -> new FailingJournal(JournalWriter.open(primaryDir, Durability.PAGE_CACHE), 0,
                                sequence -> awaitTrue(() -> primary.lastHanded() >= sequence,
                                        "the replication stage has seq " + sequence + " and waits for its standby")))
                        .expireReservationsEvery(Duration.ZERO)).build();
                try (engine) {
                    CompletionException stopped = assertThrows(CompletionException.class,
                            () -> engine.submit(new Command.ListProduct(1, 1_000)).join());
                    EngineStoppedException failure = assertInstanceOf(EngineStoppedException.class,
                            stopped.getCause());
                    assertTrue(failure.getMessage().startsWith("purestock shard 0 stopped: the journal of shard 0 "
                            + "failed on command sequence 0"), failure.getMessage());
                    ReplicationStatus status = primary.status();
                    assertFalse(status.degraded(), status.describe());
                    assertTrue(status.failure().startsWith("this primary's engine stopped: "), status.describe());
                }
            }
        }
    }

    /**
     * The primary's read model fails on seq 10: its engine takes no more commands, but seq 10 is decided, journaled
     * and answered, and the standby gets it. Its status said nothing of it (no failure), while its engine refused
     * every submission; it now says the engine takes no more commands, and why, and replication goes on with what it
     * took (not refused or stalled as behind a stopped engine's journal).
     */
    @Test
    void thePrimarysStatusSaysItsEngineTakesNoMoreCommandsAndItStillReplicatesWhatItTook() throws Exception {
        long failAt = 2L * SKUS;
        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = JournaledEngine.builder(primaryDir)
                     .engine(b -> primary.configure(ReadModelFaults.failAt(b.expireReservationsEvery(Duration.ZERO),
                             failAt)))
                     .start();
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
            PurestockEngine engine = journaled.engine();
            stock(engine, 1_000);
            assertTrue(primary.status().failure() == null, primary.status().describe());
            Outcome taken = engine.submit(new Command.Purchase(1, 1, 1, WAREHOUSE, 1)).join();
            assertEquals(failAt, taken.sequence(), "the command the read model failed on is answered");
            CompletionException refused = assertThrows(CompletionException.class,
                    () -> engine.submit(new Command.Purchase(2, 1, 1, WAREHOUSE, 1)).join());
            assertInstanceOf(EngineStoppedException.class, refused.getCause());

            assertTrue(standby.awaitSequence(failAt, WAIT), "the standby got what the engine took");
            awaitTrue(() -> primary.status().failure() != null, "the status says the engine takes no more commands");
            String failure = primary.status().failure();
            assertTrue(failure.startsWith("this primary's engine takes no more commands: purestock shard 0 stopped: "
                    + "updating the read model with command sequence " + failAt), failure);
            assertTrue(failure.contains("the read model failed on seq " + failAt), failure);
            awaitTrue(() -> primary.status().peerSequence() == failAt, "the standby acknowledged it");
            assertTrue(standby.status().failure() == null, standby.status().describe());
            awaitTrue(() -> failure.equals(StatusFile.read(primaryDir).status().failure()), "the status file says so");
        }
    }
}
