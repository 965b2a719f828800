package dev.purestock.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalLayout;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalWriter;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.SnapshotInfo;
import dev.purestock.journal.SnapshotStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every subcommand on a sharded journal directory ({@code DIR/purestock-shards.properties} and
 * {@code DIR/shard-N}, each a one-shard journal): results per shard and in total, {@code --shard N} for one,
 * {@code dump} merged by time with each record's shard, and clear errors for a shard out of range or a
 * directory whose shards do not match its count.
 */
class ShardedJournalTest {
    private static final long TIME = 1_700_000_000_000L;
    /** Purchases per shard: each shard receives 3 units, so shard 0 rejects 1 and shard 1 rejects 3. */
    private static final int[] PURCHASES = {4, 6};
    private static final int[] RECORDS = {2 + PURCHASES[0], 2 + PURCHASES[1]};

    @TempDir
    static Path shared;
    static Path sale;
    static String[] stateHashes = new String[2];

    @TempDir
    Path tmp;

    /**
     * A two-shard sale, journaled by a one-shard engine per shard directory as a sharded engine lays it out:
     * shard {@code s} sells from warehouse {@code s + 2}, which {@code warehouse % 2} routes to it. The shards'
     * clocks interleave: shard 0 stamps even milliseconds, shard 1 odd ones.
     */
    @BeforeAll
    static void journalASaleOnTwoShards() throws IOException {
        sale = shared.resolve("sale");
        for (int shard = 0; shard < 2; shard++) {
            AtomicLong clock = new AtomicLong(TIME + shard);
            int warehouse = shard + 2;
            try (JournaledEngine journaled = JournaledEngine.builder(sale.resolve("shard-" + shard))
                    .engine(builder -> builder.waitStrategy(WaitStrategyKind.BLOCKING).clock(() -> clock.getAndAdd(2)))
                    .start()) {
                PurestockEngine engine = journaled.engine();
                engine.submit(new Command.ListProduct(1, 0)).join();
                engine.submit(new Command.ReceiveStock(100 + shard, 1, warehouse, 3)).join();
                for (int k = 0; k < PURCHASES[shard]; k++) {
                    engine.submit(new Command.Purchase(shard * 1_000L + k + 1, k + 1, 1, warehouse, 1)).join();
                }
                stateHashes[shard] = StateDigest.format(engine.digest(0).join());
            }
        }
        // counted last: an engine refuses to start on one shard of a sharded journal
        writeShardCount(sale, 2);
    }

    @Test
    void replayRebuildsEveryShardAndReportsEachAndTheTotal() {
        JsonObject replay = json("replay", "--journal", sale.toString(), "--json");
        assertEquals(2, replay.get("shard-count").getAsInt());
        JsonArray shards = replay.getAsJsonArray("shards");
        assertEquals(2, shards.size());
        for (int shard = 0; shard < 2; shard++) {
            JsonObject one = shards.get(shard).getAsJsonObject();
            assertEquals(shard, one.get("shard").getAsInt());
            assertEquals(RECORDS[shard], one.get("records").getAsLong());
            assertEquals(RECORDS[shard], one.get("next-sequence").getAsLong());
            assertEquals("empty", one.get("recovered-from").getAsString());
            assertEquals(stateHashes[shard], one.get("state-hash").getAsString(), "shard " + shard);
        }
        assertEquals(RECORDS[0] + RECORDS[1], replay.get("records").getAsLong());

        Run text = Run.of("replay", "--journal", sale.toString(), "--full");
        assertEquals(0, text.code(), text.err());
        Map<String, String> values = text.values();
        assertEquals("2", values.get("shard-count"));
        assertEquals(String.valueOf(RECORDS[1]), values.get("shard.1.records"));
        assertEquals(stateHashes[0], values.get("shard.0.state-hash"));
        assertEquals(stateHashes[1], values.get("shard.1.state-hash"));
        assertEquals(String.valueOf(RECORDS[0] + RECORDS[1]), values.get("records"));

        JsonObject one = json("replay", "--journal", sale.toString(), "--shard", "1", "--json");
        assertEquals(1, one.getAsJsonArray("shards").size());
        assertEquals(1, one.getAsJsonArray("shards").get(0).getAsJsonObject().get("shard").getAsInt());
        assertEquals(RECORDS[1], one.get("records").getAsLong());
    }

    @Test
    void verifyChecksEveryShard() {
        JsonObject verify = json("verify", "--journal", sale.toString(), "--json");
        assertEquals("ok", verify.get("result").getAsString());
        assertEquals(RECORDS[0] + RECORDS[1], verify.get("records-verified").getAsLong());
        JsonArray shards = verify.getAsJsonArray("shards");
        for (int shard = 0; shard < 2; shard++) {
            assertEquals(RECORDS[shard], shards.get(shard).getAsJsonObject().get("records-verified").getAsLong());
            assertEquals("ok", shards.get(shard).getAsJsonObject().get("result").getAsString());
        }
        Run one = Run.of("verify", "--journal", sale.toString(), "--shard", "0");
        assertEquals(0, one.code(), one.err());
        assertEquals(String.valueOf(RECORDS[0]), one.values().get("records-verified"));
        assertFalse(one.values().containsKey("shard.1.records-verified"), one.out());
    }

