package dev.purestock.cli;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the analysis commands attribute, count and check: a held command's rejection carries its order, a rejection
 * in a batch is the rejected member's, a sharded export stops at a gap as a one-shard one does, the time column
 * always has milliseconds, and the summaries count what they say.
 */
class AnalysisRowsTest {
    private static final String TIME = "1795711876596";

    @TempDir
    Path tmp;

    private Path journal(String name, String... lines) throws IOException {
        Path input = tmp.resolve(name + ".jsonl");
        Files.write(input, List.of(lines));
        Path dir = tmp.resolve(name);
        Run run = Run.of("submit", "--journal", dir.toString(), "--time", TIME, input.toString());
        assertEquals(0, run.code(), run.err());
        return dir;
    }

    /** A held purchase rejected when released: its Rejected row should carry order, customer, sku (docs/cli.md). */
    @Test
    void rejectionOfAReleasedHeldPurchaseCarriesItsOrder() throws IOException {
        Path dir = journal("held",
                "{\"type\":\"ListProduct\",\"sku\":7,\"perCustomerLimit\":0}",
                "{\"type\":\"ReceiveStock\",\"movementId\":1,\"sku\":7,\"warehouse\":1,\"quantity\":1}",
                "{\"type\":\"Hold\",\"holdId\":1,\"at\":" + TIME + ",\"command\":{\"type\":\"Purchase\","
                        + "\"orderId\":100,\"customer\":5,\"sku\":7,\"warehouse\":1,\"quantity\":5}}",
                "{\"type\":\"ExpireReservations\",\"retainOrdersFor\":86400000}");
        List<JsonObject> rows = Run.of("export", "--journal", dir.toString(), "--format", "jsonl").jsonLines();
        JsonObject rejected = rows.stream().filter(r -> r.get("event").getAsString().equals("Rejected"))
                .findFirst().orElseThrow();
        assertEquals("OUT_OF_STOCK", rejected.get("reason").getAsString());
        assertEquals(1, rejected.get("hold_id").getAsLong());
        assertEquals(100, rejected.get("ref").getAsLong());
        assertEquals("100/5/7", rejected.get("order_id") + "/" + rejected.get("customer") + "/" + rejected.get("sku"));
    }

    /**
     * A time command inside a batch releases a held purchase, and the member after it is rejected: that rejection is
     * the member's, not the held command's, so it carries the member's order and no hold id.
     */
    @Test
    void aMemberAfterATimeCommandInABatchIsNotTheReleasedHeldCommands() throws IOException {
        Path dir = journal("batched",
                "{\"type\":\"ListProduct\",\"sku\":7,\"perCustomerLimit\":0}",
                "{\"type\":\"ReceiveStock\",\"movementId\":1,\"sku\":7,\"warehouse\":1,\"quantity\":10}",
                "{\"type\":\"Hold\",\"holdId\":1,\"at\":" + TIME + ",\"command\":{\"type\":\"Purchase\","
                        + "\"orderId\":9,\"customer\":5,\"sku\":7,\"warehouse\":1,\"quantity\":1}}",
                "{\"type\":\"Batch\",\"mode\":\"INDEPENDENT\",\"commands\":[{\"type\":\"ExpireReservations\","
                        + "\"retainOrdersFor\":86400000},{\"type\":\"Purchase\",\"orderId\":5,\"customer\":6,"
                        + "\"sku\":7,\"warehouse\":1,\"quantity\":99}]}");
        List<JsonObject> rows = Run.of("export", "--journal", dir.toString(), "--format", "jsonl").jsonLines()
                .stream().filter(row -> row.get("seq").getAsLong() == 3).toList();
        assertEquals(List.of("HoldReleased", "PurchaseAccepted", "Rejected"),
                rows.stream().map(r -> r.get("event").getAsString()).toList());
        assertEquals(1, rows.get(1).get("hold_id").getAsLong(), "the held purchase's event");
        JsonObject rejected = rows.get(2);
        assertTrue(rejected.get("hold_id").isJsonNull(), rejected.toString());
        assertEquals("5/6/7/99", rejected.get("order_id") + "/" + rejected.get("customer") + "/" + rejected.get("sku")
                + "/" + rejected.get("quantity"));
    }

    /** query --order on that order: the rejection is its one event, so REJECTED with a history of 1. */
    @Test
    void queryOrderOfARejectedHeldPurchaseFindsTheRejection() throws IOException {
        Path dir = journal("held2",
                "{\"type\":\"ListProduct\",\"sku\":7,\"perCustomerLimit\":0}",
                "{\"type\":\"ReceiveStock\",\"movementId\":1,\"sku\":7,\"warehouse\":1,\"quantity\":1}",
                "{\"type\":\"Hold\",\"holdId\":1,\"at\":" + TIME + ",\"command\":{\"type\":\"Purchase\","
                        + "\"orderId\":100,\"customer\":5,\"sku\":7,\"warehouse\":1,\"quantity\":5}}",
                "{\"type\":\"ExpireReservations\",\"retainOrdersFor\":86400000}");
        JsonObject answer = Run.of("query", "--journal", dir.toString(), "--order", "100", "--json").json();
        assertEquals("REJECTED/1", answer.get("status").getAsString() + "/" + answer.get("events").getAsLong());
    }

