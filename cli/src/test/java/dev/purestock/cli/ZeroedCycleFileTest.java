package dev.purestock.cli;

import com.google.gson.JsonObject;
import dev.purestock.domain.Command;
import dev.purestock.journal.JournaledEngine;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cycle file that starts with zeros, what a writer stopped as it created the file leaves, is named at once by the
 * subcommands that read a journal: Chronicle Queue would wait for its header, 10 s at each place it looks, and then
 * fail in words about queue indexes.
 */
class ZeroedCycleFileTest {
    private static final List<String> READERS = List.of("verify", "stats", "dump", "replay");
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd");

    @TempDir
    Path dir;

    @Test
    void aZeroedCycleFileIsNamedByEveryReader() throws IOException {
        journal();
        Path only = cycleFiles().getLast();
        Files.write(only, new byte[(int) Files.size(only)]);

        for (String command : READERS) {
            Run run = Run.of(command, "--journal", dir.toString());
            assertEquals(PurestockCli.FAILED, run.code(), command + ": " + run.out());
            assertEquals("purestock " + command + ": " + acknowledgedMayBeIn(only, "zeros"), run.errorLine(), command);
        }
        Run status = Run.of("status", "--journal", dir.toString());
        assertEquals(0, status.code(), status.err());
        assertTrue(status.values().get("journal-error").startsWith("cycle file " + only.getFileName() + " of journal "
                + dir + " has no header"), status.out());
        assertEquals("none (no primary or standby has run on this journal)", status.values().get("replication"));
    }

