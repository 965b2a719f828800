package dev.purestock.cli;

import dev.purestock.domain.Command;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.JournalReader;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.replication.Primary;
import dev.purestock.replication.Standby;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code purestock standby} against a primary in this JVM. */
class StandbyCommandTest {
    @TempDir
    Path primaryDir;
    @TempDir
    Path standbyDir;

    @Test
    void theStandbyCommandCatchesUpWithThePrimaryAndPrintsItsStatus() {
        try (Primary primary = Primary.builder(primaryDir).listen("localhost:0").termLength(1 << 20).start();
             JournaledEngine journaled = JournaledEngine.builder(primaryDir)
                     .engine(b -> primary.configure(b.waitStrategy(WaitStrategyKind.BLOCKING))).start()) {
            PurestockEngine engine = journaled.engine();
            engine.submit(new Command.ListProduct(7, 5)).join();
            engine.submit(new Command.ReceiveStock(1, 7, 1, 50)).join();
            Outcome last = engine.submit(new Command.Purchase(1, 1, 7, 1, 2)).join();

            Run run = Run.of("standby", "--journal", standbyDir.toString(), "--primary", primary.endpoint(),
                    "--until-sequence", Long.toString(last.sequence()), "--status-every", "0");

            assertEquals(0, run.code(), run.err());
            assertTrue(run.out().startsWith("standby of " + primary.endpoint()), run.out());
            assertTrue(run.out().contains("standby connected epoch=0 last=" + last.sequence()), run.out());
        }
        try (JournalReader reader = JournalReader.open(standbyDir)) {
            assertEquals(2, reader.lastSequence());
        }
    }

    @Test
    void aSyncDemoPrimaryLeavesEveryRecordInTheStandbysJournal() throws Exception {
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (Standby standby = Standby.builder(standbyDir).primary("127.0.0.1:" + port).start()) {
            Run run = Run.of("demo", "--journal", primaryDir.toString(), "--replicate", "127.0.0.1:" + port,
                    "--replication", "SYNC", "--replication-mtu", "8192", "--skus", "20", "--attempts", "3000",
                    "--wait", "BLOCKING", "--snapshot-every", "0");

            assertEquals(0, run.code(), run.err());
            long last;
            try (JournalReader reader = JournalReader.open(primaryDir)) {
                last = reader.lastSequence();
            }
            assertTrue(last > 3_000);
            assertTrue(standby.awaitSequence(last, Duration.ofSeconds(30)));
            assertEquals(last, standby.lastSequence());
        }
    }

    @Test
    void aDemoPrimaryWithAnMtuAeronCannotUseOrWithNoPrimaryIsAUsageError() {
        Run unusable = Run.of("demo", "--journal", primaryDir.toString(), "--replicate", "127.0.0.1:0",
                "--replication-mtu", "1000");
        Run noPrimary = Run.of("demo", "--journal", primaryDir.toString(), "--replication-mtu", "8192");

        assertEquals(PurestockCli.USAGE, unusable.code());
        assertTrue(unusable.errorLine().contains("--replication-mtu: the MTU must be a multiple of 32"),
                unusable.err());
        assertEquals(PurestockCli.USAGE, noPrimary.code());
        assertTrue(noPrimary.errorLine().contains("it needs --replicate"), noPrimary.err());
    }

    @Test
    void aDemoAskedForSyncReplicationWithNoPrimaryIsAUsageErrorAndWritesNothing() {
        // without --replicate nothing is replicated: a run "in SYNC" would acknowledge what no standby holds
        Path fresh = standbyDir.resolve("not-replicated");
        Run sync = Run.of("demo", "--journal", fresh.toString(), "--replication", "SYNC", "--attempts", "1");

        assertEquals(PurestockCli.USAGE, sync.code(), sync.out() + sync.err());
        assertTrue(sync.errorLine().contains("--replication SYNC sets how the replication primary answers: it needs "
                + "--replicate"), sync.err());
        assertFalse(Files.exists(fresh), "nothing was journaled");
    }

    @Test
    void aStandbyWritesNowhereTheOtherWritingSubcommandsRefuse() throws IOException {
        Path other = Files.createDirectories(standbyDir.resolve("other"));
        Files.writeString(other.resolve("notes.txt"), "not a journal");
        Path file = Files.writeString(standbyDir.resolve("file"), "not a journal");
        Path sharded = Files.createDirectories(standbyDir.resolve("sharded"));
        Files.writeString(sharded.resolve("purestock-shards.properties"), "shards=2\n");
        Files.createDirectories(sharded.resolve("shard-0"));
        Files.createDirectories(sharded.resolve("shard-1"));

        Run intoOther = Run.of("standby", "--journal", other.toString(), "--primary", "localhost:9");
        Run intoFile = Run.of("standby", "--journal", file.toString(), "--primary", "localhost:9");
        Run intoSharded = Run.of("standby", "--journal", sharded.toString(), "--primary", "localhost:9");
        Run negative = Run.of("standby", "--journal", standbyDir.resolve("new").toString(), "--primary",
                "localhost:9", "--until-sequence", "-1");

        assertEquals(PurestockCli.FAILED, intoOther.code(), intoOther.err());
        assertEquals("purestock standby: directory " + other + " holds no purestock journal (no .cq4 cycle files, no "
                + "purestock.lock); --journal takes the directory an engine journals to", intoOther.errorLine());
        try (Stream<Path> files = Files.list(other)) {
            assertEquals(List.of(other.resolve("notes.txt")), files.toList(), "nothing was written there");
        }
        assertEquals(PurestockCli.FAILED, intoFile.code(), intoFile.err());
        assertEquals("purestock standby: " + file + " is a file, not a journal directory; --journal takes the "
                + "directory an engine journals to", intoFile.errorLine());
        assertEquals(PurestockCli.FAILED, intoSharded.code(), intoSharded.err());
        assertTrue(intoSharded.errorLine().contains("holds 2 shards (purestock-shards.properties); a standby keeps "
                + "the one-shard journal of a one-shard primary"), intoSharded.err());
        try (Stream<Path> files = Files.list(sharded)) {
            assertEquals(3, files.count(), "nothing was written there");
        }
        assertEquals(PurestockCli.USAGE, negative.code(), negative.err());
        assertTrue(negative.errorLine().contains("--until-sequence must be a sequence, at least 0, was -1"),
                negative.err());
        assertFalse(Files.exists(standbyDir.resolve("new")));
    }

    @Test
    void snapshotSettingsOutOfRangeAreUsageErrors() {
        Run every = Run.of("standby", "--journal", standbyDir.toString(), "--primary", "localhost:9",
                "--snapshot-every", "-1");
        Run keep = Run.of("standby", "--journal", standbyDir.toString(), "--primary", "localhost:9",
                "--keep-snapshots", "0");

        assertEquals(PurestockCli.USAGE, every.code());
        // named by the options given, as demo and prune name them, not by the builder's methods
        assertEquals("purestock standby: --snapshot-every must be at least 0 (0: none), was -1 (see `purestock "
                + "standby --help`)", every.errorLine());
        assertEquals(PurestockCli.USAGE, keep.code());
        assertEquals("purestock standby: --keep-snapshots must be at least 1, was 0 (see `purestock standby --help`)",
                keep.errorLine());
    }

    @Test
    void aPrimaryThatIsNotHostAndPortIsAUsageError() {
        Run run = Run.of("standby", "--journal", standbyDir.toString(), "--primary", "nowhere");

        assertEquals(PurestockCli.USAGE, run.code());
        assertTrue(run.errorLine().contains("HOST:PORT"), run.err());
    }
}
