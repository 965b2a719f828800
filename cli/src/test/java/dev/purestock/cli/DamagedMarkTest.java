package dev.purestock.cli;

import dev.purestock.domain.Command;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A damaged high-water mark is damage to the mark, not to the records: {@code repair} diagnosed it as a journal
 * readable up to seq -1 and offered {@code --truncate --accept-loss}, which moved every cycle file aside (every
 * acknowledged record out of the journal, the next start at seq 0); and the mark's own advice ("if `purestock
 * verify` reads every record you expect, delete the file") sent the operator to a verify that refused the journal
 * for the same mark. Repair now cuts nothing for it, and the advice works as written.
 */
class DamagedMarkTest {
    @TempDir
    Path root;

    @Test
    void aDamagedMarkIsNeverCutForAndItsAdviceLeadsBackToAWholeJournal() throws IOException {
        Path dir = root.resolve("journal");
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            for (long sku = 1; sku <= 5; sku++) {
                journaled.engine().submit(new Command.ListProduct(sku, 0)).join();
            }
        }
        Path mark = dir.resolve("purestock.hwm");
        Files.write(mark, new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        List<Path> cycles = cycleFiles(dir);

        Run repair = Run.of("repair", "--journal", dir.toString(), "--truncate", "--accept-loss");
        assertEquals(PurestockCli.FAILED, repair.code(), repair.out());
        assertEquals("refused", repair.values().get("result"), repair.out());
        assertTrue(repair.errorLine().startsWith("purestock repair: the journal's high-water mark is damaged, not its "
                + "records: nothing is cut for it"), repair.errorLine());
        assertEquals(cycles, cycleFiles(dir), "every cycle file stays where it was");

        Run verify = Run.of("verify", "--journal", dir.toString());
        assertEquals(PurestockCli.FAILED, verify.code());
        assertTrue(verify.errorLine().contains("move the file out of the directory (keep it): `purestock verify "
                + "--journal " + dir + "` then reads the journal without it"), verify.errorLine());

        // as the advice says
        Files.move(mark, root.resolve("purestock.hwm"));
        Run whole = Run.of("verify", "--journal", dir.toString());
        assertEquals(0, whole.code(), whole.err());
        assertEquals("5", whole.values().get("records-verified"));
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            assertEquals(5, journaled.engine().submit(new Command.ListProduct(6, 0)).join().sequence());
        }
        Run stats = Run.of("stats", "--journal", dir.toString());
        assertEquals(0, stats.code(), stats.err());
        assertEquals("6", stats.values().get("records"));
        assertTrue(Files.exists(mark), "the start wrote a new mark");
    }

    private static List<Path> cycleFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".cq4")).sorted().toList();
        }
    }
}
