package dev.purestock.cli;

import dev.purestock.domain.Command;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code .cq4} file in a journal directory whose name is not one of the journal's cycle names (a copy kept beside
 * the original, a file renamed by hand) is named by every subcommand, instead of Chronicle Queue's "Text 'backup'
 * could not be parsed at index 0" from some of them and a silent pass from others.
 */
class StrayCycleFileTest {
    private static final List<List<String>> COMMANDS = List.of(List.of("stats"), List.of("verify"), List.of("dump"),
            List.of("replay"), List.of("repair"), List.of("repair", "--truncate"), List.of("prune"),
            List.of("snapshot"), List.of("promote"), List.of("truncate", "--after-seq", "2"),
            List.of("query", "--sku", "1"), List.of("export", "--format", "csv"),
            List.of("demo", "--attempts", "10", "--skus", "2"));

    @TempDir
    Path root;
    private Path dir;

    @Test
    void aStrayCq4FileIsNamedByEverySubcommand() throws IOException {
        journal();
        Path stray = dir.resolve("backup.cq4");
        Files.copy(cycleFiles().getFirst(), stray);

        assertEverySubcommandNames(stray);

        Files.move(stray, root.resolve("backup.cq4"));
        Run stats = Run.of("stats", "--journal", dir.toString());
        assertEquals(0, stats.code(), stats.err());
        assertEquals("5", stats.values().get("records"));
    }

    /**
     * A copy of a cycle file named for a day that does not exist (the 30th of February) was taken for the nearest
     * day's cycle: every subcommand passed, reading one of the two files and passing over the other.
     */
    @Test
    void aCq4FileNamedForADayThatDoesNotExistIsNamedByEverySubcommand() throws IOException {
        journal();
        Path cycle = cycleFiles().getFirst();
        Path stray = dir.resolve(cycle.getFileName().toString().substring(0, 4) + "0230F.cq4");
        Files.copy(cycle, stray);

        assertEverySubcommandNames(stray);
    }

    private void assertEverySubcommandNames(Path stray) {
        String name = stray.getFileName().toString();
        for (List<String> command : COMMANDS) {
            List<String> args = new ArrayList<>(command);
            args.addAll(List.of("--journal", dir.toString()));
            Run run = Run.of(args.toArray(String[]::new));
            assertEquals(PurestockCli.FAILED, run.code(), command + ": " + run.out() + run.err());
            String line = run.errorLine();
            assertTrue(line.startsWith("purestock " + command.getFirst() + ": file " + name + " in journal " + dir
                    + " is named as a cycle file (.cq4) but not as this journal's cycle files are (such as "),
                    command + ": " + line);
            assertTrue(line.endsWith("move it out of the directory"), command + ": " + line);
        }
        Run status = Run.of("status", "--journal", dir.toString());
        assertEquals(0, status.code(), status.err());
        assertTrue(status.values().get("journal-error").startsWith("file " + name + " in journal " + dir),
                status.out());
    }

    /**
     * A {@code .cq4} file at the top of a sharded journal, beside its shard directories, was passed over by every
     * subcommand: a shard's cycle file moved there by hand would have been left out of every report unseen.
     */
    @Test
    void aCq4FileBesideTheShardDirectoriesIsNamedByEverySubcommand() throws IOException {
        dir = root.resolve("sharded");
        try (JournaledEngine journaled = JournaledEngine.builder(dir).shards(2).start()) {
            for (long sku = 1; sku <= 5; sku++) {
                journaled.engine().submit(new Command.ListProduct(sku, 0)).join();
            }
        }
        Path stray = dir.resolve("garbage.cq4");
        Files.write(stray, new byte[64]);
        Path input = Files.writeString(root.resolve("in.jsonl"), "{\"type\":\"ListProduct\",\"sku\":9,\"perCustomerLimit\":0}\n");
        List<List<String>> commands = new ArrayList<>(COMMANDS);
        commands.addAll(List.of(List.of("status"), List.of("submit", input.toString()),
                List.of("standby", "--primary", "localhost:9")));

        for (List<String> command : commands) {
            List<String> args = new ArrayList<>(command);
            args.addAll(List.of("--journal", dir.toString()));
            Run run = Run.of(args.toArray(String[]::new));
            assertEquals(PurestockCli.FAILED, run.code(), command + ": " + run.out() + run.err());
            String line = run.errorLine();
            assertTrue(line.startsWith("purestock " + command.getFirst() + ": file garbage.cq4 in journal " + dir
                    + " is named as a cycle file (.cq4), but the journal is sharded (purestock-shards.properties) and "
                    + "keeps its cycle files in its shard directories (shard-0 .. shard-1), none at its top level"),
                    command + ": " + line);
            assertTrue(line.endsWith("move it out of the directory"), command + ": " + line);
        }

        Files.move(stray, root.resolve("garbage.cq4"));
        Run stats = Run.of("stats", "--journal", dir.toString());
        assertEquals(0, stats.code(), stats.err());
    }

    @Test
    void aZeroedStrayCq4FileIsNamedAsStrayNotAsADamagedCycle() throws IOException {
        journal();
        Path stray = dir.resolve("zz-notes.cq4");
        Files.write(stray, new byte[64]);

        Run run = Run.of("verify", "--journal", dir.toString());
        assertEquals(PurestockCli.FAILED, run.code(), run.out());
        assertTrue(run.errorLine().startsWith("purestock verify: file zz-notes.cq4 in journal " + dir
                + " is named as a cycle file"), run.errorLine());
    }

    private void journal() {
        dir = root.resolve("journal");
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
