package dev.purestock.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.purestock.journal.JournalLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.SequenceInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code purestock submit}: a file of commands of every kind, nested batches included, sequenced through a
 * journaled engine with one outcome per line; its journal's {@code dump --json} submitted again on a new directory
 * rebuilds the same state; a malformed line stops the run naming the line, with nothing after it journaled, or is
 * skipped with {@code --keep-going}; standard input; a sharded directory; a locked one.
 */
class SubmitCommandTest {
    private static final String TIME = "1700000000000";
    private static final String LINE = "{\"type\":\"Line\",\"sku\":1,\"warehouse\":1,\"quantity\":1}";
    /**
     * Every kind of command, batches nested two deep; a purchase held until the time command, which releases it,
     * and a held batch taken back; the last purchase asks for more than is left.
     */
    private static final List<String> COMMANDS = List.of(
            "{\"type\":\"ListProduct\",\"sku\":1,\"perCustomerLimit\":0}",
            "{\"type\":\"ReceiveStock\",\"movementId\":1,\"sku\":1,\"warehouse\":1,\"quantity\":20}",
            "{\"type\":\"Purchase\",\"orderId\":1,\"customer\":5,\"sku\":1,\"warehouse\":1,\"quantity\":2}",
            "{\"type\":\"PlaceOrder\",\"orderId\":2,\"customer\":6,\"lines\":[" + LINE + "]}",
            "{\"type\":\"Reserve\",\"orderId\":3,\"customer\":7,\"lines\":[{\"sku\":1,\"warehouse\":1,\"quantity\":2}],"
                    + "\"expiresAt\":1800000000000}",
            "{\"type\":\"ConfirmReservation\",\"orderId\":3}",
            "{\"type\":\"Reserve\",\"orderId\":4,\"customer\":7,\"lines\":[" + LINE + "],\"expiresAt\":1800000000000}",
            "{\"type\":\"ReleaseReservation\",\"orderId\":4}",
            "{\"type\":\"CancelPurchase\",\"orderId\":1}",
            "{\"type\":\"WriteOffStock\",\"movementId\":2,\"sku\":1,\"warehouse\":1,\"quantity\":1}",
            "{\"type\":\"Batch\",\"mode\":\"ATOMIC\",\"commands\":["
                    + "{\"type\":\"Purchase\",\"orderId\":5,\"customer\":8,\"sku\":1,\"warehouse\":1,\"quantity\":1},"
                    + "{\"type\":\"Batch\",\"mode\":\"INDEPENDENT\",\"commands\":["
                    + "{\"type\":\"Purchase\",\"orderId\":6,\"customer\":8,\"sku\":1,\"warehouse\":1,\"quantity\":999},"
                    + "{\"type\":\"Purchase\",\"orderId\":7,\"customer\":9,\"sku\":1,\"warehouse\":1,\"quantity\":1}]}]}",
            "{\"type\":\"Hold\",\"holdId\":1,\"at\":" + TIME + ",\"command\":"
                    + "{\"type\":\"Purchase\",\"orderId\":9,\"customer\":10,\"sku\":1,\"warehouse\":1,\"quantity\":3}}",
            "{\"type\":\"Hold\",\"holdId\":2,\"at\":1800000000000,\"command\":{\"type\":\"Batch\",\"mode\":\"ATOMIC\","
                    + "\"commands\":[{\"type\":\"CancelPurchase\",\"orderId\":2}]}}",
            "{\"type\":\"CancelHold\",\"holdId\":2}",
            "{\"type\":\"ExpireReservations\",\"retainOrdersFor\":86400000}",
            "{\"type\":\"Purchase\",\"orderId\":8,\"customer\":5,\"sku\":1,\"warehouse\":1,\"quantity\":1000}");

    @TempDir
    Path tmp;

    @Test
    void takesJsonAsEverySubcommandDoesAndPrintsTheSameJsonLines() throws IOException {
        String in = write("in.jsonl", COMMANDS);
        Run plain = Run.of("submit", "--journal", tmp.resolve("plain").toString(), "--time", TIME, in);
        Run json = Run.of("submit", "--journal", tmp.resolve("json").toString(), "--time", TIME, "--json", in);
        assertEquals(0, json.code(), json.err());
        assertEquals(plain.jsonLines(), json.jsonLines());
    }