    @Test
    void verifyNamesTheShardAndTheRecordThatDiverges() throws IOException {
        Path dir = tmp.resolve("diverged");
        writeShardCount(dir, 2);
        try (JournalWriter writer = JournalWriter.open(dir.resolve("shard-0"), Durability.PAGE_CACHE)) {
            writer.onDecided(0, TIME, new Command.ListProduct(1, 0), List.of(new Event.ProductListed(1, 0)), true);
        }
        try (JournalWriter writer = JournalWriter.open(dir.resolve("shard-1"), Durability.PAGE_CACHE)) {
            writer.onDecided(0, TIME, new Command.ListProduct(1, 0), List.of(new Event.ProductListed(1, 0)), true);
            writer.onDecided(1, TIME + 1, new Command.ListProduct(2, 0), List.of(new Event.ProductListed(3, 0)), true);
        }
        Run verify = Run.of("verify", "--journal", dir.toString());
        assertEquals(PurestockCli.FAILED, verify.code());
        assertEquals("ok", verify.values().get("shard.0.result"));
        assertEquals("diverged", verify.values().get("shard.1.result"));
        assertEquals("diverged", verify.values().get("result"));
        String line = verify.errorLine();
        assertTrue(line.startsWith("purestock verify: shard 1: "), line);
        assertTrue(line.contains("seq 1"), line);
    }

    /**
     * Shard directories in each other's places (restored so, or taken from a journal of another shard count): every
     * record of each verifies on its own, and verify said "ok", while the engine refuses to start on the directory,
     * since each shard holds stock at the other's warehouses. Verify now fails such a shard, naming what it holds.
     */
    @Test
    void verifyFailsShardDirectoriesInEachOthersPlaces() throws IOException {
        Path dir = tmp.resolve("swapped");
        for (int shard = 0; shard < 2; shard++) {
            int otherShardsWarehouse = (shard + 1) % 2 + 2;
            try (JournaledEngine journaled = JournaledEngine.builder(dir.resolve("shard-" + shard))
                    .engine(builder -> builder.waitStrategy(WaitStrategyKind.BLOCKING)).start()) {
                journaled.engine().submit(new Command.ListProduct(1, 0)).join();
                journaled.engine().submit(new Command.ReceiveStock(100, 1, otherShardsWarehouse, 3)).join();
            }
        }
        writeShardCount(dir, 2);

        Run verify = Run.of("verify", "--journal", dir.toString());

        assertEquals(PurestockCli.FAILED, verify.code(), verify.err());
        assertEquals("diverged", verify.values().get("shard.0.result"), verify.out());
        assertEquals("diverged", verify.values().get("shard.1.result"), verify.out());
        List<String> lines = verify.errLines().stream().filter(line -> line.startsWith("purestock verify: ")).toList();
        assertEquals(2, lines.size(), verify.err());
        assertTrue(lines.get(0).startsWith("purestock verify: shard 0: "), lines.get(0));
        assertTrue(lines.get(0).contains("stock at warehouse 3, which belongs to shard 1"), lines.get(0));
        assertTrue(lines.get(0).contains("put each shard directory back in its place"), lines.get(0));
        assertTrue(lines.get(1).contains("stock at warehouse 2, which belongs to shard 0"), lines.get(1));
    }

    @Test
    void statsCountsEachShardAndTheTotal() {
        JsonObject stats = json("stats", "--journal", sale.toString(), "--json");
        JsonArray shards = stats.getAsJsonArray("shards");
        for (int shard = 0; shard < 2; shard++) {
            JsonObject one = shards.get(shard).getAsJsonObject();
            assertEquals(RECORDS[shard], one.get("records").getAsLong());
            assertEquals(0, one.get("first-sequence").getAsLong());
            assertEquals(RECORDS[shard] - 1, one.get("last-sequence").getAsLong());
            assertEquals(5, one.get("accepted").getAsLong(), "listing, receipt and 3 purchases");
            assertEquals(PURCHASES[shard] - 3, one.get("rejected.OUT_OF_STOCK").getAsLong());
        }
        assertEquals(RECORDS[0] + RECORDS[1], stats.get("records").getAsLong());
        assertEquals(10, stats.get("accepted").getAsLong());
        assertEquals(4, stats.get("rejected").getAsLong());
        assertEquals(4, stats.get("rejected.OUT_OF_STOCK").getAsLong());
        assertEquals("2023-11-14T22:13:20Z", stats.get("first-time").getAsString(), "shard 0's first, at TIME");
        assertFalse(stats.has("first-sequence"), "sequences are per shard");

        Run text = Run.of("stats", "--journal", sale.toString(), "--shard", "1");
        assertEquals(0, text.code(), text.err());
        assertEquals(String.valueOf(RECORDS[1]), text.values().get("shard.1.records"));
        assertEquals(String.valueOf(RECORDS[1]), text.values().get("records"));
        assertFalse(text.values().containsKey("shard.0.records"));
    }

