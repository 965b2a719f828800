package dev.purestock.cli;

import dev.purestock.domain.Command;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.SnapshotInfo;
import dev.purestock.journal.SnapshotStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.purestock.cli.PurestockCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EpochCommandsTest {
    @TempDir
    Path dir;

    @Test
    void promoteStartsTheNextEpochAndAReopenedEngineWritesIt() {
        listProducts(dir, 1, 3);

        Run promote = run("promote", "--journal", dir.toString());

        assertEquals(0, promote.code(), promote.err());
        assertEquals("0", promote.values().get("previous-epoch"));
        assertEquals("1", promote.values().get("epoch"));
        assertEquals("3", promote.values().get("next-sequence"));
        assertEquals(1, JournalEpoch.read(dir));
        listProducts(dir, 4, 1);
        Run dump = run("dump", "--journal", dir.toString(), "--json");
        assertEquals(List.of(0L, 0L, 0L, 1L), dump.jsonLines().stream().map(line -> line.get("epoch").getAsLong())
                .toList());
        assertTrue(run("dump", "--journal", dir.toString()).out().lines().toList().getLast().contains(" epoch=1 "));
        Run stats = run("stats", "--journal", dir.toString());
        assertEquals("1", stats.values().get("epoch"));
        assertEquals("0", stats.values().get("first-epoch"));
        assertEquals("1", stats.values().get("last-epoch"));
        Run verify = run("verify", "--journal", dir.toString());
        assertEquals(0, verify.code(), verify.err());
        assertEquals("1", verify.values().get("epoch"));

        Run again = run("promote", "--journal", dir.toString(), "--json");
        assertEquals(0, again.code(), again.err());
        assertEquals(2, again.json().get("epoch").getAsLong());
        assertEquals(4, again.json().get("next-sequence").getAsLong());
    }

    /** A journal at the largest epoch replication carries is not promoted past it: one line, exit 1. */
    @Test
    void promoteRefusesAnEpochPastTheLargestReplicationCarries() throws Exception {
        listProducts(dir, 1, 3);
        Files.writeString(dir.resolve(JournalEpoch.FILE_NAME), "epoch=" + JournalEpoch.MAX + "\n");

        Run refused = run("promote", "--journal", dir.toString());

        assertEquals(1, refused.code(), refused.out());
        assertTrue(refused.errorLine().contains("has seen epoch 2147483647, the largest a promotion starts"),
                refused.err());
        assertEquals(JournalEpoch.MAX, JournalEpoch.read(dir));
    }

    @Test
    void promoteRefusesADirectoryARunningEngineHolds() {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            journaled.engine().submit(new Command.ListProduct(1, 0)).join();

            Run refused = run("promote", "--journal", dir.toString());

            assertEquals(PurestockCli.FAILED, refused.code());
            assertTrue(refused.errorLine().contains("is in use by another purestock process"), refused.err());
        }
        assertEquals(0, JournalEpoch.read(dir));
    }

    @Test
    void promoteMovesEveryShardToOneEpochAndTakesAShard() {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).shards(2).start()) {
            journaled.engine().submit(new Command.ReceiveStock(1, 1, 0, 5)).join();
            journaled.engine().submit(new Command.ReceiveStock(2, 1, 1, 5)).join();
        }

        Run one = run("promote", "--journal", dir.toString(), "--shard", "1");
        assertEquals(0, one.code(), one.err());
        assertEquals("1", one.values().get("shard.1.epoch"));
        Run all = run("promote", "--journal", dir.toString());

        assertEquals(0, all.code(), all.err());
        assertEquals("0", all.values().get("shard.0.previous-epoch"));
        assertEquals("1", all.values().get("shard.1.previous-epoch"));
        assertEquals("2", all.values().get("epoch"));
        assertEquals(2, JournalEpoch.read(dir.resolve("shard-0")));
        assertEquals(2, JournalEpoch.read(dir.resolve("shard-1")));
    }

    @Test
    void truncateReportsWithoutConfirmAndCutsWithIt() throws Exception {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            for (long sku = 1; sku <= 10; sku++) {
                journaled.engine().submit(new Command.ListProduct(sku, 0)).join();
            }
            journaled.engine().snapshot(0).join();
        }

        Run dry = run("truncate", "--journal", dir.toString(), "--after-seq", "5");

        assertEquals(PurestockCli.FAILED, dry.code());
        assertEquals("4", dry.values().get("records-cut"));
        assertEquals("4", dry.values().get("acknowledged-cut"));
        assertEquals("1", dry.values().get("snapshots-removed"));
        assertEquals("not-cut", dry.values().get("result"));
        assertTrue(dry.errorLine().contains("add --confirm"), dry.err());
        assertEquals("10", run("verify", "--journal", dir.toString()).values().get("records-verified"));

        Run cut = run("truncate", "--journal", dir.toString(), "--after-seq", "5", "--confirm");

        assertEquals(0, cut.code(), cut.err());
        assertEquals("truncated", cut.values().get("result"));
        assertEquals(List.of(), new SnapshotStore(dir).list().stream().map(SnapshotInfo::lastSequence).toList());
        Run verify = run("verify", "--journal", dir.toString());
        assertEquals(0, verify.code(), verify.err());
        assertEquals("6", verify.values().get("records-verified"));
        try (var files = Files.list(dir)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("truncated-")));
        }
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            assertEquals(6, journaled.engine().submit(new Command.ListProduct(99, 0)).join().sequence());
        }
    }

    @Test
    void truncateNeedsAShardOfAShardedJournalAndASequence() {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).shards(2).start()) {
            journaled.engine().submit(new Command.ReceiveStock(1, 1, 0, 5)).join();
        }

        Run unnamed = run("truncate", "--journal", dir.toString(), "--after-seq", "0", "--confirm");
        assertEquals(PurestockCli.USAGE, unnamed.code());
        assertTrue(unnamed.errorLine().contains("name the one to cut with --shard N"), unnamed.err());
        Run below = run("truncate", "--journal", dir.toString(), "--shard", "0", "--after-seq", "-2");
        assertEquals(PurestockCli.USAGE, below.code());
        Run missing = run("truncate", "--journal", dir.toString(), "--shard", "0");
        assertEquals(PurestockCli.USAGE, missing.code());
        assertFalse(missing.err().isBlank());
    }

    private static void listProducts(Path dir, long firstSku, int count) {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            for (long sku = firstSku; sku < firstSku + count; sku++) {
                journaled.engine().submit(new Command.ListProduct(sku, 0)).join();
            }
        }
    }
}
