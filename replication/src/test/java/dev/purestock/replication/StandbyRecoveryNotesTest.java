package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.SnapshotInfo;
import dev.purestock.journal.SnapshotStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A standby's start is the only reporter of its recovery's notes (nothing hands them on: the {@code purestock standby}
 * command shows its log): it logs each once, at WARN, and the journal library, which hands them back, does not log
 * them too. The replication tests log through slf4j-simple to standard error, which the test reads.
 */
class StandbyRecoveryNotesTest {
    @TempDir
    Path standbyDir;

    @Test
    void aSnapshotAheadOfTheStandbysJournalIsLoggedOnceAtWarnAsItStarts() throws Exception {
        try (JournaledEngine engine = JournaledEngine.builder(standbyDir).start()) {
            engine.engine().submit(new Command.ListProduct(1, 0)).join();
        }
        SnapshotInfo ahead = new SnapshotStore(standbyDir).writeSnapshot(100, 1, new MapInventoryStore());

        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Standby.builder(standbyDir).primary("127.0.0.1:9").start().close();
        } finally {
            System.setErr(err);
        }

        String moved = "moved " + ahead.file().getFileName() + " to ";
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().filter(line -> line.contains(moved))
                .toList();
        assertEquals(1, lines.size(), captured.toString(StandardCharsets.UTF_8));
        assertTrue(lines.getFirst().contains(" WARN ") && lines.getFirst().contains("standby recovery of " + standbyDir),
                lines.getFirst());
    }
}