    @Test
    void dumpMergesEveryShardByTimeAndNamesEachRecordsShard() {
        Run dump = Run.of("dump", "--journal", sale.toString(), "--json");
        assertEquals(0, dump.code(), dump.err());
        List<JsonObject> records = dump.jsonLines();
        assertEquals(RECORDS[0] + RECORDS[1], records.size());
        long[] next = new long[2];
        JsonObject previous = null;
        for (JsonObject record : records) {
            int shard = record.get("shard").getAsInt();
            assertEquals(next[shard]++, record.get("seq").getAsLong(), "each shard's records in sequence order");
            if (previous != null) {
                long before = previous.get("time").getAsLong();
                long time = record.get("time").getAsLong();
                assertTrue(before < time || before == time && previous.get("shard").getAsInt() <= shard,
                        previous + " then " + record);
            }
            previous = record;
        }
        assertEquals(RECORDS[0], next[0]);
        assertEquals(RECORDS[1], next[1]);
        assertEquals(List.of(0, 1, 0, 1), records.subList(0, 4).stream().map(r -> r.get("shard").getAsInt()).toList(),
                "the shards' clocks interleave, and so do their records");

        Run text = Run.of("dump", "--journal", sale.toString());
        assertEquals(0, text.code(), text.err());
        List<String> lines = text.out().lines().toList();
        assertEquals(RECORDS[0] + RECORDS[1], lines.size());
        assertTrue(lines.get(0).startsWith("shard=0 seq=0 time=" + TIME + " "), lines.get(0));
        assertTrue(lines.get(1).startsWith("shard=1 seq=0 time=" + (TIME + 1) + " "), lines.get(1));
    }

    @Test
    void dumpMergedByTimeGoesByShardThenSequenceWhenTimesTie() throws IOException {
        Path dir = tmp.resolve("ties");
        writeShardCount(dir, 2);
        long[][] times = {{10, 20, 20, 40}, {5, 20, 30}};
        for (int shard = 0; shard < 2; shard++) {
            try (JournalWriter writer = JournalWriter.open(dir.resolve("shard-" + shard), Durability.PAGE_CACHE)) {
                for (int seq = 0; seq < times[shard].length; seq++) {
                    writer.onDecided(seq, times[shard][seq], new Command.ListProduct(seq + 1, 0),
                            List.of(new Event.ProductListed(seq + 1, 0)), true);
                }
            }
        }
        Run dump = Run.of("dump", "--journal", dir.toString(), "--json");
        assertEquals(0, dump.code(), dump.err());
        List<String> order = new ArrayList<>();
        for (JsonObject record : dump.jsonLines()) {
            order.add(record.get("time").getAsLong() + "/" + record.get("shard").getAsInt() + "/"
                    + record.get("seq").getAsLong());
        }
        assertEquals(List.of("5/1/0", "10/0/0", "20/0/1", "20/0/2", "20/1/1", "30/1/2", "40/0/3"), order);
    }