    @Test
    void sequencesEveryKindOfCommandAndPrintsOneOutcomePerLine() throws IOException {
        Path journal = tmp.resolve("a");
        Run run = Run.of("submit", "--journal", journal.toString(), "--time", TIME, write("in.jsonl", COMMANDS));
        assertEquals(0, run.code(), run.err());
        List<JsonObject> outcomes = run.jsonLines();
        assertEquals(COMMANDS.size(), outcomes.size(), run.out());
        for (int i = 0; i < outcomes.size(); i++) {
            JsonObject outcome = outcomes.get(i);
            assertEquals(List.of("seq", "time", "command", "events"), List.copyOf(outcome.keySet()));
            assertEquals(i, outcome.get("seq").getAsLong());
            assertEquals(Long.parseLong(TIME), outcome.get("time").getAsLong());
            // a listing without its counting choice (as lines from before it) reads as counting, and says so
            assertEquals(Run.parse(COMMANDS.get(i).replace("{\"sku\"", "{\"type\":\"Line\",\"sku\"")
                    .replace("\"perCustomerLimit\":0}", "\"perCustomerLimit\":0,\"countsCustomers\":true}")),
                    outcome.get("command"));
        }
        assertEquals("StockReceived", type(outcomes.get(1), 0));
        assertEquals("PurchaseAccepted", type(outcomes.get(2), 0));
        assertEquals("Rejected", type(outcomes.getLast(), 0), "a rejection is an outcome, not an error");
        assertEquals("BatchAborted", type(outcomes.get(10), 0), "the inner independent batch rejects a member, so "
                + "the atomic batch around it is aborted: " + outcomes.get(10));
        assertEquals("CommandHeld", type(outcomes.get(11), 0));
        assertEquals("HoldCancelled", type(outcomes.get(13), 0));
        assertEquals("HoldReleased", type(outcomes.get(14), 0), "the time command decides the held purchase");
        assertEquals("PurchaseAccepted", type(outcomes.get(14), 1));
        assertEquals(9, outcomes.get(14).getAsJsonArray("events").get(1).getAsJsonObject().get("orderId").getAsLong());

        JsonArray dumped = new JsonArray();
        Run.of("dump", "--journal", journal.toString(), "--json").jsonLines().forEach(dumped::add);
        assertEquals(COMMANDS.size(), dumped.size(), "the engine sent no time command of its own");
        for (int i = 0; i < outcomes.size(); i++) {
            JsonObject record = dumped.get(i).getAsJsonObject();
            assertEquals(outcomes.get(i).get("command"), record.get("command"));
            assertEquals(outcomes.get(i).get("events"), record.get("events"));
        }
    }

    @Test
    void dumpOfTheJournalSubmittedToANewDirectoryRebuildsTheSameState() throws IOException {
        Path first = tmp.resolve("first");
        Path second = tmp.resolve("second");
        assertEquals(0, Run.of("submit", "--journal", first.toString(), "--time", TIME,
                write("in.jsonl", COMMANDS)).code());
        Run dump = Run.of("dump", "--journal", first.toString(), "--json");
        assertEquals(0, dump.code(), dump.err());
        Path dumped = tmp.resolve("dump.jsonl");
        Files.writeString(dumped, dump.out());

        Run again = Run.of("submit", "--journal", second.toString(), "--time", TIME, dumped.toString());
        assertEquals(0, again.code(), again.err());
        Run redump = Run.of("dump", "--journal", second.toString(), "--json");
        assertEquals(withoutIndex(dump.out()), withoutIndex(redump.out()), "the same records, command for command");
        String hash = Run.of("replay", "--journal", first.toString(), "--json").json().get("state-hash").getAsString();
        assertEquals(hash,
                Run.of("replay", "--journal", second.toString(), "--json").json().get("state-hash").getAsString());

        Path third = tmp.resolve("third");
        assertEquals(0, Run.of("submit", "--journal", third.toString(), "--time", TIME, write("part.jsonl",
                COMMANDS.subList(0, 3))).code());
        assertNotEquals(hash,
                Run.of("replay", "--journal", third.toString(), "--json").json().get("state-hash").getAsString(),
                "the state-hash tells states apart");
    }

    @Test
    void aMalformedLineStopsTheRunNamingItAndNothingAfterItIsJournaled() throws IOException {
        assertStopsAt("{\"type\":\"Purchase\",\"orderId\":1,", "line 3: not JSON");
        assertStopsAt("{\"type\":\"Teleport\",\"orderId\":1}", "line 3: command: unknown command type \"Teleport\"");
        assertStopsAt("{\"type\":\"ListProduct\",\"sku\":8589934592,\"perCustomerLimit\":0}",
                "line 3: command (ListProduct): sku");
        assertStopsAt("{\"type\":\"CancelPurchase\"}", "line 3: command (CancelPurchase) lacks field \"orderId\"");
        assertStopsAt("{\"type\":\"Hold\",\"holdId\":1,\"at\":5}", "line 3: command (Hold) lacks field \"command\"");
        assertStopsAt("{\"type\":\"Hold\",\"holdId\":1,\"at\":5,\"command\":{\"type\":\"Hold\",\"holdId\":2,\"at\":5,"
                + "\"command\":{\"type\":\"CancelPurchase\",\"orderId\":1}}}", "line 3: command.command is a Hold inside a "
                + "held command; holds do not nest");
    }

