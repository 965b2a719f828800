package dev.purestock.cli;

import com.google.gson.JsonObject;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.journal.JournalLock;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every subcommand that takes a journal judges a {@code --journal} path alike: a journal purestock created
 * that holds no record yet is an empty journal; a file, a missing directory or a directory with no journal
 * is an error with the same one line from every subcommand.
 */
class JournalPathsTest {
    private static final String WHAT_TO_DO = "; --journal takes the directory an engine journals to";
    private static final List<String> READERS = List.of("replay", "verify", "stats", "dump");
    private static final String EMPTY_STATE_HASH = StateDigest.format(StateDigest.of(new PrimitiveInventoryStore()));

    @TempDir
    Path tmp;

    @Test
    void aFileIsNotAJournalForAnySubcommand() throws IOException {
        Path file = Files.writeString(tmp.resolve("notes.txt"), "not a journal");
        for (String command : List.of("replay", "verify", "stats", "dump", "demo")) {
            assertFails(command, file, file + " is a file, not a journal directory" + WHAT_TO_DO);
        }
        assertEquals("not a journal", Files.readString(file), "nothing wrote to the file");
    }

    @Test
    void aMissingDirectoryIsAnErrorForTheReadersAndANewJournalForTheDemo() {
        Path missing = tmp.resolve("missing");
        for (String command : READERS) {
            assertFails(command, missing, "journal directory " + missing + " does not exist" + WHAT_TO_DO);
        }
        assertTrue(Files.notExists(missing), "reading created nothing");
        assertTheDemoStartsAJournalIn(missing);
    }

    @Test
    void anEmptyDirectoryIsAnErrorForTheReadersAndANewJournalForTheDemo() throws IOException {
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        for (String command : READERS) {
            assertFails(command, empty, "directory " + empty + " is empty: it holds no purestock journal" + WHAT_TO_DO);
        }
        assertEquals(List.of(), names(empty), "reading created nothing");
        assertTheDemoStartsAJournalIn(empty);
    }

    @Test
    void aDirectoryOfOtherFilesIsNotAJournalForAnySubcommand() throws IOException {
        Path other = Files.createDirectory(tmp.resolve("other"));
        Files.writeString(other.resolve("notes.txt"), "mine");
        for (String command : List.of("replay", "verify", "stats", "dump", "demo")) {
            assertFails(command, other, "directory " + other + " holds no purestock journal (no .cq4 cycle files, no "
                    + "purestock.lock)" + WHAT_TO_DO);
        }
        assertEquals(List.of("notes.txt"), names(other), "no subcommand wrote into it");
    }

    @Test
    void aJournalWithOnlyItsLockIsAnEmptyJournal() throws IOException {
        Path dir = tmp.resolve("lock-only");
        JournalLock.acquire(dir).close();
        assertEquals(List.of(JournalLock.FILE_NAME), names(dir));
        assertEveryReaderSeesAnEmptyJournal(dir);
        assertEquals(List.of(JournalLock.FILE_NAME), names(dir), "reading changed nothing");
        assertTheDemoStartsAJournalIn(dir);
    }

