package dev.purestock.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Line;
import dev.purestock.domain.LineChange;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.JournalLayout;
import dev.purestock.journal.JournalReader;
import dev.purestock.journal.JournalRecord;
import dev.purestock.journal.JournalRepair;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.SnapshotInfo;
import dev.purestock.journal.SnapshotStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The history as data: {@code replay --until-seq / --until-time} equal to a replay of the journal cut at that
 * point, {@code query} of stock and of an order's history, and {@code export} of every event as flat rows.
 * The expectations are computed from the journal's records read straight through, never from the code under test.
 */
class HistoryCommandsTest {
    private static final long TIME = 1_700_000_000_000L;
    /** Each command is stamped this much after the one before: the sale spans several minutes. */
    private static final long STEP = 7_000;
    private static final String HEADER = "shard,seq,time,time_ms,command,event,event_index,line,order_id,customer,"
            + "sku,warehouse,quantity,available_after,customer_units_after,expires_at,movement_id,per_customer_limit,"
            + "reason_code,reason,ref,hold_id,held_until,held_command,counts_customers";

    @TempDir
    static Path shared;
    static Path sale;
    static Path sharded;
    static List<JournalRecord> records;
    static List<Long> snapshots;
    static long reserveSeq;
    static long confirmSeq;

    @TempDir
    Path tmp;

    /**
     * A one-shard sale on a clock stepping 7 s per command: two skus listed (sku 1 with a limit of 2 per
     * customer), stock at two warehouses, 60 purchases of which many are rejected (out of stock, over the
     * limit), a reservation confirmed, a cancel, a repeated purchase, a rejected two-line order; snapshots
     * after commands 12 and 40.
     */
    @BeforeAll
    static void journalASale() throws IOException {
        sale = shared.resolve("sale");
        AtomicLong clock = new AtomicLong(TIME);
        try (JournaledEngine journaled = JournaledEngine.builder(sale)
                .engine(builder -> builder.waitStrategy(WaitStrategyKind.BLOCKING)
                        .expireReservationsEvery(Duration.ZERO).clock(() -> clock.getAndAdd(STEP)))
                .start()) {
            PurestockEngine engine = journaled.engine();
            List<Command> commands = new ArrayList<>(List.of(new Command.ListProduct(1, 2),
                    new Command.ListProduct(2, 0), new Command.ReceiveStock(100, 1, 0, 3),
                    new Command.ReceiveStock(101, 1, 1, 2), new Command.ReceiveStock(102, 2, 0, 40)));
            for (int k = 0; k < 60; k++) {
                commands.add(new Command.Purchase(1_000 + k, k % 4 + 1, 1 + k % 2, k % 3 == 0 ? 1 : 0, 1));
            }
            for (int i = 0; i < commands.size(); i++) {
                engine.submit(commands.get(i)).join();
                if (i == 12 || i == 40) {
                    engine.snapshot(0).join();
                }
            }
            reserveSeq = commands.size();
            engine.submit(new Command.Reserve(2_000, 50, List.of(new Line(2, 0, 2)), TIME + 3_600_000)).join();
            confirmSeq = reserveSeq + 1;
            engine.submit(new Command.ConfirmReservation(2_000)).join();
            engine.submit(new Command.CancelPurchase(1_001)).join();
            engine.submit(new Command.Purchase(1_003, 4, 2, 0, 1)).join();
            engine.submit(new Command.PlaceOrder(3_000, 60, List.of(new Line(2, 0, 1), new Line(1, 0, 5)))).join();
            engine.submit(new Command.CancelPurchase(4_000)).join();
        }
        records = readAll(sale);
        snapshots = new SnapshotStore(sale).list().stream().map(SnapshotInfo::lastSequence).toList();
        assertEquals(2, snapshots.size(), "snapshots " + snapshots);

        sharded = shared.resolve("sharded");
        for (int shard = 0; shard < 2; shard++) {
            AtomicLong shardClock = new AtomicLong(TIME + shard);
            int warehouse = shard + 2;
            try (JournaledEngine journaled = JournaledEngine.builder(sharded.resolve("shard-" + shard))
                    .engine(builder -> builder.waitStrategy(WaitStrategyKind.BLOCKING)
                            .expireReservationsEvery(Duration.ZERO).clock(() -> shardClock.getAndAdd(2)))
                    .start()) {
                PurestockEngine engine = journaled.engine();
                engine.submit(new Command.ListProduct(1, 0)).join();
                engine.submit(new Command.ReceiveStock(100 + shard, 1, warehouse, 3)).join();
                for (int k = 0; k < 4 + 2 * shard; k++) {
                    engine.submit(new Command.Purchase(shard * 1_000L + k + 1, k + 1, 1, warehouse, 1)).join();
                }
            }
        }
        // counted last: an engine refuses to start on one shard of a sharded journal
        Files.writeString(sharded.resolve(JournalLayout.SHARDS_FILE), "shards=2\n");
    }

