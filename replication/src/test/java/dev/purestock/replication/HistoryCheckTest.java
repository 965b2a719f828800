package dev.purestock.replication;

import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.purestock.replication.ReplicationTest.awaitTrue;
import static dev.purestock.replication.ReplicationTest.engine;
import static dev.purestock.replication.ReplicationTest.primary;
import static dev.purestock.replication.ReplicationTest.purchases;
import static dev.purestock.replication.ReplicationTest.standbyPastACrashedPrimary;
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
}
