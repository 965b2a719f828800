package dev.purestock.cli;

import dev.purestock.domain.MapInventoryStore;
import dev.purestock.journal.SnapshotInfo;
import dev.purestock.journal.SnapshotStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A snapshot passed over or set aside reaches the operator once: as the subcommand's {@code note:} line on standard
 * error, with no log line of the journal library repeating it. Each subcommand runs in a child JVM, so that standard
 * error holds what a terminal shows, the SLF4J binding's lines included.
 */
class SnapshotNotesOnceTest {
    @TempDir
    Path tmp;

    /** Standard error of the purestock command run with {@code arguments} in a child JVM; fails unless it exits 0. */
    private String childErr(String name, String... arguments) throws Exception {
        Path out = tmp.resolve(name + ".out");
        Path err = tmp.resolve(name + ".err");
        Process child = new ProcessBuilder(ChildCli.command(arguments)).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        assertTrue(child.waitFor(5, TimeUnit.MINUTES), name + " did not end");
        String text = Files.readString(err);
        assertEquals(0, child.exitValue(), name + ": " + text + Files.readString(out));
        return text;
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }

    /** Asserts that every {@code note:} line of {@code err} is there once, and that its text is nowhere else. */
    private static List<String> notesOnce(String err) {
        List<String> notes = err.lines().filter(line -> line.startsWith("note: "))
                .map(line -> line.substring("note: ".length())).toList();
        for (String note : notes) {
            assertEquals(1, count(err, note), note + " in\n" + err);
        }
        return notes;
    }

    @Test
    void replayAndADemoNameEachSnapshotPassedOverOrSetAsideOnce() throws Exception {
        Path dir = tmp.resolve("data");
        Run first = Run.of(PurestockCliTest.demo(dir));
        assertEquals(0, first.code(), first.err());
        SnapshotInfo newest = new SnapshotStore(dir).list().getLast();
        Files.write(newest.file(), new byte[(int) newest.bytes()]);
        SnapshotInfo ahead = new SnapshotStore(dir, 10).writeSnapshot(newest.lastSequence() + 1000, newest.time() + 1,
                new MapInventoryStore());
        String unusable = "snapshot " + newest.file() + " is unusable (";

        List<String> replayed = notesOnce(childErr("replay", "replay", "--journal", dir.toString()));
        assertTrue(replayed.stream().anyMatch(note -> note.startsWith(unusable)), replayed.toString());
        assertTrue(replayed.stream().anyMatch(note -> note.startsWith("snapshot at sequence " + ahead.lastSequence()
                + " is ahead of the journal")), replayed.toString());

        List<String> started = notesOnce(childErr("demo", PurestockCliTest.demo(dir)));
        assertTrue(started.stream().anyMatch(note -> note.startsWith(unusable)), started.toString());
        assertTrue(started.stream().anyMatch(note -> note.startsWith("moved " + ahead.file().getFileName() + " to ")),
                started.toString());
    }

    @Test
    void snapshotNamesAnUnusableSnapshotItReplacesOnce() throws Exception {
        Path dir = tmp.resolve("data");
        Run first = Run.of(PurestockCliTest.demo(dir));
        assertEquals(0, first.code(), first.err());
        Run taken = Run.of("snapshot", "--journal", dir.toString());
        assertEquals(0, taken.code(), taken.err());
        SnapshotInfo atTheEnd = new SnapshotStore(dir).list().getLast();
        Files.write(atTheEnd.file(), new byte[(int) atTheEnd.bytes()]);
        String unusable = "snapshot " + atTheEnd.file() + " is unusable (";

        // the recovery before the write passes over it, and the write replaces it: one line says so, not two
        String err = childErr("snapshot", "snapshot", "--journal", dir.toString());
        List<String> notes = notesOnce(err);
        assertTrue(notes.stream().anyMatch(note -> note.startsWith(unusable)), err);
        assertEquals(1, count(err, unusable), err);
        assertEquals(atTheEnd.lastSequence(), new SnapshotStore(dir).list().getLast().lastSequence());
    }
}