    private static List<JournalRecord> readAll(Path dir) {
        List<JournalRecord> all = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            reader.read((index, record) -> all.add(record));
        }
        return all;
    }

    @Test
    void replayUntilASequenceEqualsAReplayOfTheJournalCutThere() throws IOException {
        long last = records.getLast().sequence();
        long older = snapshots.getFirst();
        long newer = snapshots.getLast();
        for (long until : new long[]{0, older - 3, older, older + 5, newer - 1, newer + 2, last - 1, last}) {
            JsonObject bounded = json("replay", "--journal", sale.toString(), "--until-seq", String.valueOf(until),
                    "--json");
            JsonObject cut = json("replay", "--journal", cutAt(until).toString(), "--full", "--json");
            assertEquals(cut.get("state-hash").getAsString(), bounded.get("state-hash").getAsString(),
                    "until-seq " + until);
            assertEquals(until + 1, bounded.get("next-sequence").getAsLong());
            assertEquals(until, bounded.get("until-seq").getAsLong());
            String from = bounded.get("recovered-from").getAsString();
            String expected = until >= newer ? "snapshot@" + newer : until >= older ? "snapshot@" + older : "empty";
            assertEquals(expected, from, "until-seq " + until);
        }
        assertNotEquals(json("replay", "--journal", sale.toString(), "--until-seq", "20", "--json").get("state-hash"),
                json("replay", "--journal", sale.toString(), "--json").get("state-hash"));
    }

    @Test
    void replayUntilATimeEqualsTheLastRecordStampedAtOrBeforeIt() throws IOException {
        long newer = snapshots.getLast();
        for (long until : new long[]{3, snapshots.getFirst() + 1, newer - 2, newer + 4}) {
            JournalRecord record = records.get((int) until);
            String cut = json("replay", "--journal", cutAt(until).toString(), "--full", "--json")
                    .get("state-hash").getAsString();
            // at the record's own time, a moment after it, and as an ISO-8601 instant
            Map<String, Long> times = Map.of(String.valueOf(record.time()), record.time(),
                    String.valueOf(record.time() + STEP - 1), record.time() + STEP - 1,
                    Instant.ofEpochMilli(record.time()).toString(), record.time());
            for (var time : times.entrySet()) {
                JsonObject bounded = json("replay", "--journal", sale.toString(), "--until-time", time.getKey(),
                        "--json");
                assertEquals(cut, bounded.get("state-hash").getAsString(), "until-time " + time);
                assertEquals(until + 1, bounded.get("next-sequence").getAsLong());
                assertEquals(Instant.ofEpochMilli(time.getValue()).toString(), bounded.get("until-time").getAsString());
            }
        }
        JsonObject before = json("replay", "--journal", sale.toString(), "--until-time", String.valueOf(TIME - 1),
                "--json");
        assertEquals(0, before.get("next-sequence").getAsLong());
        assertEquals("empty", before.get("recovered-from").getAsString());
    }

    @Test
    void boundsAreCheckedWithOneLine() {
        assertUsage(Run.of("replay", "--journal", sale.toString(), "--until-seq", "-1"),
                "purestock replay: --until-seq must be a sequence, at least 0, was -1");
        assertUsage(Run.of("replay", "--journal", sale.toString(), "--until-time", "yesterday"),
                "purestock replay: Invalid value for option '--until-time'");
        assertUsage(Run.of("replay", "--journal", sharded.toString(), "--until-seq", "3"),
                "purestock replay: --until-seq is a sequence of one shard");
        assertUsage(Run.of("query", "--journal", sale.toString()), "purestock query: name one question");
        assertUsage(Run.of("query", "--journal", sale.toString(), "--order", "1", "--warehouse", "0"),
                "purestock query: --warehouse goes with --sku");
        // out of the domain's ranges: the store would read another entry (a warehouse of -1 read sku 1's limit)
        assertUsage(Run.of("query", "--journal", sale.toString(), "--sku", "1", "--warehouse", "-1"),
                "purestock query: --warehouse must be between 0 and 65535, was -1");
        assertUsage(Run.of("query", "--journal", sale.toString(), "--sku", "1", "--warehouse", "65536"),
                "purestock query: --warehouse must be between 0 and 65535, was 65536");
        assertUsage(Run.of("query", "--journal", sale.toString(), "--sku", "-1"),
                "purestock query: --sku must be between 0 and 4294967295, was -1");
        assertUsage(Run.of("query", "--journal", sale.toString(), "--sku", "4294967297"),
                "purestock query: --sku must be between 0 and 4294967295, was 4294967297");
        assertUsage(Run.of("query", "--journal", sale.toString(), "--order", "-1"),
                "purestock query: --order must be between 0 and " + Long.MAX_VALUE + ", was -1");
        Path directory = tmp.resolve("rows");
        assertTrue(directory.toFile().mkdir());
        assertUsage(Run.of("export", "--journal", sale.toString(), "--format", "csv", "--output", directory.toString()),
                "purestock export: --output " + directory + " is a directory; name a file");
        assertFalse(Files.exists(tmp.resolve("rows.partial")), "a refused export leaves no partial file behind");
        assertUsage(Run.of("export", "--journal", sale.toString(), "--format", "xml"),
                "purestock export: Invalid value for option '--format'");
        assertUsage(Run.of("export", "--journal", sharded.toString(), "--format", "csv", "--from", "2"),
                "purestock export: --from and --to are sequences of one shard");
        // --json shapes the summary, which only an export to --output prints: without one it did nothing, silently
        assertUsage(Run.of("export", "--journal", sale.toString(), "--format", "csv", "--json"),
                "purestock export: --json prints the summary as JSON, and an export prints a summary only with "
                        + "--output FILE; for rows as JSON lines use --format jsonl");
    }

    @Test
    void queryStockEqualsTheLastAvailableTheEventsLeft() {
        for (Long until : new Long[]{null, 9L, snapshots.getLast() + 1}) {
            for (long sku : new long[]{1, 2}) {
                Map<Integer, Long> expected = availableAfter(sku, until == null ? Long.MAX_VALUE : until);
                List<String> args = new ArrayList<>(List.of("query", "--journal", sale.toString(), "--sku",
                        String.valueOf(sku), "--json"));
                if (until != null) {
                    args.addAll(List.of("--until-seq", String.valueOf(until)));
                }
                JsonObject answer = json(args.toArray(String[]::new));
                assertTrue(answer.get("listed").getAsBoolean());
                assertEquals(sku == 1 ? 2 : 0, answer.get("per-customer-limit").getAsLong());
                Map<Integer, Long> found = new TreeMap<>();
                for (var warehouse : answer.getAsJsonArray("warehouses")) {
                    JsonObject one = warehouse.getAsJsonObject();
                    found.put(one.get("warehouse").getAsInt(), one.get("available").getAsLong());
                }
                assertEquals(expected, found, "sku " + sku + " until " + until);
                assertEquals(expected.values().stream().mapToLong(Long::longValue).sum(),
                        answer.get("available").getAsLong());
            }
        }
        Run text = Run.of("query", "--journal", sale.toString(), "--sku", "1", "--warehouse", "1");
        assertEquals(0, text.code(), text.err());
        assertEquals(String.valueOf(availableAfter(1, Long.MAX_VALUE).get(1)),
                text.values().get("warehouses.0.available"));
        JsonObject unlisted = json("query", "--journal", sale.toString(), "--sku", "77", "--json");
        assertFalse(unlisted.get("listed").getAsBoolean());
        assertEquals(0, unlisted.getAsJsonArray("warehouses").size());
    }

    @Test
    void queryOrderPrintsItsStatusAndEveryEventThatTouchedIt() {
        JsonObject now = json("query", "--journal", sale.toString(), "--order", "2000", "--json");
        assertEquals("CONFIRMED", now.get("status").getAsString());
        assertEquals(50, now.get("customer").getAsLong());
        assertEquals("2x2@0", now.get("lines").getAsString());
        JsonArray history = now.getAsJsonArray("history");
        assertEquals(2, history.size());
        assertEquals(reserveSeq, history.get(0).getAsJsonObject().get("seq").getAsLong());
        assertEquals("StockReserved", history.get(0).getAsJsonObject().get("event").getAsString());
        assertEquals(records.get((int) reserveSeq).time(), history.get(0).getAsJsonObject().get("time-ms").getAsLong());
        assertEquals(confirmSeq, history.get(1).getAsJsonObject().get("seq").getAsLong());
        assertEquals("ReservationConfirmed", history.get(1).getAsJsonObject().get("event").getAsString());

        JsonObject then = json("query", "--journal", sale.toString(), "--order", "2000", "--until-seq",
                String.valueOf(reserveSeq), "--json");
        assertEquals("RESERVED", then.get("status").getAsString());
        assertEquals(1, then.getAsJsonArray("history").size());
        assertEquals(Instant.ofEpochMilli(TIME + 3_600_000).toString(), then.get("expires-at").getAsString());

        // order 1001 was bought (sku 2), then cancelled; a repeat of purchase 1003 was recognised
        JsonObject cancelled = json("query", "--journal", sale.toString(), "--order", "1001", "--json");
        assertEquals("CANCELLED", cancelled.get("status").getAsString());
        List<String> events = new ArrayList<>();
        cancelled.getAsJsonArray("history").forEach(e -> events.add(e.getAsJsonObject().get("event").getAsString()));
        assertEquals(List.of("PurchaseAccepted", "PurchaseCancelled"), events);

        JsonObject rejected = json("query", "--journal", sale.toString(), "--order", "3000", "--json");
        assertEquals("REJECTED", rejected.get("status").getAsString());
        JsonArray lines = rejected.getAsJsonArray("history");
        assertEquals(2, lines.size(), "one entry per line of the rejected order: " + lines);
        assertEquals(expectedReason(3_000), lines.get(0).getAsJsonObject().get("reason").getAsString());

        JsonObject unknown = json("query", "--journal", sale.toString(), "--order", "999999", "--json");
        assertEquals("UNKNOWN", unknown.get("status").getAsString());
        assertEquals(0, unknown.getAsJsonArray("history").size());
    }

    @Test
    void anOrderForgottenStaysForgottenWhateverIsRejectedUnderItsIdAfterwards() {
        Path dir = tmp.resolve("forgotten");
        AtomicLong clock = new AtomicLong(TIME);
        try (JournaledEngine journaled = JournaledEngine.builder(dir)
                .engine(builder -> builder.waitStrategy(WaitStrategyKind.BLOCKING)
                        .expireReservationsEvery(Duration.ZERO).clock(() -> clock.getAndAdd(STEP)))
                .start()) {
            PurestockEngine engine = journaled.engine();
            engine.submit(new Command.ListProduct(1, 0)).join();
            engine.submit(new Command.ReceiveStock(1, 1, 0, 5)).join();
            engine.submit(new Command.Purchase(5_000, 1, 1, 0, 1)).join();
            // a window of 1 ms: the next time command, a step later, forgets the purchase
            List<Event> forgotten = engine.submit(new Command.ExpireReservations(1)).join().events();
            assertEquals(List.of(new Event.OrderForgotten(5_000)), forgotten);
        }
        assertEquals("FORGOTTEN", json("query", "--journal", dir.toString(), "--order", "5000", "--json")
                .get("status").getAsString());

        try (JournaledEngine journaled = JournaledEngine.builder(dir)
                .engine(builder -> builder.waitStrategy(WaitStrategyKind.BLOCKING)
                        .expireReservationsEvery(Duration.ZERO).clock(() -> clock.getAndAdd(STEP)))
                .start()) {
            // a late cancel and a new purchase under the free id, both refused: neither changes the order
            PurestockEngine engine = journaled.engine();
            engine.submit(new Command.CancelPurchase(5_000)).join();
            engine.submit(new Command.Purchase(5_000, 2, 1, 0, 99)).join();
        }
        JsonObject order = json("query", "--journal", dir.toString(), "--order", "5000", "--json");
        List<String> events = new ArrayList<>();
        order.getAsJsonArray("history").forEach(e -> events.add(e.getAsJsonObject().get("event").getAsString()));
        assertEquals(List.of("PurchaseAccepted", "OrderForgotten", "Rejected", "Rejected"), events);
        assertEquals("FORGOTTEN", order.get("status").getAsString(), order.toString());
    }

    @Test
    void exportWritesOneRowPerEventAndLineWithAFixedHeader() throws IOException {
        Run csv = Run.of("export", "--journal", sale.toString(), "--format", "csv");
        assertEquals(0, csv.code(), csv.err());
        List<String> lines = csv.out().lines().toList();
        assertEquals(HEADER, lines.getFirst());
        List<Map<String, String>> rows = parseCsv(lines);
        assertEquals(expectedRows(records), rows.size());
        Set<String> events = new HashSet<>();
        rows.forEach(row -> events.add(row.get("seq") + "/" + row.get("event_index")));
        assertEquals(records.stream().mapToLong(r -> r.events().size()).sum(), events.size());
        for (Map<String, String> row : rows) {
            assertEquals(HEADER.split(",").length, row.size());
            assertEquals(Long.parseLong(row.get("time_ms")), Instant.parse(row.get("time")).toEpochMilli());
            assertTrue(row.get("time").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), row.get("time"));
        }

        // a rejected purchase carries its reason and what it asked for
        Map<String, String> rejected = rows.stream().filter(row -> row.get("event").equals("Rejected")
                && row.get("command").equals("Purchase")).findFirst().orElseThrow();
        JournalRecord record = records.get(Integer.parseInt(rejected.get("seq")));
        Command.Purchase purchase = (Command.Purchase) record.command();
        Event.Rejected event = (Event.Rejected) record.events().getFirst();
        assertEquals(String.valueOf(event.reason().code()), rejected.get("reason_code"));
        assertEquals(event.reason().name(), rejected.get("reason"));
        assertEquals(String.valueOf(purchase.sku()), rejected.get("sku"));
        assertEquals(String.valueOf(purchase.orderId()), rejected.get("order_id"));
        assertEquals("", rejected.get("available_after"));

        Run jsonl = Run.of("export", "--journal", sale.toString(), "--format", "jsonl", "--from", "5", "--to", "20");
        assertEquals(0, jsonl.code(), jsonl.err());
        List<JsonObject> objects = jsonl.jsonLines();
        assertEquals(expectedRows(records.subList(5, 21)), objects.size());
        assertEquals(5, objects.getFirst().get("seq").getAsLong());
        assertEquals(20, objects.getLast().get("seq").getAsLong());
        for (JsonObject object : objects) {
            assertEquals(List.of(HEADER.split(",")), List.copyOf(object.keySet()), "every column, in order");
        }

        Path file = tmp.resolve("out.csv");
        Run toFile = Run.of("export", "--journal", sale.toString(), "--format", "csv", "--output", file.toString(),
                "--since", String.valueOf(records.get(10).time()), "--until",
                Instant.ofEpochMilli(records.get(30).time()).toString(), "--json");
        assertEquals(0, toFile.code(), toFile.err());
        JsonObject summary = toFile.json();
        List<String> written = Files.readAllLines(file);
        assertEquals(HEADER, written.getFirst());
        assertEquals(expectedRows(records.subList(10, 31)), written.size() - 1);
        assertEquals(written.size() - 1, summary.get("rows").getAsLong());
        assertFalse(Files.exists(tmp.resolve("out.csv.partial")));

        Run nowhere = Run.of("export", "--journal", sale.toString(), "--format", "csv", "--output",
                tmp.resolve("missing").resolve("out.csv").toString());
        assertEquals(PurestockCli.FAILED, nowhere.code());
        assertTrue(nowhere.errorLine().endsWith("out.csv.partial: no such file or directory"), nowhere.err());

        // a --from past the journal's end fails before anything is written: no CSV header on standard output
        long past = records.getLast().sequence() + 1;
        Run beyond = Run.of("export", "--journal", sale.toString(), "--format", "csv", "--from", String.valueOf(past));
        assertEquals(PurestockCli.FAILED, beyond.code(), beyond.out());
        assertEquals("", beyond.out());
        assertEquals("purestock export: the journal holds no sequence " + past + "; see `purestock stats --journal "
                + sale + "`", beyond.errorLine());
    }

    /**
     * A sku listed counting no customers: its listing's row says {@code counts_customers} false (a JSON boolean in
     * JSON Lines, as the counted listing's true), and its purchase's row has no customer count.
     */
    @Test
    void exportSaysWhetherAListingCountsCustomersAndLeavesAnUncountedLineWithoutACount() throws IOException {
        Path journal = tmp.resolve("uncounted");
        try (JournaledEngine journaled = JournaledEngine.builder(journal)
                .engine(builder -> builder.waitStrategy(WaitStrategyKind.BLOCKING)
                        .expireReservationsEvery(Duration.ZERO))
                .start()) {
            PurestockEngine engine = journaled.engine();
            engine.submit(Command.ListProduct.uncounted(5)).join();
            engine.submit(new Command.ListProduct(6, 1)).join();
            engine.submit(new Command.ReceiveStock(1, 5, 0, 4)).join();
            engine.submit(new Command.Purchase(9, 3, 5, 0, 2)).join();
        }

        List<JsonObject> rows = Run.of("export", "--journal", journal.toString(), "--format", "jsonl").jsonLines();
        assertEquals(4, rows.size());
        assertFalse(rows.get(0).get("counts_customers").getAsJsonPrimitive().getAsBoolean());
        assertTrue(rows.get(0).get("counts_customers").getAsJsonPrimitive().isBoolean());
        assertTrue(rows.get(1).get("counts_customers").getAsBoolean());
        assertTrue(rows.get(3).get("customer_units_after").isJsonNull(), rows.get(3).toString());
        assertEquals(2, rows.get(3).get("available_after").getAsLong());
        List<Map<String, String>> csv = parseCsv(Run.of("export", "--journal", journal.toString(), "--format", "csv")
                .out().lines().toList());
        assertEquals("false", csv.get(0).get("counts_customers"));
        assertEquals("", csv.get(3).get("customer_units_after"));
    }

    /**
     * The worked example of docs/analysis.md: purchase attempts rejected per minute per sku, from the exported
     * CSV as the SQL there groups it, equal to the counts taken from the journal's records.
     */
    @Test
    void rejectedPurchasesPerMinutePerSkuFromTheExportEqualTheJournal() {
        Run csv = Run.of("export", "--journal", sale.toString(), "--format", "csv");
        Map<String, Integer> fromExport = new TreeMap<>();
        for (Map<String, String> row : parseCsv(csv.out().lines().toList())) {
            // WHERE command = 'Purchase' AND reason_code IS NOT NULL
            // GROUP BY date_trunc('minute', time), sku
            if (row.get("command").equals("Purchase") && !row.get("reason_code").isEmpty()) {
                String minute = row.get("time").substring(0, "2023-11-14T22:13".length());
                fromExport.merge(minute + " sku " + row.get("sku"), 1, Integer::sum);
            }
        }
        Map<String, Integer> fromJournal = new TreeMap<>();
        for (JournalRecord record : records) {
            if (record.command() instanceof Command.Purchase purchase
                    && record.events().getFirst() instanceof Event.Rejected) {
                String minute = Instant.ofEpochMilli(record.time() / 60_000 * 60_000).toString().substring(0, 16);
                fromJournal.merge(minute + " sku " + purchase.sku(), 1, Integer::sum);
            }
        }
        assertTrue(fromJournal.size() > 2, "the sale rejects purchases over several minutes: " + fromJournal);
        assertEquals(fromJournal, fromExport);
    }

    @Test
    void aShardedExportIsMergedByTime() {
        Run csv = Run.of("export", "--journal", sharded.toString(), "--format", "csv");
        assertEquals(0, csv.code(), csv.err());
        List<Map<String, String>> rows = parseCsv(csv.out().lines().toList());
        List<JournalRecord> all = new ArrayList<>(readAll(sharded.resolve("shard-0")));
        all.addAll(readAll(sharded.resolve("shard-1")));
        assertEquals(expectedRows(all), rows.size());
        long previous = Long.MIN_VALUE;
        Set<String> shards = new HashSet<>();
        for (Map<String, String> row : rows) {
            long time = Long.parseLong(row.get("time_ms"));
            assertTrue(time >= previous, "merged by time: " + row);
            previous = time;
            shards.add(row.get("shard"));
        }
        assertEquals(Set.of("0", "1"), shards);

        Run one = Run.of("export", "--journal", sharded.toString(), "--format", "csv", "--shard", "1", "--to", "2");
        assertEquals(0, one.code(), one.err());
        List<Map<String, String>> shardRows = parseCsv(one.out().lines().toList());
        assertEquals(3, shardRows.size());
        assertTrue(shardRows.stream().allMatch(row -> row.get("shard").equals("1")));

        JsonObject replay = json("replay", "--journal", sharded.toString(), "--until-time",
                String.valueOf(TIME + 5), "--json");
        JsonArray perShard = replay.getAsJsonArray("shards");
        assertEquals(3, perShard.get(0).getAsJsonObject().get("next-sequence").getAsLong());
        assertEquals(3, perShard.get(1).getAsJsonObject().get("next-sequence").getAsLong());
    }

    /** The available units each (warehouse) position of {@code sku} had after the last event up to {@code until}. */
    private static Map<Integer, Long> availableAfter(long sku, long until) {
        Map<Integer, Long> available = new TreeMap<>();
        for (JournalRecord record : records) {
            if (record.sequence() > until) {
                break;
            }
            for (Event event : record.events()) {
                switch (event) {
                    case Event.StockReceived e when e.sku() == sku -> available.put(e.warehouse(), e.available());
                    case Event.StockWrittenOff e when e.sku() == sku -> available.put(e.warehouse(), e.available());
                    default -> changes(event).stream().filter(c -> c.sku() == sku)
                            .forEach(c -> available.put(c.warehouse(), c.available()));
                }
            }
        }
        return available;
    }

    private static List<LineChange> changes(Event event) {
        return switch (event) {
            case Event.PurchaseAccepted e -> e.lines();
            case Event.StockReserved e -> e.lines();
            case Event.ReservationReleased e -> e.lines();
            case Event.ReservationExpired e -> e.lines();
            case Event.PurchaseCancelled e -> e.lines();
            default -> List.of();
        };
    }

    /** Rows an export of {@code some} holds: one per event, or one per line of an event about several lines. */
    private static long expectedRows(List<JournalRecord> some) {
        long rows = 0;
        for (JournalRecord record : some) {
            for (Event event : record.events()) {
                int lines = changes(event).size();
                if (event instanceof Event.Rejection && record.command() instanceof Command.PlaceOrder order) {
                    lines = order.lines().size() > 1 ? order.lines().size() : 0;
                }
                rows += Math.max(1, lines);
            }
        }
        return rows;
    }

    private static String expectedReason(long orderId) {
        for (JournalRecord record : records) {
            if (record.command().ref() == orderId && record.events().getFirst() instanceof Event.Rejected rejected) {
                return rejected.reason().name();
            }
        }
        throw new AssertionError("no rejection of " + orderId);
    }

    /** The journal of {@link #sale} copied and cut after {@code lastKept}, snapshots and all. */
    private Path cutAt(long lastKept) throws IOException {
        Path copy = Files.createTempDirectory(tmp, "cut");
        try (Stream<Path> files = Files.walk(sale)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = copy.resolve(sale.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
        if (lastKept < records.getLast().sequence()) {
            JournalRepair.truncateAfter(copy, lastKept);
        }
        return copy;
    }

    /** A CSV without quoted cells (what the export writes for these journals) as maps of column to cell. */
    private static List<Map<String, String>> parseCsv(List<String> lines) {
        String[] header = lines.getFirst().split(",", -1);
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            assertEquals(header.length, cells.length, line);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < header.length; i++) {
                row.put(header[i], cells[i]);
            }
            rows.add(row);
        }
        return rows;
    }

    private static JsonObject json(String... args) {
        Run run = Run.of(args);
        assertEquals(0, run.code(), Arrays.toString(args) + ": " + run.err());
        return run.json();
    }

    private static void assertUsage(Run run, String start) {
        assertEquals(PurestockCli.USAGE, run.code(), run.out() + run.err());
        assertTrue(run.errorLine().startsWith(start), run.errorLine());
    }
}
