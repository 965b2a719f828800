package dev.purestock.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cycle file that starts with zeros before later cycle files (written over, or its first page lost) held records
 * no reader can find. Chronicle Queue took it for a header about to be written and waited 10 s at each place it
 * looked, and an engine's start then failed in words about queue indexes 0x8000000000000000 and 0xffffffffffffffff
 * and sent the operator to a repair that refused it too. Every opening of the journal names it at once, with why no
 * cut is offered and what to do; the way it names to accept the loss (move it and every later cycle file out, then
 * repair) gives a journal that repair reports exactly and cuts.
 */
class ZeroedEarlierCycleTest {
    @TempDir
    Path root;
    private Path dir;

    @Test
    void aZeroedCycleFileBeforeLaterOnesIsNamedAtEveryOpeningAndTheLossItNamesCanBeAccepted() throws Exception {
        dir = Files.createDirectory(root.resolve("journal"));
        JournalToolsTest.writeFourCycles(dir);
        List<Path> cycles = cycleFiles();
        Path zeroed = cycles.get(1);
        Files.write(zeroed, new byte[(int) Files.size(zeroed)]);

        String expected = "cycle file " + zeroed.getFileName() + " of journal " + dir + " has no header (it starts "
                + "with zeros): a writer stopped as it created it, or the file was written over, and no reader can "
                + "open it; 2 later cycle files hold later records, so it held records that no reader can find: "
                + "restore it from a copy of the directory or a standby's journal. No cut is offered around it: one "
                + "before it would drop its records and every later file's";
        for (Runnable opening : List.<Runnable>of(() -> JournalReader.open(dir).close(),
                () -> JournalStats.of(dir), () -> JournalRepair.diagnose(dir),
                () -> JournaledEngine.builder(dir).start().close())) {
            JournalException refused = assertThrows(JournalException.class, opening::run);
            assertTrue(refused.getMessage().startsWith(expected), refused.getMessage());
            assertTrue(refused.getMessage().endsWith("only to accept that loss, move " + zeroed.getFileName()
                    + " and every later cycle file out of the directory: `purestock repair --journal " + dir
                    + "` then names the records lost, and its --truncate --accept-loss cuts there"),
                    refused.getMessage());
        }

        Path out = Files.createDirectory(root.resolve("aside"));
        for (Path cycle : cycles.subList(1, cycles.size())) {
            Files.move(cycle, out.resolve(cycle.getFileName()));
        }
        // repair names the loss: the records after the first cycle file were acknowledged, up to the mark
        JournalRepair.Diagnosis found = JournalRepair.diagnose(dir);
        assertEquals(9, found.lastGoodSequence());
        assertEquals(10, found.records());
        assertEquals(39, found.highWaterMark());
        assertTrue(found.losesAcknowledged(), found.toString());
        JournalRepair.truncateAfter(dir, found.lastGoodSequence());
        try (JournalReader reader = JournalReader.open(dir)) {
            assertEquals(9, reader.lastSequence());
        }
    }

    private List<Path> cycleFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".cq4")).sorted().toList();
        }
    }
}
