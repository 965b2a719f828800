package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.MapInventoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each note on the journal's snapshots reaches whoever looks once: the library hands a note to its caller and does not
 * log it too; a {@link JournaledEngine}, which hands its recovery's notes back through {@link JournaledEngine#recovered},
 * logs each once at WARN, for a service that embeds it and reads only its log (unless told that its caller reports
 * them); and a note no caller receives (a snapshot write replacing a listed snapshot that fails its checks) is logged.
 * The journal's tests log through slf4j-simple to standard error, which each test reads here.
 */
class RecoveryNotesLoggedOnceTest {
    @TempDir
    Path dir;

    /** What {@code action} returned and what was logged (to standard error) while it ran. */
    private record Logged<T>(T result, String log) {
    }

    private static <T> Logged<T> logged(Callable<T> action) throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            T result = action.call();
            System.err.flush();
            return new Logged<>(result, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(err);
        }
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }

    /** Journals records 0..2 with a snapshot after 1 and another after 2, and returns the newer one. */
    private SnapshotInfo journalWithTwoSnapshots() throws Exception {
        try (ShardHarness shard = new ShardHarness(dir, Durability.PAGE_CACHE)) {
            shard.submit(new Command.ListProduct(1, 0));
            shard.submit(new Command.ReceiveStock(1, 1, 0, 10));
            shard.snapshot();
            shard.submit(new Command.ReceiveStock(2, 1, 0, 5));
            shard.snapshot();
        }
        return new SnapshotStore(dir).list().getLast();
    }

    /** Overwrites {@code info}'s file with zeros, so that it fails its checksum. */
    private static void damage(SnapshotInfo info) throws Exception {
        Files.write(info.file(), new byte[(int) info.bytes()]);
    }

    @Test
    void aRecoveryHandsAnUnusableSnapshotsNoteToItsCallerWithoutLoggingIt() throws Exception {
        SnapshotInfo newest = journalWithTwoSnapshots();
        damage(newest);

        Logged<RecoveredState> recovery = logged(() -> JournalRecovery.recover(dir, MapInventoryStore::new,
                ReplayProgress.NONE));

        String note = "snapshot " + newest.file() + " is unusable (";
        assertEquals(1, recovery.result().notes().stream().filter(n -> n.startsWith(note)).count(),
                recovery.result().notes().toString());
        assertEquals(0, count(recovery.log(), newest.file().toString()), recovery.log());
    }

    @Test
    void aJournaledEngineLogsEachNoteItsRecoveryHandsBackOnceAtWarn() throws Exception {
        SnapshotInfo newest = journalWithTwoSnapshots();
        damage(newest);
        SnapshotInfo ahead = new SnapshotStore(dir, 10).writeSnapshot(100, newest.time() + 1, new MapInventoryStore());

        Logged<List<String>> start = logged(() -> {
            try (JournaledEngine engine = JournaledEngine.builder(dir).start()) {
                return engine.recovered().notes();
            }
        });

        List<String> notes = start.result();
        assertTrue(notes.stream().anyMatch(n -> n.startsWith("snapshot " + newest.file() + " is unusable (")),
                notes.toString());
        assertTrue(notes.stream().anyMatch(n -> n.startsWith("moved " + ahead.file().getFileName() + " to ")),
                notes.toString());
        for (String note : notes) {
            assertEquals(1, count(start.log(), note), note + " in " + start.log());
            assertTrue(start.log().lines().anyMatch(line -> line.contains("WARN") && line.endsWith(note)),
                    start.log());
        }
    }

    /**
     * A damaged manifest line is named by the recovery that reads the manifest, and the start then rewrites the
     * manifest without it: one note, logged once, and no line left for a later reader to name again.
     */
    @Test
    void aDamagedManifestLineIsNamedOnceByAStartThatDropsIt() throws Exception {
        journalWithTwoSnapshots();
        Path manifest = dir.resolve("snapshots").resolve("manifest");
        Files.writeString(manifest, Files.readString(manifest) + "not a snapshot\n");

        Logged<List<String>> start = logged(() -> {
            try (JournaledEngine engine = JournaledEngine.builder(dir).start()) {
                return engine.recovered().notes();
            }
        });

        List<String> damaged = start.result().stream().filter(n -> n.contains(" is damaged (")).toList();
        assertEquals(1, damaged.size(), start.result().toString());
        assertTrue(damaged.getFirst().startsWith("snapshot manifest " + manifest + " line 4 is damaged"), damaged.getFirst());
        assertEquals(1, count(start.log(), damaged.getFirst()), start.log());
        assertTrue(Files.readString(manifest).lines().noneMatch(line -> line.contains("not a snapshot")),
                Files.readString(manifest));
        Logged<List<SnapshotInfo>> listed = logged(() -> new SnapshotStore(dir).list());
        assertEquals(2, listed.result().size(), listed.result().toString());
        assertEquals("", listed.log());
    }

    @Test
    void aJournaledEngineWhoseCallerReportsTheNotesLogsNone() throws Exception {
        SnapshotInfo newest = journalWithTwoSnapshots();
        damage(newest);

        Logged<List<String>> start = logged(() -> {
            try (JournaledEngine engine = JournaledEngine.builder(dir).logRecoveryNotes(false).start()) {
                return engine.recovered().notes();
            }
        });

        assertEquals(1, start.result().size(), start.result().toString());
        assertEquals(0, count(start.log(), newest.file().toString()), start.log());
    }

    /**
     * A snapshot written at the sequence and time of a listed one whose file fails its checks replaces it; the engine's
     * snapshot stage that asks for it takes no notes, so the snapshot store logs why, once.
     */
    @Test
    void aSnapshotWriteLogsTheUnusableListedSnapshotItReplaces() throws Exception {
        SnapshotInfo newest = journalWithTwoSnapshots();
        damage(newest);

        Logged<SnapshotInfo> written = logged(() -> new SnapshotStore(dir).writeSnapshot(newest.lastSequence(),
                newest.time(), new MapInventoryStore()));

        assertEquals(1, count(written.log(), "snapshot " + newest.file() + " is unusable ("), written.log());
        assertEquals(newest.lastSequence(), written.result().lastSequence());
    }

    /**
     * A caller that reports the notes itself receives them only from a started engine. When one shard's recovery fails,
     * another that recovered has still changed its directory (here, set a snapshot ahead of its journal aside): no
     * caller receives that note, so it is logged, once, even with {@code logRecoveryNotes(false)}.
     */
    @Test
    void aStartThatFailsLogsTheNotesOfTheShardsThatRecoveredEvenWhenItsCallerWouldReportThem() throws Exception {
        JournalLayout layout = JournalLayout.create(dir, 2);
        JournalFiles.write(layout.shardDir(0), 0, 10);
        SnapshotInfo ahead = new SnapshotStore(layout.shardDir(0), 10).writeSnapshot(100, 1, new MapInventoryStore());
        JournalFiles.write(layout.shardDir(1), 0, 100);
        Path cycle = JournalFiles.cycleFile(layout.shardDir(1));
        long header = JournalFiles.headerOffsets(layout.shardDir(1)).get(50);
        JournalFiles.writeInt(cycle, header, JournalFiles.readInt(cycle, header) | JournalFiles.NOT_COMPLETE);

        Logged<Throwable> start = logged(() -> assertThrows(JournalDamagedException.class,
                () -> JournaledEngine.builder(dir).shards(2).logRecoveryNotes(false).start()));

        assertTrue(start.result().getMessage().startsWith("shard 1 of 2 "), start.result().getMessage());
        assertEquals(List.of(), new SnapshotStore(layout.shardDir(0)).list(), "shard 0 recovered, and set it aside");
        String moved = "moved " + ahead.file().getFileName() + " to ";
        assertEquals(1, count(start.log(), moved), start.log());
        assertTrue(start.log().lines().anyMatch(line -> line.contains("WARN") && line.contains(moved)), start.log());
    }

    /**
     * The same holds for a start that fails after recovery: the directory records an older epoch than its last record
     * (its epoch file restored from an older copy), which is refused once the shard has recovered and set a snapshot
     * ahead of its journal aside.
     */
    @Test
    void aStartRefusedAfterRecoveryLogsItsNotesEvenWhenItsCallerWouldReportThem() throws Exception {
        JournalEpoch.promote(dir, 2);
        try (JournaledEngine engine = JournaledEngine.builder(dir).start()) {
            engine.engine().submit(new Command.ListProduct(1, 0)).join();
        }
        Files.delete(dir.resolve(JournalEpoch.FILE_NAME));
        SnapshotInfo ahead = new SnapshotStore(dir, 10).writeSnapshot(100, 1, new MapInventoryStore());

        Logged<JournalException> start = logged(() -> assertThrows(JournalException.class,
                () -> JournaledEngine.builder(dir).logRecoveryNotes(false).start()));

        assertTrue(start.result().getMessage().contains("go back in epoch"), start.result().getMessage());
        assertEquals(List.of(), new SnapshotStore(dir).list(), "recovered, and set it aside");
        String moved = "moved " + ahead.file().getFileName() + " to ";
        assertEquals(1, count(start.log(), moved), start.log());
    }
}
