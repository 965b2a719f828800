package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.engine.EngineStoppedException;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;

import static dev.purestock.replication.ReplicationTest.WAIT;
import static dev.purestock.replication.ReplicationTest.WAREHOUSE;
import static dev.purestock.replication.ReplicationTest.awaitTrue;
import static dev.purestock.replication.ReplicationTest.engine;
import static dev.purestock.replication.ReplicationTest.primary;
import static dev.purestock.replication.ReplicationTest.purchases;
import static dev.purestock.replication.ReplicationTest.stock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A SYNC primary whose standby stops reading: Aeron back pressure, then the fallback. */
class BackPressureTest {
    static final Duration TIMEOUT = Duration.ofMillis(300);

    @TempDir
    Path primaryDir;
    @TempDir
    Path standbyDir;

    @Test
    void waitStopsTheEngineWhenTheStandbyStopsReadingAndAnswersNothingUnacknowledged() throws Exception {
        try (Primary primary = primary(primaryDir, ReplicationMode.SYNC).fallback(SyncFallback.WAIT)
                .syncTimeout(TIMEOUT).start();
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start();
             JournaledEngine journaled = engine(primaryDir, primary)) {
            PurestockEngine engine = journaled.engine();
            // on a loaded machine the standby's first hello could come after the short timeout of the first command
            awaitTrue(() -> standby.status().connected(), "the primary answered the standby");
            stock(engine, 10_000);
            long acknowledged = purchases(engine, 1, 200).sequence();
            standby.pause(true);
            CompletionException failed = assertThrows(CompletionException.class,
                    () -> engine.submit(new Command.Purchase(5_000, 1, 1, WAREHOUSE, 1)).join());
            EngineStoppedException stopped = assertInstanceOf(EngineStoppedException.class, failed.getCause());
            assertInstanceOf(ReplicationException.class, stopped.getCause());
            assertTrue(stopped.getMessage().contains("did not acknowledge seq " + (acknowledged + 1)),
                    stopped.getMessage());
            assertEquals(acknowledged, primary.status().peerSequence(), "the standby acknowledged nothing more");
            assertThrows(CompletionException.class,
                    () -> engine.submit(new Command.Purchase(5_001, 1, 1, WAREHOUSE, 1)).join(),
                    "a stopped engine refuses later commands");
            standby.pause(false);
        }
    }

    @Test
    void degradeAnswersFromTheLocalJournalAloneThenReturnsToSyncOnceTheStandbyCatchesUp() throws Exception {
        try (Primary primary = primary(primaryDir, ReplicationMode.SYNC).fallback(SyncFallback.DEGRADE)
                .syncTimeout(TIMEOUT).start();
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start();
             JournaledEngine journaled = engine(primaryDir, primary)) {
            PurestockEngine engine = journaled.engine();
            stock(engine, 100_000);
            purchases(engine, 1, 200);
            // on a loaded machine the standby may miss the short timeout before it is paused: start from SYNC
            long id = 10_000;
            while (primary.status().degraded()) {
                assertTrue(id < 20_000, "SYNC within 10,000 commands of a standby that reads");
                engine.submit(new Command.Purchase(id++, 1, 1, WAREHOUSE, 1)).join();
            }
            long before = primary.status().degradations();
            standby.pause(true);
            Outcome unreplicated = purchases(engine, 1_000, 2_000);
            ReplicationStatus degraded = primary.status();
            assertTrue(degraded.degraded(), degraded.describe());
            assertEquals(before + 1, degraded.degradations(), "the paused standby degraded it once");
            assertTrue(degraded.peerSequence() < unreplicated.sequence(),
                    "answered without the standby: " + degraded.describe());
            assertTrue(degraded.lagRecords() > 0);
            assertTrue(degraded.lagMicros() > 0, "behind in time as in records: " + degraded.describe());

            standby.pause(false);
            assertTrue(standby.awaitSequence(unreplicated.sequence(), WAIT));
            id = 20_000;
            while (primary.status().degraded()) {
                assertTrue(id < 30_000, "SYNC came back within 10,000 commands of the standby catching up");
                engine.submit(new Command.Purchase(id++, 1, 1, WAREHOUSE, 1)).join();
            }
            Outcome synced = engine.submit(new Command.Purchase(id, 1, 2, WAREHOUSE, 1)).join();
            assertTrue(primary.status().peerSequence() >= synced.sequence(), "SYNC again: answered once acknowledged");
            assertEquals(before + 1, primary.status().degradations());
            assertFalse(primary.status().degraded());
        }
        Journals.assertPrefix(primaryDir, standbyDir, 2_000);
    }
}