    /**
     * An independent batch whose receipt and purchase share a number (a movement id and an order id are
     * different namespaces): the purchase's rejection is attributed to the receipt.
     */
    @Test
    void batchMemberRejectionIsAttributedToTheMemberThatWasRejected() throws IOException {
        Path dir = journal("batch",
                "{\"type\":\"ListProduct\",\"sku\":7,\"perCustomerLimit\":0}",
                "{\"type\":\"Batch\",\"mode\":\"INDEPENDENT\",\"commands\":["
                        + "{\"type\":\"ReceiveStock\",\"movementId\":5,\"sku\":7,\"warehouse\":1,\"quantity\":3},"
                        + "{\"type\":\"Purchase\",\"orderId\":5,\"customer\":9,\"sku\":8,\"warehouse\":1,"
                        + "\"quantity\":1}]}");
        List<JsonObject> rows = Run.of("export", "--journal", dir.toString(), "--format", "jsonl").jsonLines();
        JsonObject rejected = rows.stream().filter(r -> r.get("event").getAsString().equals("Rejected"))
                .findFirst().orElseThrow();
        assertEquals("UNKNOWN_SKU", rejected.get("reason").getAsString());
        assertEquals("5/9/8/null", rejected.get("order_id") + "/" + rejected.get("customer") + "/"
                + rejected.get("sku") + "/" + rejected.get("movement_id"));
        JsonObject answer = Run.of("query", "--journal", dir.toString(), "--order", "5", "--json").json();
        assertEquals("REJECTED", answer.get("status").getAsString());
    }

    /** Two members about one order, both rejected: the second (a cancel) gets the purchase's sku and customer. */
    @Test
    void secondRejectionOfTheSameOrderInABatchIsTheCancels() throws IOException {
        Path dir = journal("batch2",
                "{\"type\":\"ListProduct\",\"sku\":7,\"perCustomerLimit\":0}",
                "{\"type\":\"Batch\",\"mode\":\"INDEPENDENT\",\"commands\":["
                        + "{\"type\":\"Purchase\",\"orderId\":6,\"customer\":9,\"sku\":7,\"warehouse\":1,"
                        + "\"quantity\":1},"
                        + "{\"type\":\"CancelPurchase\",\"orderId\":6}]}");
        List<JsonObject> rows = Run.of("export", "--journal", dir.toString(), "--format", "jsonl").jsonLines()
                .stream().filter(r -> r.get("event").getAsString().equals("Rejected")).toList();
        assertEquals(2, rows.size());
        assertEquals("UNKNOWN_ORDER", rows.get(1).get("reason").getAsString());
        assertEquals("null/null/null", rows.get(1).get("customer") + "/" + rows.get(1).get("sku") + "/"
                + rows.get(1).get("line"));
    }

    /** docs/cli.md: `time` is "ISO-8601 UTC with milliseconds". */
    @Test
    void exportTimeAlwaysHasMilliseconds() throws IOException {
        Path input = tmp.resolve("whole.jsonl");
        Files.write(input, List.of("{\"type\":\"ListProduct\",\"sku\":7,\"perCustomerLimit\":0}"));
        Path dir = tmp.resolve("whole");
        assertEquals(0, Run.of("submit", "--journal", dir.toString(), "--time", "1795711900000", input.toString())
                .code());
        JsonObject row = Run.of("export", "--journal", dir.toString(), "--format", "jsonl").jsonLines().getFirst();
        assertEquals("2026-11-26T16:51:40.000Z", row.get("time").getAsString());
    }