    @Test
    void aJournalWhoseCycleFileHoldsNoRecordIsAnEmptyJournal() throws IOException {
        Path dir = tmp.resolve("empty-cycle");
        JournalLock.acquire(dir).close();
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir).rollCycle(RollCycles.FAST_DAILY).build();
             ExcerptAppender appender = queue.createAppender();
             DocumentContext document = appender.writingDocument()) {
            document.rollbackOnClose();
        }
        assertTrue(names(dir).stream().anyMatch(name -> name.endsWith(".cq4")), "a cycle file: " + names(dir));
        assertEveryReaderSeesAnEmptyJournal(dir);
        assertTheDemoStartsAJournalIn(dir);
    }

    /**
     * A journal whose cycle files are all gone (deleted, or a restore without them) while its high-water mark says
     * records were acknowledged holds no record, but it is no empty journal: every reader says what was lost, as
     * recovery does, instead of {@code records=0} and {@code result=ok}; a shard of a sharded journal alike.
     */
    @Test
    void aJournalWhoseAcknowledgedCycleFilesAreGoneIsNoEmptyJournal() throws IOException {
        Path dir = tmp.resolve("gone");
        Path sharded = tmp.resolve("gone-sharded");
        assertEquals(0, Run.of("demo", "--journal", dir.toString(), "--skus", "2", "--attempts", "20").code());
        assertEquals(0, Run.of("demo", "--journal", sharded.toString(), "--shards", "2", "--skus", "2", "--attempts",
                "20").code());
        deleteCycleFiles(dir);
        deleteCycleFiles(sharded.resolve("shard-1"));
        String lost = "journal " + dir + " holds no cycle file (.cq4), yet the journal acknowledged records up to seq";

        for (String command : List.of("replay", "verify", "stats", "dump", "repair", "prune", "snapshot")) {
            Run run = Run.of(command, "--journal", dir.toString());
            assertEquals(1, run.code(), command + ": " + run.out() + run.err());
            // repair reports it in damage=, the others on standard error
            assertTrue((run.out() + run.err()).contains(lost), command + ": " + run.out() + run.err());
            Run shard = Run.of(command, "--journal", sharded.toString());
            assertEquals(1, shard.code(), command + " (sharded): " + shard.out() + shard.err());
            assertTrue((shard.out() + shard.err()).contains("shard-1 holds no cycle file"), command + " (sharded): "
                    + shard.out() + shard.err());
        }
        for (Path one : List.of(dir, sharded)) {
            Run export = Run.of("export", "--journal", one.toString(), "--format", "csv");
            assertEquals(1, export.code(), export.out() + export.err());
            assertTrue(export.err().contains("holds no cycle file"), export.err());
        }
        assertTrue(Run.of("repair", "--journal", dir.toString()).err().contains("purestock truncate --journal " + dir
                + " --after-seq -1 --confirm"));
        assertTrue(Run.of("status", "--journal", dir.toString()).values().get("journal-error").startsWith(lost));

        // accepting the loss as repair advises: an empty journal from then on
        assertEquals(0, Run.of("truncate", "--journal", dir.toString(), "--after-seq", "-1", "--confirm").code());
        Run verify = Run.of("verify", "--journal", dir.toString());
        assertEquals(0, verify.code(), verify.err());
        assertEquals("0", verify.values().get("records-verified"));
    }

    private static void deleteCycleFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path cycle : files.filter(file -> file.toString().endsWith(".cq4")).toList()) {
                Files.delete(cycle);
            }
        }
    }

    private static void assertEveryReaderSeesAnEmptyJournal(Path dir) {
        for (String full : List.of("", "--full")) {
            Run replay = full.isEmpty() ? Run.of("replay", "--journal", dir.toString(), "--json")
                    : Run.of("replay", "--journal", dir.toString(), "--json", full);
            assertEquals(0, replay.code(), replay.err());
            JsonObject state = replay.json();
            assertEquals(0, state.get("records").getAsLong(), full);
            assertEquals(0, state.get("events").getAsLong(), full);
            assertEquals(0, state.get("next-sequence").getAsLong(), full);
            assertEquals("empty", state.get("recovered-from").getAsString(), full);
            assertEquals(EMPTY_STATE_HASH, state.get("state-hash").getAsString(), full);
        }

        Run verify = Run.of("verify", "--journal", dir.toString());
        assertEquals(0, verify.code(), verify.err());
        assertEquals(Map.of("journal", dir.toString(), "started-at", "empty", "epoch", "0", "records-verified", "0",
                "snapshots-checked", "0", "result", "ok"), verify.values());

        Run stats = Run.of("stats", "--journal", dir.toString(), "--json");
        assertEquals(0, stats.code(), stats.err());
        JsonObject counts = stats.json();
        assertEquals(0, counts.get("records").getAsLong());
        assertEquals(0, counts.get("events").getAsLong());
        assertEquals(-1, counts.get("first-sequence").getAsLong());
        assertEquals(-1, counts.get("last-sequence").getAsLong());
        assertEquals("-", counts.get("first-time").getAsString());
        assertEquals(0, counts.get("accepted").getAsLong());
        assertEquals(0, counts.get("rejected").getAsLong());
        assertEquals(0, counts.get("snapshots").getAsLong());

        for (String option : List.of("--json", "--to=9")) {
            Run dump = Run.of("dump", "--journal", dir.toString(), option);
            assertEquals(0, dump.code(), dump.err());
            assertEquals("", dump.out());
            assertEquals("", dump.err());
        }
        Run from = Run.of("dump", "--journal", dir.toString(), "--from", "0");
        assertEquals(1, from.code());
        assertEquals("purestock dump: the journal holds no sequence 0; see `purestock stats --journal " + dir + "`",
                from.errorLine());
    }

    private static void assertTheDemoStartsAJournalIn(Path dir) {
        Run demo = Run.of("demo", "--journal", dir.toString(), "--skus", "1", "--stock", "2", "--attempts", "10",
                "--snapshot-every", "0", "--json");
        assertEquals(0, demo.code(), demo.err());
        JsonObject sale = demo.json();
        assertEquals("empty", sale.get("recovered-from").getAsString());
        assertEquals(0, sale.get("first-sequence").getAsLong());
        assertEquals(2, sale.get("accepted").getAsLong(), "the one sku's two units sell");
        assertEquals(0, sale.get("oversold").getAsLong());

        Run replay = Run.of("replay", "--journal", dir.toString(), "--json");
        assertEquals(0, replay.code(), replay.err());
        assertEquals(sale.get("state-hash").getAsString(), replay.json().get("state-hash").getAsString());
    }

    private static void assertFails(String command, Path path, String line) {
        Run run = Run.of(command, "--journal", path.toString());
        assertEquals(1, run.code(), command + ": " + run.err());
        assertEquals("", run.out(), command);
        assertEquals("purestock " + command + ": " + line, run.errorLine(), command);
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }
}