    @Test
    void aCorruptRecordIsDumpedInItsShardsPlaceAfterTheRecordBeforeIt() throws IOException {
        Path dir = copyOfTheSale();
        PurestockCliTest.flipByteOfRecord(dir.resolve("shard-1"), 3);
        Run dump = Run.of("dump", "--journal", dir.toString(), "--json");
        assertEquals(PurestockCli.FAILED, dump.code());
        assertEquals("purestock dump: 1 record(s) fail their checksum", dump.errorLine());
        List<JsonObject> records = dump.jsonLines();
        assertEquals(RECORDS[0] + RECORDS[1], records.size(), "the merge goes on past it");
        int at = -1;
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).has("corrupt")) {
                at = i;
            }
        }
        JsonObject corrupt = records.get(at);
        assertEquals(1, corrupt.get("shard").getAsInt());
        assertEquals(3, corrupt.get("seq").getAsLong());
        JsonObject before = records.get(at - 1);
        assertEquals(1, before.get("shard").getAsInt(), "the record before it in its shard comes just before");
        assertEquals(2, before.get("seq").getAsLong());

        Run text = Run.of("dump", "--journal", dir.toString(), "--shard", "1", "--from", "3", "--to", "3");
        assertEquals(PurestockCli.FAILED, text.code());
        assertTrue(text.out().startsWith("shard=1 seq=3 index=0x") && text.out().contains(" CORRUPT "), text.out());
    }

    @Test
    void dumpOfOneShardTakesItsSequences() {
        Run dump = Run.of("dump", "--journal", sale.toString(), "--shard", "1", "--from", "2", "--to", "3", "--json");
        assertEquals(0, dump.code(), dump.err());
        List<JsonObject> records = dump.jsonLines();
        assertEquals(2, records.size());
        assertEquals(List.of(2L, 3L), records.stream().map(r -> r.get("seq").getAsLong()).toList());
        assertTrue(records.stream().allMatch(r -> r.get("shard").getAsInt() == 1), dump.out());

        Run beyond = Run.of("dump", "--journal", sale.toString(), "--shard", "0", "--from", "99");
        assertEquals(PurestockCli.FAILED, beyond.code());
        assertEquals("purestock dump: shard 0 of the journal holds no sequence 99; see `purestock stats --journal "
                + sale + " --shard 0`", beyond.errorLine());

        Run unnamed = Run.of("dump", "--journal", sale.toString(), "--from", "2");
        assertEquals(PurestockCli.USAGE, unnamed.code());
        assertEquals("purestock dump: --from and --to are sequences of one shard, and journal " + sale + " holds 2 "
                + "shards: name one with --shard N (0..1) (see `purestock dump --help`)", unnamed.errorLine());
        assertEquals("", unnamed.out());
    }

    @Test
    void aShardOutOfRangeIsAUsageErrorForEverySubcommand() {
        for (String command : List.of("replay", "verify", "stats", "dump", "snapshot", "prune", "repair")) {
            Run beyond = Run.of(command, "--journal", sale.toString(), "--shard", "2");
            assertEquals(PurestockCli.USAGE, beyond.code(), command + ": " + beyond.err());
            assertEquals("purestock " + command + ": --shard 2 is out of range: journal " + sale + " holds 2 shards "
                    + "(0..1) (see `purestock " + command + " --help`)", beyond.errorLine());
            Run negative = Run.of(command, "--journal", sale.toString(), "--shard", "-1");
            assertEquals(PurestockCli.USAGE, negative.code(), command);
            assertTrue(negative.errorLine().contains("--shard must be a shard number, at least 0, was -1"),
                    negative.err());
        }
    }

    @Test
    void aOneShardDirectoryIsShardZeroAndPrintsWhatItAlwaysDid() throws IOException {
        Path dir = tmp.resolve("flat");
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            writer.onDecided(0, TIME, new Command.ListProduct(1, 0), List.of(new Event.ProductListed(1, 0)), true);
        }
        for (String command : List.of("verify", "stats", "dump", "repair")) {
            Run all = Run.of(command, "--journal", dir.toString());
            Run zero = Run.of(command, "--journal", dir.toString(), "--shard", "0");
            assertEquals(0, all.code(), all.err());
            assertEquals(all.out(), zero.out(), command);
            assertFalse(all.out().contains("shard"), command + " on a one-shard directory: " + all.out());
        }
        Run one = Run.of("stats", "--journal", dir.toString(), "--shard", "1");
        assertEquals(PurestockCli.USAGE, one.code());
        assertEquals("purestock stats: --shard 1 is out of range: journal " + dir + " holds one shard (0) (see "
                + "`purestock stats --help`)", one.errorLine());
    }

    @Test
    void snapshotAndPruneActOnEveryShardUnderTheDirectorysLock() throws IOException {
        Path dir = copyOfTheSale();
        JsonObject snapshot = json("snapshot", "--journal", dir.toString(), "--json");
        assertEquals(2, snapshot.get("snapshots-written").getAsLong());
        JsonArray shards = snapshot.getAsJsonArray("shards");
        for (int shard = 0; shard < 2; shard++) {
            JsonObject one = shards.get(shard).getAsJsonObject();
            assertEquals(RECORDS[shard] - 1, one.get("last-sequence").getAsLong());
            Path file = Path.of(one.get("snapshot").getAsString());
            assertTrue(file.startsWith(dir.resolve("shard-" + shard)), file.toString());
            assertTrue(Files.isRegularFile(file), file.toString());
        }
        JsonObject again = json("snapshot", "--journal", dir.toString(), "--shard", "1", "--json");
        assertEquals(1, again.get("snapshots-written").getAsLong());
        assertEquals(1, again.getAsJsonArray("shards").size());

        JsonObject stats = json("stats", "--journal", dir.toString(), "--json");
        assertEquals(1, stats.getAsJsonArray("shards").get(0).getAsJsonObject().get("snapshots").getAsLong());
        assertEquals(1, stats.getAsJsonArray("shards").get(1).getAsJsonObject().get("snapshots").getAsLong(),
                "the second snapshot of shard 1, at the same sequence, replaced the first");
        assertEquals(2, stats.get("snapshots").getAsLong());

        Run replay = Run.of("replay", "--journal", dir.toString());
        assertEquals(0, replay.code(), replay.err());
        assertEquals("snapshot@" + (RECORDS[0] - 1), replay.values().get("shard.0.recovered-from"));
        assertEquals(stateHashes[1], replay.values().get("shard.1.state-hash"), "the snapshot holds the same state");

        JsonObject prune = json("prune", "--journal", dir.toString(), "--keep-snapshots", "1", "--json");
        assertEquals(2, prune.get("snapshots-kept").getAsLong());
        assertEquals(1, prune.getAsJsonArray("shards").get(1).getAsJsonObject().get("snapshots-kept").getAsLong());

        try (JournalLock held = JournalLock.acquire(dir)) {
            for (String command : List.of("snapshot", "prune")) {
                Run refused = Run.of(command, "--journal", dir.toString());
                assertEquals(PurestockCli.FAILED, refused.code(), command);
                assertEquals("purestock " + command + ": journal " + dir + " is in use by another purestock process "
                        + "(lock " + dir.resolve(JournalLock.FILE_NAME) + "); stop it first", refused.errorLine());
            }
        }
        try (JournalLock held = JournalLock.acquire(dir.resolve("shard-1"))) {
            Run refused = Run.of("snapshot", "--journal", dir.toString(), "--shard", "1");
            assertEquals(PurestockCli.FAILED, refused.code());
            assertTrue(refused.errorLine().contains("is in use by another purestock process"), refused.err());
        }
    }

    @Test
    void aShardWithNoRecordYetIsAnEmptyShard() throws IOException {
        Path dir = copyOfTheSale();
        Files.writeString(dir.resolve(JournalLayout.SHARDS_FILE), "shards=3\n");
        JournalLock.acquire(dir.resolve("shard-2")).close();

        JsonObject replay = json("replay", "--journal", dir.toString(), "--json");
        JsonObject empty = replay.getAsJsonArray("shards").get(2).getAsJsonObject();
        assertEquals(0, empty.get("records").getAsLong());
        assertEquals(RECORDS[0] + RECORDS[1], replay.get("records").getAsLong());
        // the empty shard verifies; the other two hold stock at warehouses 2 and 3, which three shards route to
        // shards 2 and 0, so verify fails them as the engine's start refuses them
        Run verifyEmpty = Run.of("verify", "--journal", dir.toString(), "--shard", "2");
        assertEquals(0, verifyEmpty.code(), verifyEmpty.err());
        assertEquals("0", verifyEmpty.values().get("records-verified"), verifyEmpty.out());
        assertEquals(RECORDS[0] + RECORDS[1], Run.of("dump", "--journal", dir.toString()).out().lines().count());

        JsonObject snapshot = json("snapshot", "--journal", dir.toString(), "--json");
        assertEquals(2, snapshot.get("snapshots-written").getAsLong());
        assertEquals("none", snapshot.getAsJsonArray("shards").get(2).getAsJsonObject().get("snapshot").getAsString());
        Run nothing = Run.of("snapshot", "--journal", dir.toString(), "--shard", "2");
        assertEquals(PurestockCli.FAILED, nothing.code());
        assertEquals("purestock snapshot: shard 2 of the journal in " + dir + " holds no command to snapshot",
                nothing.errorLine());
    }

    @Test
    void repairReadsEveryShard() {
        JsonObject repair = json("repair", "--journal", sale.toString(), "--json");
        assertEquals("ok", repair.get("result").getAsString());
        assertEquals(RECORDS[0] + RECORDS[1], repair.get("records").getAsLong());
        for (int shard = 0; shard < 2; shard++) {
            JsonObject one = repair.getAsJsonArray("shards").get(shard).getAsJsonObject();
            assertEquals(RECORDS[shard] - 1, one.get("last-good-sequence").getAsLong());
            assertEquals("ok", one.get("result").getAsString());
        }
    }

    /**
     * One shard's newest cycle file zeroed, what a writer stopped as it rolled into it leaves: the reading subcommands
     * read every shard's records and name the file, with its shard.
     */
    @Test
    void aShardsNewestCycleFileWithNoHeaderIsNamedWithItsShardAndTheRecordsBeforeItAreRead() throws Exception {
        Path dir = copyOfTheSale();
        Path newest = ZeroedCycleFileTest.zeroedNextDaysCycleFile(dir.resolve("shard-1"));

        Run verify = Run.of("verify", "--journal", dir.toString());
        assertEquals(0, verify.code(), verify.err());
        assertEquals(String.valueOf(RECORDS[0] + RECORDS[1]), verify.values().get("records-verified"));
        assertTrue(verify.errorLine().startsWith("note: shard 1: cycle file " + newest.getFileName() + " of journal "
                + dir.resolve("shard-1") + " has no header (it starts with zeros)"), verify.err());
        assertTrue(verify.errorLine().contains("The records up to seq " + (RECORDS[1] - 1) + " were read, and it was "
                + "not"), verify.err());
        for (String command : List.of("verify", "replay", "query --sku 1")) {
            List<String> args = new ArrayList<>(List.of(command.split(" ")));
            args.addAll(List.of("--journal", dir.toString(), "--json"));
            JsonArray shards = Run.of(args.toArray(String[]::new)).json().getAsJsonArray("shards");
            assertFalse(shards.get(0).getAsJsonObject().has("journal-note"), command + ": shard 0 reads every cycle file");
            assertEquals(verify.errorLine().substring("note: shard 1: ".length()),
                    shards.get(1).getAsJsonObject().get("journal-note").getAsString(), command);
        }
        // snapshot cuts every shard's, shard 1's at the last record before the file, naming it once
        Run snapshot = Run.of("snapshot", "--journal", dir.toString(), "--json");
        assertEquals(0, snapshot.code(), snapshot.err());
        assertEquals(verify.errorLine(), snapshot.errorLine());
        JsonArray shards = snapshot.json().getAsJsonArray("shards");
        assertEquals(RECORDS[1] - 1, shards.get(1).getAsJsonObject().get("last-sequence").getAsLong());
        assertEquals(verify.errorLine().substring("note: shard 1: ".length()),
                shards.get(1).getAsJsonObject().get("journal-note").getAsString());
        assertFalse(shards.get(0).getAsJsonObject().has("journal-note"));
        assertTrue(Files.exists(newest), "left for the next engine start");
    }

    @Test
    void repairNamesTheDamagedShardAndCutsItOnlyWithConsent() throws Exception {
        Path dir = copyOfTheSale();
        RepairCommandTest.zeroHeaderOfRecord(dir.resolve("shard-1"), 5);

        Run verify = Run.of("verify", "--journal", dir.toString());
        assertEquals(PurestockCli.FAILED, verify.code());
        assertTrue(verify.errorLine().startsWith("purestock verify: shard 1: journal " + dir.resolve("shard-1")
                + " cannot be read past seq 4"), verify.err());

        Run diagnose = Run.of("repair", "--journal", dir.toString());
        assertEquals(PurestockCli.FAILED, diagnose.code());
        Map<String, String> values = diagnose.values();
        assertEquals("ok", values.get("shard.0.result"));
        assertEquals("damaged", values.get("shard.1.result"));
        assertEquals("4", values.get("shard.1.last-good-sequence"));
        assertEquals("3", values.get("shard.1.acknowledged-behind-damage"));
        assertEquals("damaged", values.get("result"));
        assertTrue(diagnose.errorLine().startsWith("purestock repair: shard 1 is damaged; "), diagnose.err());

        Run refused = Run.of("repair", "--journal", dir.toString(), "--truncate");
        assertEquals(PurestockCli.FAILED, refused.code());
        assertEquals("refused", refused.values().get("result"));
        assertTrue(refused.errorLine().endsWith("or add --accept-loss; no shard was cut"), refused.err());
        assertEquals(PurestockCli.FAILED, Run.of("verify", "--journal", dir.toString()).code(), "nothing was cut");

        Run cut = Run.of("repair", "--journal", dir.toString(), "--truncate", "--accept-loss", "--json");
        assertEquals(0, cut.code(), cut.err());
        assertEquals("truncated", cut.json().get("result").getAsString());
        JsonObject after = json("verify", "--journal", dir.toString(), "--json");
        assertEquals(RECORDS[0] + 5, after.get("records-verified").getAsLong());
        assertEquals("ok", after.get("result").getAsString());
    }

    @Test
    void aMissingShardDirectoryOrAMissingShardCountIsNamed() throws IOException {
        Path lacking = copyOfTheSale();
        moveAside(lacking.resolve("shard-1"));
        for (String command : List.of("replay", "verify", "stats", "dump", "snapshot", "prune", "repair", "demo")) {
            Run run = Run.of(command, "--journal", lacking.toString());
            assertEquals(PurestockCli.FAILED, run.code(), command);
            assertEquals("purestock " + command + ": journal directory " + lacking + " holds shards ("
                    + JournalLayout.SHARDS_FILE + ") but shard 1's directory " + lacking.resolve("shard-1") + " is missing; "
                    + "restore it from a copy (each shard directory is a journal of its own, which `--journal` reads "
                    + "alone)", run.errorLine(), command);
        }

        Path uncounted = copyOfTheSale();
        Files.delete(uncounted.resolve(JournalLayout.SHARDS_FILE));
        for (String command : List.of("replay", "dump", "demo")) {
            Run run = Run.of(command, "--journal", uncounted.toString());
            assertEquals(PurestockCli.FAILED, run.code(), command);
            // the journal's words, as an engine's start gives them
            assertEquals("purestock " + command + ": journal directory " + uncounted + " holds shard directories "
                    + "(shard-0, shard-1) but no " + JournalLayout.SHARDS_FILE + ", where a sharded journal records how "
                    + "many shards it holds: restore the file from a copy of the directory (a line shards=N) before "
                    + "starting an engine on it; meanwhile each shard directory reads as a journal of its own ("
                    + uncounted.resolve("shard-0") + ")", run.errorLine(), command);
        }

        Path extra = copyOfTheSale();
        Files.writeString(extra.resolve(JournalLayout.SHARDS_FILE), "shards=2\n");
        Files.createDirectory(extra.resolve("shard-2"));
        Run run = Run.of("stats", "--journal", extra.toString());
        assertEquals(PurestockCli.FAILED, run.code());
        assertEquals("purestock stats: journal directory " + extra + " records 2 shards (" + JournalLayout.SHARDS_FILE
                + ") yet also holds [shard-2], which that count does not name: starting without them would leave out "
                + "what they acknowledged; restore the count the directory was created with, or move them out",
                run.errorLine());
    }

    /**
     * {@code prune} and {@code snapshot} work on the shards in parallel, each changing its own directory as it goes:
     * one shard's refusal (here a stray {@code .cq4} file) came after the other had removed its snapshot ahead of its
     * journal. Every shard's journal is opened before any shard's work begins.
     */
    @Test
    void pruneOrSnapshotThatOneShardRefusesLeavesTheOtherShardAsItWas() throws IOException {
        Path dir = copyOfTheSale();
        SnapshotStore ahead = new SnapshotStore(dir.resolve("shard-0"));
        ahead.write(50, TIME, new MapInventoryStore());
        Path shard1 = dir.resolve("shard-1");
        Files.write(shard1.resolve("backup.cq4"), new byte[64]);

        for (String command : List.of("prune", "snapshot")) {
            Run run = Run.of(command, "--journal", dir.toString());
            assertEquals(PurestockCli.FAILED, run.code(), command + ": " + run.out());
            assertTrue(ahead.list().stream().map(SnapshotInfo::lastSequence).toList().contains(50L),
                    command + ": shard 0's snapshot ahead of its journal is still there");
            assertTrue(run.errorLine().startsWith("purestock " + command + ": shard 1: file backup.cq4 in journal "
                    + shard1 + " is named as a cycle file"), run.errorLine());
        }
    }

    /**
     * A restore that made {@code shard-1/} and copied nothing into it: the engine refuses to start that shard empty
     * beside a shard holding a journal, and the reading subcommands said the same directory was whole (verify
     * {@code result=ok}, stats {@code records=0} for the shard), hiding the loss an operator checks for after a
     * restore. They refuse it as the engine does, naming the shard.
     */
    @Test
    void anEmptiedShardDirectoryBesideShardsHoldingJournalsIsNamedByTheReadersAsByTheEngine() throws IOException {
        Path emptied = copyOfTheSale();
        moveAside(emptied.resolve("shard-1"));
        Files.createDirectory(emptied.resolve("shard-1"));
        for (String command : List.of("verify", "stats", "dump", "repair", "demo")) {
            Run run = Run.of(command, "--journal", emptied.toString());
            assertEquals(PurestockCli.FAILED, run.code(), command + ": " + run.out());
            assertEquals("purestock " + command + ": journal directory " + emptied + " records 2 shards but [shard-1] "
                    + "is missing or empty while 1 other shard(s) hold journals: starting it empty could lose the "
                    + "commands it acknowledged; restore it from a copy of the directory", run.errorLine(), command);
        }
    }

    @Test
    void noCommandWritesIntoOneShardOfAShardedDirectoryOnItsOwn() throws IOException {
        Path dir = copyOfTheSale();
        Path shard = dir.resolve("shard-1");
        Path commands = Files.writeString(tmp.resolve("in.jsonl"),
                "{\"type\":\"Purchase\",\"orderId\":900,\"customer\":1,\"sku\":1,\"warehouse\":2,\"quantity\":1}\n");
        String refusal = shard + " is a shard of the sharded journal " + dir + " (" + JournalLayout.SHARDS_FILE
                + "); commands go through " + dir + " as a whole, which routes each to its shard: one written to a "
                + "shard alone could belong to another, where the sharded journal never sees it (a shard alone is for "
                + "reading)";
        for (List<String> args : List.of(List.of("demo", "--journal", shard.toString(), "--attempts", "10"),
                List.of("submit", "--journal", shard.toString(), commands.toString()),
                List.of("standby", "--journal", shard.toString(), "--primary", "localhost:9"))) {
            Run run = Run.of(args.toArray(String[]::new));
            assertEquals(PurestockCli.FAILED, run.code(), args + ": " + run.err());
            assertEquals("purestock " + args.getFirst() + ": " + refusal, run.errorLine(), args.toString());
        }
        Run stats = Run.of("stats", "--journal", shard.toString());
        assertEquals(0, stats.code(), stats.err());
        assertEquals(String.valueOf(RECORDS[1]), stats.values().get("records"), "shard 1 journaled nothing more");
    }

    @Test
    void theDemoRunsAShardedEngineThatEverySubcommandReads() throws IOException {
        Path dir = tmp.resolve("demo");
        String[] sale = {"demo", "--journal", dir.toString(), "--shards", "2", "--skus", "20", "--stock", "5",
                "--attempts", "400", "--snapshot-every", "150", "--json"};
        JsonObject demo = json(sale);
        assertEquals(2, demo.get("shard-count").getAsInt());
        assertEquals(100, demo.get("accepted").getAsLong(), "20 skus of 5 units sell out across the shards");
        assertEquals(0, demo.get("oversold").getAsLong());
        assertTrue(demo.get("stock-conserved").getAsBoolean());
        assertEquals(460, demo.get("commands").getAsLong(), "each shard lists the 20 skus; 20 receipts, 400 purchases");
        assertTrue(Files.isRegularFile(dir.resolve(JournalLayout.SHARDS_FILE)));
        JsonArray shards = demo.getAsJsonArray("shards");
        assertEquals(2, shards.size());
        long commands = 0;
        for (int shard = 0; shard < 2; shard++) {
            JsonObject one = shards.get(shard).getAsJsonObject();
            assertEquals(shard, one.get("shard").getAsInt());
            assertTrue(one.get("commands").getAsLong() > 20, "both shards sell: " + one);
            commands += one.get("commands").getAsLong();
        }
        assertEquals(460, commands);

        JsonObject replay = json("replay", "--journal", dir.toString(), "--full", "--json");
        for (int shard = 0; shard < 2; shard++) {
            assertEquals(shards.get(shard).getAsJsonObject().get("state-hash").getAsString(),
                    replay.getAsJsonArray("shards").get(shard).getAsJsonObject().get("state-hash").getAsString());
        }
        assertEquals("ok", json("verify", "--journal", dir.toString(), "--json").get("result").getAsString());
        long records = json("stats", "--journal", dir.toString(), "--json").get("records").getAsLong();
        assertTrue(records >= 460, "records " + records);
        assertEquals(records, Run.of("dump", "--journal", dir.toString()).out().lines().count());

        for (String count : List.of("3", "1")) {
            Run other = Run.of("demo", "--journal", dir.toString(), "--shards", count);
            assertEquals(PurestockCli.FAILED, other.code(), count);
            assertEquals("purestock demo: journal directory " + dir + " holds 2 shards (" + JournalLayout.SHARDS_FILE
                    + "); this demo was run with --shards " + count + ": resharding is not supported; run it with "
                    + "--shards 2, or give it a new directory", other.errorLine());
        }
        JsonObject again = json(sale);
        assertEquals(2, again.get("drop").getAsLong(), "the second run recovers both shards and goes on");
        assertEquals(100, again.get("accepted").getAsLong());

        Path flat = tmp.resolve("flat-demo");
        json("demo", "--journal", flat.toString(), "--skus", "2", "--attempts", "10", "--json");
        Run sharded = Run.of("demo", "--journal", flat.toString(), "--shards", "2");
        assertEquals(PurestockCli.FAILED, sharded.code());
        assertTrue(sharded.errorLine().contains("holds a one-shard journal"), sharded.err());
    }

    @Test
    void aOneShardJournalWithNoRecordYetIsRefusedAnotherShardCountInTheCommandsOwnWords() throws IOException {
        // an engine that ran once and received no command leaves its lock and queue metadata, no cycle file
        Path empty = tmp.resolve("no-record-yet");
        Path nothing = Files.writeString(tmp.resolve("nothing.jsonl"), "");
        assertEquals(0, Run.of("submit", "--journal", empty.toString(), nothing.toString()).code());
        Path one = Files.writeString(tmp.resolve("one.jsonl"), "{\"type\":\"ListProduct\",\"sku\":7,"
                + "\"perCustomerLimit\":0}\n");

        Run demo = Run.of("demo", "--journal", empty.toString(), "--shards", "2", "--attempts", "1");
        Run submit = Run.of("submit", "--journal", empty.toString(), "--shards", "2", one.toString());

        assertEquals(PurestockCli.FAILED, demo.code(), demo.err());
        assertEquals("purestock demo: journal directory " + empty + " holds a one-shard journal (no "
                + JournalLayout.SHARDS_FILE + "); this demo was run with --shards 2: resharding is not supported; run "
                + "it with --shards 1 (the default), or give it a new directory", demo.errorLine());
        assertEquals(PurestockCli.FAILED, submit.code(), submit.err());
        assertEquals("purestock submit: journal directory " + empty + " holds a one-shard journal; --shards 2 was "
                + "given: resharding is not supported; leave --shards out, or give a new directory",
                submit.errorLine());
        assertFalse(Files.exists(empty.resolve(JournalLayout.SHARDS_FILE)), "nothing was written");
    }

    private static JsonObject json(String... args) {
        Run run = Run.of(args);
        assertEquals(0, run.code(), String.join(" ", args) + ": " + run.err());
        assertEquals(1, run.out().lines().count(), run.out());
        return run.json();
    }

    private static void writeShardCount(Path dir, int shards) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(JournalLayout.SHARDS_FILE), "# the shard count of this journal directory\nshards="
                + shards + "\n");
    }

    /** A copy of the sale's directory, for a test that changes it. */
    private Path copyOfTheSale() throws IOException {
        Path copy = Files.createTempDirectory(tmp, "sale");
        try (var files = Files.walk(sale)) {
            for (Path from : (Iterable<Path>) files::iterator) {
                Path to = copy.resolve(sale.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(from, to);
                }
            }
        }
        return copy;
    }

    private void moveAside(Path dir) throws IOException {
        Files.move(dir, tmp.resolve("aside-" + dir.getFileName() + "-" + System.nanoTime()));
    }
}