    /**
     * A first header still marked not complete, what a writer stopped as it wrote the header leaves (or another
     * program's bytes whose first word has that bit), is named as one of zeros is: a reader would wait for the writer
     * to finish it, again and again, without end.
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCycleFileWhoseHeaderWasNeverFinishedIsNamedByEveryReader() throws IOException {
        journal();
        Path only = cycleFiles().getLast();
        try (FileChannel channel = FileChannel.open(only, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer word = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(word, 0);
            // Chronicle Queue's header word, little-endian: its top bit says the header is not complete yet
            word.putInt(0, word.getInt(0) | Integer.MIN_VALUE).rewind();
            channel.write(word, 0);
        }

        for (String command : READERS) {
            Run run = Run.of(command, "--journal", dir.toString());
            assertEquals(PurestockCli.FAILED, run.code(), command + ": " + run.out());
            assertEquals("purestock " + command + ": " + acknowledgedMayBeIn(only, "one a writer never finished"),
                    run.errorLine(), command);
        }
        Run status = Run.of("status", "--journal", dir.toString());
        assertEquals(0, status.code(), status.err());
        assertTrue(status.values().get("journal-error").startsWith("cycle file " + only.getFileName() + " of journal "
                + dir + " has no header (it starts with one a writer never finished)"), status.out());

        // the engine start the message points to refuses too, at once: the file may hold the acknowledged records
        Path commands = Files.writeString(dir.resolveSibling(dir.getFileName() + "-commands.jl"), "");
        Run submit = Run.of("submit", "--journal", dir.toString(), commands.toString());
        assertEquals(PurestockCli.FAILED, submit.code(), submit.out());
        assertTrue(submit.errorLine().contains("cycle file " + only.getFileName() + " of journal " + dir + " has no "
                + "header (it starts with one a writer never finished), and no reader can open it: the journal "
                + "acknowledged records up to seq 4, and the cycle files before it end at no record"), submit.errorLine());
    }

    @Test
    void aZeroedCycleFileBeforeLaterOnesIsNamedAsOneToRestore() throws IOException {
        journal();
        Path first = cycleFiles().getLast();
        String name = first.getFileName().toString();
        Path later = dir.resolve(LocalDate.parse(name.substring(0, 8), DAY).plusDays(1).format(DAY)
                + name.substring(8));
        Files.copy(first, later);
        Files.write(first, new byte[(int) Files.size(first)]);

        Run run = Run.of("verify", "--journal", dir.toString());
        assertEquals(PurestockCli.FAILED, run.code(), run.out());
        assertTrue(run.errorLine().startsWith("purestock verify: cycle file " + first.getFileName() + " of journal "
                + dir + " has no header (it starts with zeros): a writer stopped as it created it, or the file was "
                + "written over, and no reader can open it; 1 later cycle file holds later records, so it held records "
                + "that no reader can find: restore it from a copy of the directory or a standby's journal. No cut is "
                + "offered around it"), run.errorLine());
        // the subcommands that would cut refuse it alike, naming what a cut before it would drop
        for (String command : List.of("repair", "truncate")) {
            Run cut = command.equals("repair") ? Run.of("repair", "--journal", dir.toString(), "--truncate")
                    : Run.of("truncate", "--journal", dir.toString(), "--after-seq", "2");
            assertEquals(PurestockCli.FAILED, cut.code(), cut.out());
            assertTrue(cut.errorLine().contains("one before it would drop its records and every later file's, the "
                    + "acknowledged ones among them (the journal acknowledged records up to seq 4)"), cut.errorLine());
        }
    }

    /**
     * A newest cycle file with no header after cycle files that hold every acknowledged record (a writer stopped as it
     * rolled into the next day's file): the subcommands that only read answer at once from the records before it and
     * name the file on standard error, changing nothing; the engine start the note points to sets it aside.
     */
    @Test
    void theReadersReadEveryRecordBeforeAZeroedNewestCycleFileAndNameIt() throws IOException {
        journal();
        Path newest = zeroedNextDaysCycleFile(dir);
        Map<Path, byte[]> before = files();
        String note = "note: cycle file " + newest.getFileName() + " of journal " + dir + " has no header (it starts "
                + "with zeros): a writer stopped as it created it, or the file was written over; it is the newest cycle "
                + "file, and the records before it reach the journal's high-water mark (seq 4), so it holds no "
                + "acknowledged record. The records up to seq 4 were read, and it was not; the next engine start on "
                + "the directory moves it aside (if an engine is writing the journal, it was creating that file: read "
                + "again)";

        Run dump = Run.of("dump", "--journal", dir.toString());
        assertEquals(0, dump.code(), dump.err());
        assertEquals(5, dump.out().lines().count(), dump.out());
        assertTrue(dump.out().lines().toList().getLast().startsWith("seq=4 "), dump.out());
        assertEquals(note, dump.errorLine());
        Run verify = Run.of("verify", "--journal", dir.toString());
        assertEquals(0, verify.code(), verify.err());
        assertEquals("5", verify.values().get("records-verified"));
        assertEquals("ok", verify.values().get("result"));
        assertEquals(note, verify.errorLine());
        for (String command : List.of("stats", "replay")) {
            Run run = Run.of(command, "--journal", dir.toString());
            assertEquals(0, run.code(), command + ": " + run.err());
            assertEquals(note, run.errorLine(), command);
        }
        // what a script reads: the note in the answer, and the counts of what was read
        Path read = cycleFiles().getFirst();
        JsonObject verifyJson = Run.of("verify", "--journal", dir.toString(), "--json").json();
        assertEquals("ok", verifyJson.get("result").getAsString());
        assertEquals(note.substring("note: ".length()), verifyJson.get("journal-note").getAsString());
        assertEquals(note.substring("note: ".length()), verify.values().get("journal-note"));
        for (List<String> answer : List.of(List.of("replay"), List.of("query", "--sku", "1"))) {
            List<String> args = new ArrayList<>(answer);
            args.addAll(List.of("--journal", dir.toString()));
            Run lines = Run.of(args.toArray(String[]::new));
            assertEquals(note.substring("note: ".length()), lines.values().get("journal-note"), answer.getFirst());
            assertEquals(note, lines.errorLine(), answer.getFirst() + ": named once");
            args.add("--json");
            assertEquals(note.substring("note: ".length()), Run.of(args.toArray(String[]::new)).json()
                    .get("journal-note").getAsString(), answer.getFirst());
        }
        Map<String, String> stats = Run.of("stats", "--journal", dir.toString()).values();
        assertEquals("5", stats.get("records"));
        assertEquals("1", stats.get("cycles"), "the cycle file read, not the one left unread");
        assertEquals(String.valueOf(Files.size(read)), stats.get("bytes"));
        assertEquals(note.substring("note: ".length()), stats.get("journal-note"));
        Run status = Run.of("status", "--journal", dir.toString());
        assertEquals(0, status.code(), status.err());
        assertEquals("4", status.values().get("last-seq"));
        assertEquals(note.substring("note: ".length()), status.values().get("journal-note"));
        assertEquals(before.keySet(), files().keySet(), "no file moved, made or removed");
        before.forEach((file, bytes) -> assertArrayEquals(bytes, read(file), file + " unchanged"));

        // what the note says to do: the engine's start sets the file aside, and the readers read every file
        Path commands = Files.writeString(dir.resolveSibling(dir.getFileName() + "-commands.jl"), "");
        Run submit = Run.of("submit", "--journal", dir.toString(), commands.toString());
        assertEquals(0, submit.code(), submit.err());
        assertFalse(Files.exists(newest), "set aside");
        Run again = Run.of("verify", "--journal", dir.toString());
        assertEquals(0, again.code(), again.err());
        assertEquals(List.of(), again.errLines().stream().filter(line -> !line.startsWith("\r")).toList());
    }

