package dev.purestock.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.purestock.domain.Command;
import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalRecordCodec;
import dev.purestock.journal.JournalRecordDescriptor;
import dev.purestock.journal.JournalWriter;
import dev.purestock.journal.JournaledEngine;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Journals may hold batches far deeper than the domain allows (older engines journaled what they were given)
 * and as large as intake allows; every reading subcommand handles both.
 */
class DeepBatchTest {
    private static final int DEPTH = 2_000;
    private static final long TIME = 1_700_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void aBatchTwoThousandDeepThatAnOlderEngineJournaledIsDumpedVerifiedAndReplayed() {
        MapInventoryStore live = new MapInventoryStore();
        Command deep = new Command.ExpireReservations();
        for (int i = 0; i < DEPTH; i++) {
            deep = new Batch(Batch.Mode.ATOMIC, List.of(deep));
        }
        List<Event> listed = decideAndApply(new Command.ListProduct(1, 0), live);
        List<Event> rejected = decideAndApply(deep, live);
        List<Event> received = decideAndApply(new Command.ReceiveStock(5, 1, 1, 10), live);
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            writer.onDecided(0, TIME, new Command.ListProduct(1, 0), listed, true);
        }
        appendAsAnOlderEngineDid(nestedRecord(1, rejected));
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            writer.onDecided(2, TIME + 2, new Command.ReceiveStock(5, 1, 1, 10), received, true);
        }

        Run text = Run.of("dump", "--journal", dir.toString());
        assertEquals(0, text.code(), text.err());
        List<String> lines = text.out().lines().toList();
        assertEquals(3, lines.size());
        assertTrue(lines.get(1).startsWith("seq=1 time=" + (TIME + 1) + " index=0x"), lines.get(1));
        assertTrue(lines.get(1).endsWith(" v=" + JournalRecordDescriptor.CURRENT_VERSION + " epoch=0 command="
                + "Batch[mode=ATOMIC, commands=[".repeat(DEPTH) + "ExpireReservations[retainOrdersFor=86400000]"
                + "]]".repeat(DEPTH) + " events=" + rejected), lines.get(1));

        Run json = Run.of("dump", "--journal", dir.toString(), "--json");
        assertEquals(0, json.code(), json.err());
        List<JsonObject> records = json.jsonLines();
        assertEquals(List.of(0L, 1L, 2L), records.stream().map(record -> record.get("seq").getAsLong()).toList());
        JsonObject command = records.get(1).getAsJsonObject("command");
        for (int level = 0; level < DEPTH; level++) {
            assertEquals("Batch", command.get("type").getAsString(), "level " + level);
            assertEquals("ATOMIC", command.get("mode").getAsString());
            JsonArray members = command.getAsJsonArray("commands");
            assertEquals(1, members.size());
            command = members.get(0).getAsJsonObject();
        }
        assertEquals("ExpireReservations", command.get("type").getAsString());
        JsonObject event = records.get(1).getAsJsonArray("events").get(0).getAsJsonObject();
        assertEquals("Rejected", event.get("type").getAsString());
        assertEquals(((Event.Rejected) rejected.getFirst()).reason().name(), event.get("reason").getAsString());

        Run verify = Run.of("verify", "--journal", dir.toString());
        assertEquals(0, verify.code(), verify.err());
        assertEquals("ok", verify.values().get("result"));
        assertEquals("3", verify.values().get("records-verified"));

        Run replay = Run.of("replay", "--journal", dir.toString(), "--full", "--json");
        assertEquals(0, replay.code(), replay.err());
        assertEquals(3, replay.json().get("records").getAsLong());
        assertEquals(StateDigest.format(StateDigest.of(live)), replay.json().get("state-hash").getAsString());

        Run stats = Run.of("stats", "--journal", dir.toString(), "--json");
        assertEquals(0, stats.code(), stats.err());
        assertEquals(3, stats.json().get("records").getAsLong());
        assertEquals(1, stats.json().get("rejected").getAsLong());
    }

    @Test
    void theLargestBatchIntakeAllowsIsJournaledDumpedAndVerified() {
        List<Line> lines = new ArrayList<>();
        for (int sku = 1; sku <= Limits.MAX_LINES; sku++) {
            lines.add(new Line(sku, 1, 1));
        }
        List<Command> orders = new ArrayList<>();
        for (int order = 1; order <= Limits.MAX_BATCH_COMMANDS; order++) {
            orders.add(new Command.PlaceOrder(order, order, lines));
        }
        Batch largest = new Batch(Batch.Mode.ATOMIC, orders);
        long digest;
        long sequence;
        // no expiry timer: once the batch's orders are held, it would journal a time command after the batch
        try (JournaledEngine journaled = JournaledEngine.builder(dir)
                .engine(builder -> builder.expireReservationsEvery(Duration.ZERO)).start()) {
            PurestockEngine engine = journaled.engine();
            for (int sku = 1; sku <= Limits.MAX_LINES; sku++) {
                engine.submit(new Command.ListProduct(sku, 0)).join();
                assertTrue(engine.submit(new Command.ReceiveStock(sku, sku, 1, Limits.MAX_BATCH_COMMANDS)).join()
                        .accepted());
            }
            Outcome outcome = engine.submit(largest).join();
            assertTrue(outcome.accepted(), outcome.toString());
            assertEquals(Limits.MAX_BATCH_COMMANDS, outcome.events().size());
            sequence = 2L * Limits.MAX_LINES;
            digest = engine.digest(0).join();
        }

        Run dump = Run.of("dump", "--journal", dir.toString(), "--json", "--from", String.valueOf(sequence));
        assertEquals(0, dump.code(), dump.err());
        List<JsonObject> records = dump.jsonLines();
        assertEquals(1, records.size());
        JsonObject record = records.getFirst();
        assertEquals(sequence, record.get("seq").getAsLong());
        JsonArray members = record.getAsJsonObject("command").getAsJsonArray("commands");
        assertEquals(Limits.MAX_BATCH_COMMANDS, members.size());
        for (JsonElement member : members) {
            assertEquals("PlaceOrder", member.getAsJsonObject().get("type").getAsString());
            assertEquals(Limits.MAX_LINES, member.getAsJsonObject().getAsJsonArray("lines").size());
        }
        JsonArray events = record.getAsJsonArray("events");
        assertEquals(Limits.MAX_BATCH_COMMANDS, events.size());
        for (JsonElement event : events) {
            assertEquals("PurchaseAccepted", event.getAsJsonObject().get("type").getAsString());
        }

        Run verify = Run.of("verify", "--journal", dir.toString());
        assertEquals(0, verify.code(), verify.err());
        assertEquals(String.valueOf(sequence + 1), verify.values().get("records-verified"));
        Run replay = Run.of("replay", "--journal", dir.toString(), "--full");
        assertEquals(StateDigest.format(digest), replay.values().get("state-hash"));
    }

    private static List<Event> decideAndApply(Command command, MapInventoryStore state) {
        List<Event> events = Inventory.decide(command, TIME, state);
        Inventory.evolveAll(state, TIME, events);
        return events;
    }

    /**
     * The record an encoder with no depth limit wrote for {@link #DEPTH} nested one-member batches: today's
     * encoding of one such batch with its batch header repeated, the length and checksum redone.
     */
    private static byte[] nestedRecord(long sequence, List<Event> events) {
        JournalRecordCodec codec = new JournalRecordCodec();
        int length = codec.encode(sequence, TIME + sequence,
                new Batch(Batch.Mode.ATOMIC, List.of(new Command.ExpireReservations())), events);
        byte[] one = Arrays.copyOf(codec.buffer(), length);
        int header = JournalRecordDescriptor.HEADER_LENGTH;
        int batchHeader = 1 + 1 + 4;
        byte[] deep = new byte[length + (DEPTH - 1) * batchHeader];
        System.arraycopy(one, 0, deep, 0, header);
        for (int i = 0; i < DEPTH; i++) {
            System.arraycopy(one, header, deep, header + i * batchHeader, batchHeader);
        }
        System.arraycopy(one, header + batchHeader, deep, header + DEPTH * batchHeader, length - header - batchHeader);
        putIntLe(deep, JournalRecordDescriptor.LENGTH_OFFSET, deep.length);
        putIntLe(deep, deep.length - JournalRecordDescriptor.CHECKSUM_LENGTH, codec.checksum(deep, 0, deep.length));
        return deep;
    }

    /** Appends a record's bytes as the journal writer does, bypassing today's encoder, which refuses them. */
    private void appendAsAnOlderEngineDid(byte[] record) {
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir).rollCycle(RollCycles.FAST_DAILY).build();
             ExcerptAppender appender = queue.createAppender();
             DocumentContext document = appender.writingDocument()) {
            document.wire().bytes().write(record);
        }
    }

    private static void putIntLe(byte[] bytes, int at, int value) {
        for (int i = 0; i < 4; i++) {
            bytes[at + i] = (byte) (value >>> (8 * i));
        }
    }
}
