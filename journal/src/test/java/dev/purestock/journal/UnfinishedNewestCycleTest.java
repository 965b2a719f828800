package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.MapInventoryStore;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A journal whose newest cycle file has a header that was never finished (a writer stopped as it rolled into the
 * file, or the file zeroed) is read, without waiting on that header, up to the file: Chronicle Queue takes such a file
 * for one whose writer is about to finish its header and waits for it, 10 s a look. The records before it are read
 * and the file is named as not read, when the records before it reach the journal's high-water mark (it holds no
 * acknowledged record, and the next engine start sets it aside); otherwise the reader refuses, naming the file and
 * the acknowledged records that may be in it. Nothing in the directory is changed.
 */
class UnfinishedNewestCycleTest {
    @TempDir
    Path dir;

    private final SetTimeProvider clock = new SetTimeProvider(Instant.ofEpochMilli(1_700_000_000_000L));

    @Test
    void aReaderReadsEveryRecordBeforeAZeroedNewestCycleFileAndNamesTheFile() throws IOException {
        Path newest = twentyRecordsThenANewCycleFile();
        Files.write(newest, new byte[(int) Files.size(newest)]);
        Map<Path, byte[]> before = files();

        List<Long> read = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            assertEquals(19, reader.lastSequence());
            reader.read((index, record) -> read.add(record.sequence()));
            assertEquals(unread(newest, "zeros"), reader.unreadNewestCycle().orElseThrow());
            assertEquals(2, reader.cycleCount(), "the cycle files read: not the one left unread");
            assertFalse(reader.seek(20), "no record past the file's");
            assertTrue(reader.seek(15));
        }
        assertEquals(sequences(0, 20), read);
        JournalStats stats = JournalStats.of(dir);
        assertEquals(20, stats.records());
        assertEquals(2, stats.cycles(), "the cycle files read");
        List<Path> readFiles = cycleFiles().subList(0, 2);
        assertEquals(Files.size(readFiles.get(0)) + Files.size(readFiles.get(1)), stats.bytes(),
                "their length, not the unread one's");
        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertTrue(verified.matches());
        assertEquals(20, verified.records());
        assertEquals(20, JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE).nextSequence());
        assertUnchanged(before);
    }

    /**
     * Recovery reads through a reader of its own: an embedding service that calls it learns from its notes that a
     * cycle file was left unread, as a tool's reader says.
     */
    @Test
    void recoveryNamesTheNewestCycleFileItLeftUnreadInItsNotes() throws IOException {
        Path newest = twentyRecordsThenANewCycleFile();
        Files.write(newest, new byte[(int) Files.size(newest)]);

        RecoveredState recovered = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(List.of(unread(newest, "zeros")), recovered.notes());
        assertEquals(List.of(unread(newest, "zeros")), JournalRecovery.recoverWithoutSnapshots(dir,
                MapInventoryStore::new, ReplayProgress.NONE).notes());
        assertEquals(List.of(unread(newest, "zeros")), JournalRecovery.recoverUntil(dir, 9, Long.MAX_VALUE, true,
                MapInventoryStore::new, ReplayProgress.NONE).notes());
    }

    /**
     * An engine start sets the newest cycle file with no header aside (as {@code NAME.cq4.undecided}) while a reader
     * is opening: the file is gone when the reader comes to name it. It held no record, and the records before it
     * reach the mark: the reader reads them all and leaves no file unread.
     */
    @Test
    void aNewestCycleFileSetAsideWhileAReaderOpensIsTakenForGone() throws IOException {
        Path newest = twentyRecordsThenANewCycleFile();
        Files.write(newest, new byte[(int) Files.size(newest)]);

        try (JournalReader reader = JournalReader.open(dir, () -> setAside(newest))) {
            assertEquals(20, reader.read((index, record) -> true));
            assertTrue(reader.unreadNewestCycle().isEmpty(), "no file left unread: it is gone");
            assertEquals(2, reader.cycleCount());
        }
    }

    /** Set aside when acknowledged records may be in it: the reader does not pass over them, it says to run again. */
    @Test
    void aNewestCycleFileThatMayHoldAcknowledgedRecordsSetAsideWhileAReaderOpensIsNamed() throws IOException {
        Path newest = twentyRecordsThenANewCycleFile();
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE, TestRollCycles.TEST_SECONDLY,
                clock)) {
            write(writer, 20, 5);
        }
        Files.write(newest, new byte[(int) Files.size(newest)]);

        JournalException refused = assertThrows(JournalException.class,
                () -> JournalReader.open(dir, () -> setAside(newest)).close());
        assertEquals(moved(newest), refused.getMessage());
    }

    /** A cycle file gone between the listing and the look at its first bytes is named as moved, not as unreadable. */
    @Test
    void aCycleFileGoneBeforeItsHeaderIsLookedAtIsNamedAsMoved() {
        Path gone = dir.resolve("20231114-221322T.cq4");
        JournalException refused = assertThrows(JournalException.class, () -> JournalQueues.headerMissing(gone));
        assertEquals(moved(gone), refused.getMessage());
    }

    private String moved(Path cycle) {
        return "cycle file " + cycle.getFileName() + " of journal " + dir + " was moved while the journal was opened "
                + "(an engine start sets a newest cycle file with no header aside): run the command again";
    }

    private static void setAside(Path cycle) {
        try {
            Files.move(cycle, cycle.resolveSibling(cycle.getFileName() + ".undecided"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A first header still marked not complete: a reader would wait for it to be finished. */
    @Test
    void aReaderReadsEveryRecordBeforeANewestCycleFileWhoseHeaderWasNeverFinished() throws IOException {
        Path newest = twentyRecordsThenANewCycleFile();
        JournalFiles.writeInt(newest, 0, JournalFiles.readInt(newest, 0) | JournalFiles.NOT_COMPLETE);
        Map<Path, byte[]> before = files();

        try (JournalReader reader = JournalReader.open(dir)) {
            assertEquals(20, reader.read((index, record) -> true));
            assertEquals(unread(newest, "one a writer never finished"), reader.unreadNewestCycle().orElseThrow());
        }
        assertUnchanged(before);
    }

    /**
     * A writer killed as it created the next cycle file leaves the file before it lists it: the listing
     * ({@code metadata.cq4t}) ends before it, which is no stale listing hiding records, since the file holds none.
     */
    @Test
    void aZeroedNewestCycleFileThatTheListingLeavesOutIsNamedAsNotReadNotAsAStaleListing() throws IOException {
        Path listing = dir.resolve(SingleChronicleQueue.QUEUE_METADATA_FILE);
        writeInCycle(0, 10);
        clock.advanceMillis(1_000);
        writeInCycle(10, 10);
        byte[] listingOfTwo = Files.readAllBytes(listing);
        clock.advanceMillis(1_000);
        Path unlisted = newCycleFile();
        Files.write(listing, listingOfTwo);
        Files.write(unlisted, new byte[(int) Files.size(unlisted)]);
        Map<Path, byte[]> before = files();

        try (JournalReader reader = JournalReader.open(dir)) {
            assertEquals(20, reader.read((index, record) -> true));
            assertEquals(unread(unlisted, "zeros"), reader.unreadNewestCycle().orElseThrow());
        }
        assertUnchanged(before);
    }

    @Test
    void aReaderRefusesANewestCycleFileWithoutAHeaderWhenAcknowledgedRecordsMayBeInIt() throws IOException {
        Path newest = twentyRecordsThenANewCycleFile();
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE, TestRollCycles.TEST_SECONDLY,
                clock)) {
            write(writer, 20, 5);
        }
        Files.write(newest, new byte[(int) Files.size(newest)]);
        Map<Path, byte[]> before = files();

        JournalDamagedException refused = assertThrows(JournalDamagedException.class, () -> JournalReader.open(dir));
        assertEquals("cycle file " + newest.getFileName() + " of journal " + dir + " has no header (it starts with "
                + "zeros), and no reader can open it: the journal acknowledged records up to seq 24, and the cycle "
                + "files before it end at seq 19, so records 20..24 may be in it. Nothing was changed; restore it from "
                + "a copy of the directory or a standby's journal", refused.getMessage());
        assertEquals(19, refused.lastReadableSequence());
        assertTrue(refused.losesAcknowledged());
        assertThrows(JournalDamagedException.class, () -> JournalStats.of(dir));
        assertUnchanged(before);
    }

    /** Without a high-water mark nothing tells whether acknowledged records are in it: refused, as a start refuses. */
    @Test
    void aReaderRefusesANewestCycleFileWithoutAHeaderInAJournalThatKeepsNoMark() throws IOException {
        Path newest = twentyRecordsThenANewCycleFile();
        Files.write(newest, new byte[(int) Files.size(newest)]);
        Files.delete(dir.resolve(JournalHighWaterMark.FILE_NAME));
        Map<Path, byte[]> before = files();

        JournalDamagedException refused = assertThrows(JournalDamagedException.class, () -> JournalReader.open(dir));
        assertTrue(refused.getMessage().startsWith("cycle file " + newest.getFileName() + " of journal " + dir
                + " has no header (it starts with zeros), and no reader can open it: the journal keeps no high-water "
                + "mark (" + JournalHighWaterMark.FILE_NAME + "), so records that were acknowledged may be in it"),
                refused.getMessage());
        assertTrue(refused.losesAcknowledged());
        assertUnchanged(before);
    }

    @Test
    void aReaderOfAJournalWhoseCycleFilesAllHaveHeadersLeavesNoneUnread() {
        writeInCycle(0, 10);
        try (JournalReader reader = JournalReader.open(dir)) {
            assertEquals(10, reader.read((index, record) -> true));
            assertTrue(reader.unreadNewestCycle().isEmpty());
        }
    }

    /** Twenty acknowledged records in two cycle files, then a third cycle file created, its header written. */
    private Path twentyRecordsThenANewCycleFile() throws IOException {
        writeInCycle(0, 10);
        clock.advanceMillis(1_000);
        writeInCycle(10, 10);
        clock.advanceMillis(1_000);
        return newCycleFile();
    }

    /** The cycle file of the clock's cycle, created with its header, as a writer rolling into it creates it. */
    private Path newCycleFile() throws IOException {
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir).rollCycle(TestRollCycles.TEST_SECONDLY)
                .timeProvider(clock).build()) {
            queue.closeStore(queue.storeForCycle(queue.cycle(), queue.epoch(), true, null));
        }
        return cycleFiles().getLast();
    }

    private String unread(Path newest, String start) {
        return "cycle file " + newest.getFileName() + " of journal " + dir + " has no header (it starts with " + start
                + "): a writer stopped as it created it, or the file was written over; it is the newest cycle file, "
                + "and the records before it reach the journal's high-water mark (seq 19), so it holds no "
                + "acknowledged record. The records up to seq 19 were read, and it was not; the next engine start on "
                + "the directory moves it aside (if an engine is writing the journal, it was creating that file: "
                + "read again)";
    }

    private void writeInCycle(long from, int count) {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE, TestRollCycles.TEST_SECONDLY,
                clock)) {
            write(writer, from, count);
        }
    }

    private static void write(JournalWriter writer, long from, int count) {
        for (long s = from; s < from + count; s++) {
            writer.onDecided(s, 1_000 + s, new Command.ListProduct(s + 1, 1),
                    List.of(new Event.ProductListed(s + 1, 1)), true);
        }
    }

    private static List<Long> sequences(long from, long count) {
        List<Long> sequences = new ArrayList<>();
        for (long s = from; s < from + count; s++) {
            sequences.add(s);
        }
        return sequences;
    }

    private List<Path> cycleFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".cq4")).sorted().toList();
        }
    }

    /** Every file of the directory, with its bytes. */
    private Map<Path, byte[]> files() throws IOException {
        Map<Path, byte[]> files = new HashMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path file : all.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(file), Files.readAllBytes(file));
            }
        }
        return files;
    }

    private void assertUnchanged(Map<Path, byte[]> before) throws IOException {
        Map<Path, byte[]> after = files();
        assertEquals(before.keySet(), after.keySet(), "no file moved, made or removed");
        for (Map.Entry<Path, byte[]> file : before.entrySet()) {
            assertArrayEquals(file.getValue(), after.get(file.getKey()), file.getKey() + " unchanged");
        }
    }
}