    /**
     * {@code snapshot} takes a newest cycle file with no header as recovery does, holding the directory's lock: when
     * the records before it reach the high-water mark, it cuts the snapshot at the last of them, names the file once on
     * standard error and carries it in its answer as {@code journal-note}, and moves no cycle file; when they do not,
     * it refuses with the line every reader gives, writing nothing. It refused both alike, sending the operator to an
     * engine start that, in the second case, refuses too.
     */
    @Test
    void snapshotCutsASnapshotBeforeAZeroedNewestCycleFileAndNamesItOnce() throws IOException {
        journal();
        Path read = cycleFiles().getFirst();
        Path newest = zeroedNextDaysCycleFile(dir);
        String note = "cycle file " + newest.getFileName() + " of journal " + dir + " has no header (it starts with "
                + "zeros): a writer stopped as it created it, or the file was written over; it is the newest cycle file, "
                + "and the records before it reach the journal's high-water mark (seq 4), so it holds no acknowledged "
                + "record. The records up to seq 4 were read, and it was not; the next engine start on the directory "
                + "moves it aside (if an engine is writing the journal, it was creating that file: read again)";

        Run snapshot = Run.of("snapshot", "--journal", dir.toString());
        assertEquals(0, snapshot.code(), snapshot.err());
        assertEquals("note: " + note, snapshot.errorLine(), "named once");
        assertEquals("4", snapshot.values().get("last-sequence"));
        assertEquals(note, snapshot.values().get("journal-note"));
        assertTrue(Files.exists(Path.of(snapshot.values().get("snapshot"))));
        assertEquals(List.of(read, newest), cycleFiles(), "no cycle file moved");
        assertEquals(note, Run.of("snapshot", "--journal", dir.toString(), "--json").json().get("journal-note")
                .getAsString());

        // the records before it end below the mark: acknowledged records may be in it, and nothing is written
        Files.write(read, new byte[(int) Files.size(read)]);
        Files.delete(newest);
        List<Path> snapshotsBefore = snapshotFiles();
        Run refused = Run.of("snapshot", "--journal", dir.toString());
        assertEquals(PurestockCli.FAILED, refused.code(), refused.out());
        assertEquals("purestock snapshot: " + acknowledgedMayBeIn(read, "zeros"), refused.errorLine());
        assertEquals(snapshotsBefore, snapshotFiles());
    }

    private List<Path> snapshotFiles() throws IOException {
        try (Stream<Path> files = Files.walk(dir.resolve("snapshots"))) {
            return files.sorted().toList();
        }
    }

    private String acknowledgedMayBeIn(Path only, String start) {
        return "cycle file " + only.getFileName() + " of journal " + dir + " has no header (it starts with " + start
                + "), and no reader can open it: the journal acknowledged records up to seq 4, and the cycle files "
                + "before it end at no record, so records 0..4 may be in it. Nothing was changed; restore it from a "
                + "copy of the directory or a standby's journal";
    }

    /**
     * The next day's cycle file of the daily journal in {@code journal}, created and listed with its header, as the
     * engine creates it when it rolls, then zeroed: what a writer stopped as it rolled into it leaves.
     */
    static Path zeroedNextDaysCycleFile(Path journal) throws IOException {
        SetTimeProvider tomorrow = new SetTimeProvider(Instant.now().plus(1, ChronoUnit.DAYS));
        Path newest;
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(journal).rollCycle(RollCycles.FAST_DAILY)
                .timeProvider(tomorrow).build()) {
            SingleChronicleQueueStore store = queue.storeForCycle(queue.cycle(), queue.epoch(), true, null);
            newest = store.file().toPath();
            queue.closeStore(store);
        }
        Files.write(newest, new byte[(int) Files.size(newest)]);
        return newest;
    }

    /** Every file of the directory, with its bytes. */
    private Map<Path, byte[]> files() throws IOException {
        Map<Path, byte[]> files = new HashMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path file : all.filter(Files::isRegularFile).toList()) {
                files.put(file, Files.readAllBytes(file));
            }
        }
        return files;
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void journal() {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            for (long sku = 1; sku <= 5; sku++) {
                journaled.engine().submit(new Command.ListProduct(sku, 0)).join();
            }
        }
    }

    private List<Path> cycleFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".cq4")).sorted().toList();
        }
    }
}