    private void assertStopsAt(String bad, String message) throws IOException {
        Path journal = Files.createTempDirectory(tmp, "bad");
        Run run = Run.of("submit", "--journal", journal.toString(), write("bad.jsonl", List.of(COMMANDS.get(0),
                COMMANDS.get(1), bad, COMMANDS.get(2))));
        assertEquals(PurestockCli.FAILED, run.code(), run.err());
        assertTrue(run.errorLine().startsWith("purestock submit: " + message), run.err());
        assertEquals(2, run.jsonLines().size(), "the lines before it were answered: " + run.out());
        List<JsonObject> records = Run.of("dump", "--journal", journal.toString(), "--json").jsonLines();
        assertEquals(2, records.size(), "nothing after the bad line: " + records);
    }

    @Test
    void heldCommandsVerifyAndExportWithTheirHoldIdAndSoDoTheEventsThatDecideThem() throws IOException {
        Path journal = tmp.resolve("held");
        assertEquals(0, Run.of("submit", "--journal", journal.toString(), "--time", TIME,
                write("in.jsonl", COMMANDS)).code());
        Run export = Run.of("export", "--journal", journal.toString(), "--format", "jsonl", "--from", "11", "--to", "14");
        assertEquals(0, export.code(), export.err());
        List<JsonObject> rows = export.jsonLines();

        assertEquals(List.of("CommandHeld", "CommandHeld", "HoldCancelled", "HoldReleased", "PurchaseAccepted"),
                rows.stream().map(row -> row.get("event").getAsString()).toList());
        JsonObject held = rows.getFirst();
        assertEquals(1, held.get("hold_id").getAsLong());
        assertEquals(Long.parseLong(TIME), held.get("held_until").getAsLong());
        assertEquals("Purchase", held.get("held_command").getAsString());
        assertEquals("Batch", rows.get(1).get("held_command").getAsString());
        assertEquals(2, rows.get(2).get("hold_id").getAsLong());
        assertTrue(rows.get(2).get("held_command").isJsonNull());
        for (JsonObject released : rows.subList(3, 5)) {
            assertEquals("ExpireReservations", released.get("command").getAsString());
            assertEquals(1, released.get("hold_id").getAsLong(), "the held purchase's outcome names its hold");
        }
        assertEquals(9, rows.get(4).get("order_id").getAsLong());
        assertEquals(3, rows.get(4).get("quantity").getAsLong());

        JsonObject before = Run.of("query", "--journal", journal.toString(), "--held", "--until-seq", "12", "--json")
                .json();
        assertEquals(2, before.get("held").getAsLong(), before.toString());
        JsonObject first = before.getAsJsonArray("holds").get(0).getAsJsonObject();
        assertEquals(1, first.get("hold-id").getAsLong());
        assertEquals(Long.parseLong(TIME), first.get("due-ms").getAsLong());
        assertEquals(Run.parse(COMMANDS.get(11)).getAsJsonObject().get("command").toString(),
                first.get("command").getAsString(), "the held command as submit reads it");
        assertEquals(2, before.getAsJsonArray("holds").get(1).getAsJsonObject().get("hold-id").getAsLong());
        assertEquals(0, Run.of("query", "--journal", journal.toString(), "--held", "--json").json().get("held")
                .getAsLong(), "one released, one cancelled");

        Run verify = Run.of("verify", "--journal", journal.toString());
        assertEquals(0, verify.code(), verify.err());
        assertTrue(verify.out().contains("result=ok"), "re-deciding the holds, the cancel and the release agrees: "
                + verify.out());
    }

    @Test
    void keepGoingReportsTheBadLineAndSubmitsTheRest() throws IOException {
        Path journal = tmp.resolve("keep");
        Run run = Run.of("submit", "--journal", journal.toString(), "--keep-going", write("bad.jsonl",
                List.of(COMMANDS.get(0), "[1,2]", "", COMMANDS.get(1), "{\"type\":\"Purchase\"}", COMMANDS.get(2))));
        assertEquals(PurestockCli.FAILED, run.code(), "some lines were skipped");
        assertEquals(3, run.jsonLines().size(), run.out());
        List<String> errors = run.errLines();
        assertTrue(errors.get(0).startsWith("purestock submit: line 2: expected a JSON object"), run.err());
        assertTrue(errors.get(1).startsWith("purestock submit: line 5: command (Purchase) lacks field"), run.err());
        assertTrue(errors.get(2).contains("2 line(s) skipped"), run.err());
        assertEquals(3, Run.of("dump", "--journal", journal.toString(), "--json").jsonLines().size());
    }

