package dev.purestock.cli;

import dev.purestock.domain.Command;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An epoch file ({@value JournalEpoch#FILE_NAME}) that holds no epoch a journal can have is named in one line, the
 * same from every subcommand that reads it: an epoch past the largest replication carries passed verify, stats and
 * status, and an engine started by submit or demo stamped it on new records; bytes that are not UTF-8 gave the JDK's
 * bare "Input length = 1".
 */
class EpochFileTest {
    /** The subcommands that read the epoch file, each as it is run on the journal (the journal's option added). */
    private static final List<List<String>> READERS = List.of(List.of("verify"), List.of("stats"),
            List.of("promote"), List.of("demo", "--attempts", "10", "--skus", "2"),
            List.of("standby", "--primary", "localhost:9"));

    @TempDir
    Path root;
    private Path dir;

    @Test
    void anEpochPastTheLargestReplicationCarriesIsRefusedByEverySubcommandThatReadsIt() throws IOException {
        journal();
        Files.writeString(epochFile(), "epoch=2147483648\n");

        String expected = "epoch file " + epochFile() + " holds epoch=2147483648, past the largest (epochs go up by "
                + "one a promotion, so the file was written by hand or is damaged): it must hold epoch=N, N the epoch "
                + "of journal " + dir + " from 0 to 2147483647 (the largest replication carries); restore it from a "
                + "copy of the directory, or write in it the epoch of the journal's last record (the last line of "
                + "`purestock dump --journal " + dir + "` shows it as epoch=N)";
        assertEveryReaderRefuses(expected);
        assertTrue(Run.of("dump", "--journal", dir.toString()).out().lines().allMatch(line -> line.contains(
                " epoch=0 ")), "no record of that epoch was written");
    }

    @Test
    void anEpochFileThatIsNotUtf8TextIsNamedInOneLineByEverySubcommandThatReadsIt() throws IOException {
        journal();
        Files.write(epochFile(), new byte[] {'e', 'p', 'o', 'c', 'h', '=', (byte) 0xff, '1', '\n'});

        assertEveryReaderRefuses("epoch file " + epochFile() + " is not UTF-8 text (byte 0xff at offset 6): it must "
                + "hold epoch=N");
    }

    @Test
    void anEpochFileHoldingNoNumberIsNamedWithWhatItHolds() throws IOException {
        journal();
        List<List<String>> cases = List.of(List.of("", "is empty"), List.of("   \n", "holds no epoch= line"),
                List.of("epoch=  \n", "holds epoch= with no number"), List.of("epoch=-3\n", "holds epoch=-3, below 0"),
                List.of("epoch=seven\n", "holds epoch='seven', not a number (digits 0-9 only)"),
                List.of("epoch=" + "9".repeat(30) + "\n", "holds epoch=" + "9".repeat(30)
                        + ", past the largest"));
        for (List<String> held : cases) {
            Files.writeString(epochFile(), held.getFirst());
            for (String command : List.of("verify", "stats")) {
                Run run = Run.of(command, "--journal", dir.toString());
                assertEquals(PurestockCli.FAILED, run.code(), command + ": " + run.out());
                assertTrue(run.errorLine().startsWith("purestock " + command + ": epoch file " + epochFile() + " "
                        + held.getLast()), run.errorLine());
            }
        }
    }

    @Test
    void aShardsEpochFileIsNamedWithItsShard() throws IOException {
        dir = root.resolve("sharded");
        try (JournaledEngine journaled = JournaledEngine.builder(dir).shards(2).start()) {
            journaled.engine().submit(new Command.ListProduct(1, 0)).join();
        }
        Path shardOne = dir.resolve("shard-1");
        Files.writeString(shardOne.resolve(JournalEpoch.FILE_NAME), "epoch=4294967296\n");

        for (String command : List.of("verify", "stats", "promote")) {
            Run run = Run.of(command, "--journal", dir.toString());
            assertEquals(PurestockCli.FAILED, run.code(), command + ": " + run.out());
            assertTrue(run.errorLine().contains("epoch file " + shardOne.resolve(JournalEpoch.FILE_NAME)
                    + " holds epoch=4294967296, past the largest"), run.errorLine());
        }
        Run status = Run.of("status", "--journal", dir.toString());
        assertEquals(0, status.code(), status.err());
        assertEquals("0", status.values().get("shard.0.epoch"));
        assertNull(status.values().get("shard.1.epoch"), status.out());
        assertTrue(status.values().get("shard.1.epoch-error").startsWith("epoch file "
                + shardOne.resolve(JournalEpoch.FILE_NAME) + " holds epoch=4294967296"), status.out());
    }

    /**
     * Runs every reader, and submit, on the journal, each refused in one line that starts with {@code expected},
     * exit 1; status shows it as {@code epoch-error}, beside what the journal says, as it shows a journal it cannot
     * read as {@code journal-error}.
     */
    private void assertEveryReaderRefuses(String expected) throws IOException {
        Path commands = Files.writeString(root.resolve("in.jsonl"),
                "{\"type\":\"ListProduct\",\"sku\":9,\"perCustomerLimit\":0}\n", StandardCharsets.UTF_8);
        for (List<String> command : READERS) {
            List<String> args = new ArrayList<>(command);
            args.addAll(List.of("--journal", dir.toString()));
            Run run = Run.of(args.toArray(String[]::new));
            assertEquals(PurestockCli.FAILED, run.code(), command + ": " + run.out());
            assertTrue(run.errorLine().startsWith("purestock " + command.getFirst() + ": " + expected),
                    command + ": " + run.errorLine());
        }
        Run submit = Run.of("submit", "--journal", dir.toString(), commands.toString());
        assertEquals(PurestockCli.FAILED, submit.code(), submit.out());
        assertTrue(submit.errorLine().startsWith("purestock submit: " + expected), submit.errorLine());
        assertFalse(submit.err().contains("recover ["), "refused before recovery: " + submit.err());

        Run status = Run.of("status", "--journal", dir.toString());
        assertEquals(0, status.code(), status.err());
        assertTrue(status.values().get("epoch-error").startsWith(expected), status.out());
        assertNull(status.values().get("epoch"), status.out());
        assertEquals("4", status.values().get("last-seq"));
        assertEquals("0", status.values().get("last-record-epoch"));
    }

    private Path epochFile() {
        return dir.resolve(JournalEpoch.FILE_NAME);
    }

    private void journal() {
        dir = root.resolve("journal");
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            for (long sku = 1; sku <= 5; sku++) {
                journaled.engine().submit(new Command.ListProduct(sku, 0)).join();
            }
        }
    }
}
