package dev.purestock.cli;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * An export stopped as ops stop a command (Ctrl-C, or the {@code SIGTERM} of {@code timeout} or a scheduler) leaves
 * no {@code FILE.partial} behind, as docs/cli.md says of a failed one: it only cleaned up after an error of its own,
 * so a stopped export of a large journal left its partial rows, gigabytes of them, beside {@code FILE}.
 */
class ExportStoppedTest {
    /** Enough records that the export is still writing when it is stopped. */
    private static final int RECORDS = 400_000;

    @TempDir
    Path tmp;

    @Test
    void anExportStoppedBySigtermLeavesNoPartialFile() throws Exception {
        Path dir = tmp.resolve("journal");
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            for (int sku = 1; sku <= RECORDS; sku++) {
                writer.onDecided(sku - 1, 1_000L + sku, new Command.ListProduct(sku, 0),
                        List.of(new Event.ProductListed(sku, 0)), sku % 1_000 == 0 || sku == RECORDS);
            }
        }
        Path file = tmp.resolve("rows.csv");
        Path partial = tmp.resolve("rows.csv.partial");
        Process export = launch(dir, file);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(partial) && export.isAlive()) {
                assertTrue(System.nanoTime() < deadline, "the export began writing " + partial);
                export.waitFor(1, TimeUnit.MILLISECONDS);
            }
            assertTrue(Files.exists(partial) || Files.exists(file), "the export began writing " + partial + ": "
                    + Files.readString(tmp.resolve("export.log")));
            export.destroy(); // SIGTERM
            assertTrue(export.waitFor(60, TimeUnit.SECONDS), "the stopped export exits");
        } finally {
            export.destroyForcibly();
        }
        assumeFalse(Files.exists(file), "the export finished before it could be stopped: nothing shown");
        assertFalse(Files.exists(partial), "a stopped export left " + partial);
    }

    private Process launch(Path dir, Path file) throws Exception {
        return new ProcessBuilder(ChildCli.command("export", "--journal", dir.toString(), "--format", "csv",
                "--output", file.toString())).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("export.log").toFile()).start();
    }
}