    @Test
    void aLineThatIsNotUtf8IsNamedAfterTheOutcomesOfEveryLineBeforeIt() throws IOException {
        Path file = tmp.resolve("latin1.jsonl");
        try (var bytes = Files.newOutputStream(file)) {
            for (int sku = 1; sku <= 300; sku++) {
                bytes.write(("{\"type\":\"ListProduct\",\"sku\":" + sku + ",\"perCustomerLimit\":0}\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            bytes.write(new byte[]{'{', (byte) 0xC3, (byte) 0x28, '}', '\n'});
            bytes.write((COMMANDS.get(0) + "\n").getBytes(StandardCharsets.UTF_8));
        }

        Path journal = tmp.resolve("stops");
        Run stops = Run.of("submit", "--journal", journal.toString(), "--time", TIME, file.toString());
        assertEquals(PurestockCli.FAILED, stops.code(), stops.err());
        assertTrue(stops.errorLine().startsWith("purestock submit: line 301: not valid UTF-8 text"), stops.err());
        assertEquals(300, stops.jsonLines().size(), "every line before it answered");
        assertEquals(300, Run.of("dump", "--journal", journal.toString(), "--json").jsonLines().size());

        Path kept = tmp.resolve("keeps");
        Run keeps = Run.of("submit", "--journal", kept.toString(), "--time", TIME, "--keep-going", file.toString());
        assertEquals(PurestockCli.FAILED, keeps.code(), keeps.err());
        assertTrue(keeps.errLines().get(0).startsWith("purestock submit: line 301: not valid UTF-8 text"), keeps.err());
        assertEquals(301, keeps.jsonLines().size(), "the line after it read on: " + keeps.err());
    }

    @Test
    void aLineLongerThanAnyCommandIsNamedAndSkippedWithoutBeingKept() {
        Path journal = tmp.resolve("long");
        byte[] head = (COMMANDS.get(0) + "\n{\"type\":\"ListProduct\",\"sku\":2,\"perCustomerLimit\":").getBytes(
                StandardCharsets.UTF_8);
        byte[] tail = ("0}\n" + COMMANDS.get(1) + "\n").getBytes(StandardCharsets.UTF_8);
        long digits = Utf8Lines.MAX_LINE_BYTES; // a number of more digits than the line may hold
        InputStream input = new SequenceInputStream(Collections.enumeration(List.of(new ByteArrayInputStream(head),
                new RepeatingInput((byte) '0', digits), new ByteArrayInputStream(tail))));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = PurestockCli.run(input, new PrintWriter(out), new PrintWriter(err),
                "submit", "--journal", journal.toString(), "--time", TIME, "--keep-going", "-");
        Run run = new Run(code, out.toString(), err.toString());
        assertEquals(PurestockCli.FAILED, run.code(), run.err());
        assertTrue(run.errLines().get(0).startsWith("purestock submit: line 2: longer than " + Utf8Lines.MAX_LINE_BYTES
                + " bytes"), run.err());
        assertEquals(2, run.jsonLines().size(), "the lines around it answered: " + run.err());
        assertEquals(2, Run.of("dump", "--journal", journal.toString(), "--json").jsonLines().size());
    }

    @Test
    void readsStandardInputWithAByteOrderMarkAndCrLf() {
        Path journal = tmp.resolve("stdin");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        byte[] input = ("\uFEFF" + String.join("\r\n", COMMANDS.subList(0, 3))).getBytes(StandardCharsets.UTF_8);
        int code = PurestockCli.run(new ByteArrayInputStream(input), new PrintWriter(out), new PrintWriter(err),
                "submit", "--journal", journal.toString(), "-");
        assertEquals(0, code, err.toString());
        Run run = new Run(code, out.toString(), err.toString());
        assertEquals(3, run.jsonLines().size());
        assertEquals("PurchaseAccepted", type(run.jsonLines().get(2), 0));
    }

    @Test
    void shardedDirectoryNamesEachOutcomesShardAndKeepsItsCount() throws IOException {
        Path journal = tmp.resolve("sharded");
        List<String> commands = List.of(
                "{\"type\":\"ListProduct\",\"sku\":1,\"perCustomerLimit\":0}",
                "{\"type\":\"ReceiveStock\",\"movementId\":1,\"sku\":1,\"warehouse\":2,\"quantity\":5}",
                "{\"type\":\"ReceiveStock\",\"movementId\":2,\"sku\":1,\"warehouse\":3,\"quantity\":5}",
                "{\"type\":\"Purchase\",\"orderId\":1,\"customer\":5,\"sku\":1,\"warehouse\":3,\"quantity\":2}");
        Run run = Run.of("submit", "--journal", journal.toString(), "--shards", "2", "--time", TIME,
                write("s.jsonl", commands));
        assertEquals(0, run.code(), run.err());
        List<JsonObject> outcomes = run.jsonLines();
        assertEquals(List.of("shard", "seq", "time", "command", "events"), List.copyOf(outcomes.get(1).keySet()));
        assertEquals(0, outcomes.get(1).get("shard").getAsInt());
        assertEquals(1, outcomes.get(2).get("shard").getAsInt());
        assertEquals(1, outcomes.get(3).get("shard").getAsInt());
        assertEquals("PurchaseAccepted", type(outcomes.get(3), 0));

        Run again = Run.of("submit", "--journal", journal.toString(), "--time", TIME,
                write("t.jsonl", commands.subList(3, 4)));
        assertEquals(0, again.code(), again.err());
        assertEquals("AlreadyApplied", type(again.jsonLines().getFirst(), 0), "order 1 again: " + again.out());
        assertEquals(1, again.jsonLines().getFirst().get("shard").getAsInt());

        Path copy = tmp.resolve("sharded-copy");
        Path dumped = tmp.resolve("sharded-dump.jsonl");
        Files.writeString(dumped, Run.of("dump", "--journal", journal.toString(), "--json").out());
        Run resubmitted = Run.of("submit", "--journal", copy.toString(), "--shards", "2", "--time", TIME,
                dumped.toString());
        assertEquals(0, resubmitted.code(), resubmitted.err());
        assertEquals(shardHashes(journal), shardHashes(copy), "a sharded dump rebuilds each shard's state");

        Run reshard = Run.of("submit", "--journal", journal.toString(), "--shards", "3",
                write("u.jsonl", commands.subList(3, 4)));
        assertEquals(PurestockCli.FAILED, reshard.code());
        assertTrue(reshard.errorLine().contains("holds 2 shards"), reshard.err());
    }

    @Test
    void aLockedDirectoryIsRefused() throws IOException {
        Path journal = tmp.resolve("locked");
        assertEquals(0, Run.of("submit", "--journal", journal.toString(), write("in.jsonl", COMMANDS.subList(0, 1)))
                .code());
        try (JournalLock held = JournalLock.acquire(journal)) {
            Run run = Run.of("submit", "--journal", journal.toString(), write("more.jsonl", COMMANDS.subList(1, 2)));
            assertEquals(PurestockCli.FAILED, run.code());
            assertTrue(run.errorLine().contains("lock"), run.err());
        }
        assertEquals(1, Run.of("dump", "--journal", journal.toString(), "--json").jsonLines().size());
    }

    @Test
    void usageErrors() throws IOException {
        Path journal = tmp.resolve("usage");
        assertEquals(PurestockCli.USAGE, Run.of("submit", "--journal", journal.toString()).code());
        assertEquals(PurestockCli.USAGE, Run.of("submit", "--journal", journal.toString(), "--time", "-1",
                write("in.jsonl", COMMANDS)).code());
        Run missing = Run.of("submit", "--journal", journal.toString(), tmp.resolve("nope.jsonl").toString());
        assertEquals(PurestockCli.FAILED, missing.code());
        assertTrue(missing.errorLine().contains("no such file"), missing.err());
        assertFalse(Files.exists(journal), "nothing created");
    }

    private static List<String> shardHashes(Path journal) {
        JsonArray shards = Run.of("replay", "--journal", journal.toString(), "--json").json().getAsJsonArray("shards");
        return shards.asList().stream().map(shard -> shard.getAsJsonObject().get("state-hash").getAsString()).toList();
    }

    private String write(String name, List<String> lines) throws IOException {
        Path file = tmp.resolve(name);
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file.toString();
    }

    private static String type(JsonObject outcome, int event) {
        return outcome.getAsJsonArray("events").get(event).getAsJsonObject().get("type").getAsString();
    }

    /** The dump's lines without the queue index, which the records of another journal need not share. */
    private static List<JsonElement> withoutIndex(String dump) {
        return dump.lines().map(line -> {
            JsonObject record = Run.parse(line).getAsJsonObject();
            record.remove("index");
            return (JsonElement) record;
        }).toList();
    }
}
