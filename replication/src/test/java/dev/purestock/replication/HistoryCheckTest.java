package dev.purestock.replication;

import dev.purestock.engine.EngineStoppedException;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalLayout;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalWriter;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;

import static dev.purestock.replication.ReplicationTest.WAIT;
import static dev.purestock.replication.ReplicationTest.awaitTrue;
import static dev.purestock.replication.ReplicationTest.engine;
import static dev.purestock.replication.ReplicationTest.primary;
import static dev.purestock.replication.ReplicationTest.purchases;
import static dev.purestock.replication.ReplicationTest.standbyPastACrashedPrimary;
import static dev.purestock.replication.ReplicationTest.stock;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** A standby whose history parts from its primary's within one epoch is refused, however far the primary is. */
class HistoryCheckTest {
    @TempDir
    Path primaryDir;
    @TempDir
    Path standbyDir;

    /**
     * A primary crashed with records sent to its standby but not journaled; restarted as primary, it decides new
     * commands under those sequences, past the standby's last, before the standby says hello again. The standby's
     * tail is not the primary's history: it must be refused, not sent the records after it.
     */
    @Test
    void aStandbyWhoseTailARestartedPrimaryDecidedAgainIsRefused() throws Exception {
        long standbyLast = standbyPastACrashedPrimary(primaryDir, standbyDir);
        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engine(primaryDir, primary)) {
            // other purchases under the lost sequences, and beyond the standby's last
            long last = purchases(journaled.engine(), 5_000, 40).sequence();
            assertTrue(last > standbyLast);
            try (Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
                awaitTrue(() -> standby.status().failure() != null || standby.lastSequence() >= last,
                        "the standby is refused or catches up");
                if (standby.status().failure() == null) {
                    fail("the standby took seq " + (standbyLast + 1) + " to " + last + " after a tail the primary "
                            + "decided differently: its journal is no longer the primary's prefix");
                }
                assertTrue(standby.status().failure().contains("differs"), standby.status().failure());
            }
        }
    }

    /**
     * The primary's journal stage fails on a record its replication stage had already sent, and the standby holds it;
     * the engine stops. The standby, restarted, says hello with that record as its last: the history check waited
     * for the primary's journal to hold it, which it never will, so the standby waited for ever, told nothing.
     */
    @Test
    void aStandbyWhoseLastRecordTheStoppedPrimaryNeverJournaledIsRefusedNamingWhy() throws Exception {
        String why = refusalOfAStandbyPastAStoppedPrimary(() -> { });
        assertTrue(why.contains("this primary's journal ends at seq 11"), why);
    }

    /**
     * As above, with the stopped primary's journal one that cannot be opened (its high-water mark damaged): the
     * refusal said the journal ends at seq -1, as if it were empty, instead of why it could not be read.
     */
    @Test
    void aStandbyPastAStoppedPrimaryWhoseJournalCannotBeOpenedIsRefusedNamingWhyNot() throws Exception {
        String why = refusalOfAStandbyPastAStoppedPrimary(() -> {
            try {
                Files.write(primaryDir.resolve("purestock.hwm"), new byte[64]);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertTrue(why.contains("this primary's journal cannot be read (") && why.contains("purestock.hwm"), why);
        assertFalse(why.contains("ends at seq -1"), why);
    }

    /**
     * The standby's refusal once the primary's journal stage failed on seq 12 after its replication stage had sent it
     * and the engine stopped; {@code afterStop} runs before the standby, restarted, says hello with seq 12 its last.
     */
    private String refusalOfAStandbyPastAStoppedPrimary(Runnable afterStop) throws Exception {
        long failAt = 12;
        AtomicReference<Standby> following = new AtomicReference<>();
        try (JournalLock lock = JournalLock.acquire(primaryDir)) { // held by the engine's process, as a journaled one
            JournalLayout.create(primaryDir, 1);
            try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start()) {
                following.set(Standby.builder(standbyDir).primary(primary.endpoint()).start());
                PurestockEngine engine = primary.configure(PurestockEngine.builder()
                        .journal(shard -> new FailingJournal(JournalWriter.open(primaryDir, Durability.PAGE_CACHE),
                                failAt, sequence -> assertTrue(following.get().awaitSequence(sequence, WAIT),
                                        "the standby received seq " + sequence)))
                        .expireReservationsEvery(Duration.ZERO)).build();
                try (engine) {
                    // served before anything is decided: the sender keeps the records in its ring for a standby it
                    // serves, and drops them from it while it serves none; one that said hello only after seq 12 was
                    // dropped waited for it from the journal, which the journal below never writes until the standby
                    // holds it (5 s, then the journal failed on its assertion instead)
                    awaitTrue(() -> following.get().status().connected(), "the primary serves the first standby");
                    stock(engine, 1_000);
                    purchases(engine, 1, 2);
                    CompletionException stopped = assertThrows(CompletionException.class,
                            () -> purchases(engine, 3, 1), "seq " + failAt + " is never journaled");
                    assertInstanceOf(EngineStoppedException.class, stopped.getCause());
                    following.get().close();
                    afterStop.run();
                    try (Standby restarted = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
                        assertTrue(restarted.lastSequence() == failAt, "the standby holds " + restarted.lastSequence());
                        awaitTrue(() -> restarted.status().failure() != null, "the standby is refused");
                        String why = restarted.status().failure();
                        assertTrue(why.contains("engine stopped before its journal held seq " + failAt), why);
                        return why;
                    }
                }
            }
        } finally {
            if (following.get() != null) {
                following.get().close();
            }
        }
    }
}
