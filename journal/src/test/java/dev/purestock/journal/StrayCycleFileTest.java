package dev.purestock.journal;

import dev.purestock.domain.Command;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code .cq4} file not named as the journal's cycle files are stops an engine's start with a line naming it,
 * not Chronicle Queue's "Text 'backup' could not be parsed at index 0", and leaves the directory free for the start
 * once it is moved out.
 */
class StrayCycleFileTest {
    @TempDir
    Path root;
    private Path dir;

    /**
     * A file named as another roll cycle's cycle files are, which appears after a reader opened the journal (a copy
     * made meanwhile), is named by the reader's next listing of the cycle files as the opening names it, not passed on
     * as the date parser's error.
     */
    @Test
    void aCycleFileOfAnotherRollCycleThatAppearsAfterAReaderOpenedIsNamedByIt() throws IOException {
        dir = root.resolve("journal");
        JournalFiles.write(dir, 0, 10);
        Path cycle = JournalFiles.cycleFile(dir);
        try (JournalReader reader = JournalReader.open(dir)) {
            String secondly = DateTimeFormatter.ofPattern(TestRollCycles.TEST_SECONDLY.format()).withZone(ZoneOffset.UTC)
                    .format(Instant.ofEpochSecond(1_700_000_000L));
            Files.copy(cycle, dir.resolve(secondly + ".cq4"));

            JournalException named = assertThrows(JournalException.class, reader::cycleCount);
            assertTrue(named.getMessage().startsWith("file " + secondly + ".cq4 in journal " + dir + " is named as a "
                    + "cycle file "), named.getMessage());
        }
    }

    @Test
    void anEngineStartNamesAStrayCq4FileAndStartsOnceItIsMovedOut() throws IOException {
        dir = root.resolve("journal");
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            journaled.engine().submit(new Command.ListProduct(1, 0)).join();
        }
        Path cycle;
        try (Stream<Path> files = Files.list(dir)) {
            cycle = files.filter(file -> file.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
        Path stray = dir.resolve("backup.cq4");
        Files.copy(cycle, stray);

        JournalException refused = assertThrows(JournalException.class, () -> JournaledEngine.builder(dir).start());
        assertTrue(refused.getMessage().startsWith("file backup.cq4 in journal " + dir + " is named as a cycle file "
                + "(.cq4) but not as this journal's cycle files are (such as " + cycle.getFileName() + ")"),
                refused.getMessage());

        Files.move(stray, root.resolve("backup.cq4"));
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            assertEquals(1, journaled.engine().submit(new Command.ListProduct(2, 0)).join().sequence());
        }
    }

    /**
     * A copy of a cycle file named for the 31st of November was taken for the 30th's cycle: the engine started, and
     * Chronicle Queue read one of the two files and passed over the other.
     */
    @Test
    void aCopyNamedForADayThatDoesNotExistIsStrayToo() throws IOException {
        dir = root.resolve("journal");
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            journaled.engine().submit(new Command.ListProduct(1, 0)).join();
        }
        Path cycle;
        try (Stream<Path> files = Files.list(dir)) {
            cycle = files.filter(file -> file.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
        String name = cycle.getFileName().toString().substring(0, 4) + "1131F.cq4";
        Files.copy(cycle, dir.resolve(name));

        JournalException refused = assertThrows(JournalException.class, () -> JournaledEngine.builder(dir).start());
        assertTrue(refused.getMessage().startsWith("file " + name + " in journal " + dir + " is named as a cycle file "),
                refused.getMessage());
        JournalException unread = assertThrows(JournalException.class, () -> JournalReader.open(dir).close());
        assertEquals(refused.getMessage(), unread.getMessage());
    }
}