    /** docs/cli.md, export: "a record that fails its checksum, or a gap, stops the export with one line and exit 1". */
    @Test
    void shardedExportStopsAtAGapAsAOneShardExportDoes() throws IOException {
        Path dir = tmp.resolve("gapped");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(dev.purestock.journal.JournalLayout.SHARDS_FILE), "shards=2\n");
        for (int shard = 0; shard < 2; shard++) {
            Path shardDir = dir.resolve("shard-" + shard);
            try (var writer = dev.purestock.journal.JournalWriter.open(shardDir,
                    dev.purestock.journal.Durability.PAGE_CACHE)) {
                for (int s = 0; s < 3; s++) {
                    writer.onDecided(s, 1_700_000_000_000L + s, new dev.purestock.domain.Command.ListProduct(s + 1, 0),
                            List.of(new dev.purestock.domain.Event.ProductListed(s + 1, 0)), true);
                }
            }
        }
        try (var writer = dev.purestock.journal.JournalWriter.open(dir.resolve("shard-0"),
                dev.purestock.journal.Durability.PAGE_CACHE)) {
            writer.onDecided(7, 1_700_000_000_010L, new dev.purestock.domain.Command.ListProduct(9, 0),
                    List.of(new dev.purestock.domain.Event.ProductListed(9, 0)), true);
        }
        Run one = Run.of("export", "--journal", dir.toString(), "--shard", "0", "--format", "csv");
        assertEquals(1, one.code(), "one shard: " + one.out());
        Run all = Run.of("export", "--journal", dir.toString(), "--format", "csv");
        assertEquals(1, all.code(), "every shard: " + all.out());
    }

    /** The summary's records: --until and --to leave out the records after them, --since counts those before. */
    @Test
    void exportSummaryRecordsCountsOnlyTheRecordsExported() throws IOException {
        Path input = tmp.resolve("since.jsonl");
        Files.write(input, List.of("{\"type\":\"ListProduct\",\"sku\":7,\"perCustomerLimit\":0}"));
        Path dir = tmp.resolve("since");
        assertEquals(0, Run.of("submit", "--journal", dir.toString(), "--time", "1000", input.toString()).code());
        assertEquals(0, Run.of("submit", "--journal", dir.toString(), "--time", "2000", input.toString()).code());
        Path file = tmp.resolve("since.csv");
        Run run = Run.of("export", "--journal", dir.toString(), "--format", "csv", "--since", "2000", "--output",
                file.toString());
        assertEquals(0, run.code(), run.err());
        assertEquals("1", run.values().get("rows"));
        assertEquals("1", run.values().get("events"));
        assertEquals("1", run.values().get("records"));
    }

    /** query --order: `events` counts the order's events; a two-line order's one PurchaseAccepted is one event. */
    @Test
    void queryOrderEventsCountsEventsNotLines() throws IOException {
        Path dir = journal("lines",
                "{\"type\":\"ListProduct\",\"sku\":7,\"perCustomerLimit\":0}",
                "{\"type\":\"ListProduct\",\"sku\":8,\"perCustomerLimit\":0}",
                "{\"type\":\"ReceiveStock\",\"movementId\":1,\"sku\":7,\"warehouse\":1,\"quantity\":5}",
                "{\"type\":\"ReceiveStock\",\"movementId\":2,\"sku\":8,\"warehouse\":1,\"quantity\":5}",
                "{\"type\":\"PlaceOrder\",\"orderId\":101,\"customer\":6,\"lines\":["
                        + "{\"sku\":7,\"warehouse\":1,\"quantity\":2},{\"sku\":8,\"warehouse\":1,\"quantity\":1}]}");
        JsonObject answer = Run.of("query", "--journal", dir.toString(), "--order", "101", "--json").json();
        assertEquals("PURCHASED", answer.get("status").getAsString());
        assertEquals(2, answer.getAsJsonArray("history").size());
        assertEquals(1, answer.get("events").getAsLong());
    }
    /**
     * docs/analysis.md counts rejected order attempts of every kind with one filter on the export's rows: a rejected
     * order gives a row per line it asked for, so the filter takes each rejection's first line, and a rejected
     * two-line order or reservation counts once, as a purchase does; a rejected cancel names no sku and is no attempt.
     */
    @Test
    void theDocumentedFilterCountsEachRejectedOrderAttemptOnce() throws IOException {
        Path dir = journal("attempts",
                "{\"type\":\"ListProduct\",\"sku\":7,\"perCustomerLimit\":0}",
                "{\"type\":\"ReceiveStock\",\"movementId\":1,\"sku\":7,\"warehouse\":1,\"quantity\":1}",
                "{\"type\":\"ReceiveStock\",\"movementId\":2,\"sku\":7,\"warehouse\":2,\"quantity\":1}",
                "{\"type\":\"PlaceOrder\",\"orderId\":100,\"customer\":6,\"lines\":["
                        + "{\"sku\":7,\"warehouse\":1,\"quantity\":5},{\"sku\":7,\"warehouse\":2,\"quantity\":5}]}",
                "{\"type\":\"Purchase\",\"orderId\":101,\"customer\":6,\"sku\":7,\"warehouse\":1,\"quantity\":5}",
                "{\"type\":\"Reserve\",\"orderId\":102,\"customer\":6,\"lines\":["
                        + "{\"sku\":7,\"warehouse\":1,\"quantity\":5},{\"sku\":7,\"warehouse\":2,\"quantity\":5}],"
                        + "\"expiresAt\":9" + TIME + "}",
                "{\"type\":\"CancelPurchase\",\"orderId\":103}");
        List<JsonObject> rows = Run.of("export", "--journal", dir.toString(), "--format", "jsonl").jsonLines();

        // WHERE reason_code IS NOT NULL AND sku IS NOT NULL AND order_id IS NOT NULL AND line = 0
        long attempts = rows.stream().filter(row -> !row.get("reason_code").isJsonNull()
                && !row.get("sku").isJsonNull() && !row.get("order_id").isJsonNull()
                && !row.get("line").isJsonNull() && row.get("line").getAsLong() == 0).count();

        assertEquals(3, attempts, "orders 100, 101 and 102 were refused: " + rows);
    }
}
