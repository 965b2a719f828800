package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.Reason;
import dev.purestock.engine.InMemoryJournal;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.ShardState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a journaled engine takes in: tuning may not change what it owns (a second shard would write its
 * records into the same journal), commands beyond the shape limits never reach the journal, and the largest
 * shapes within them are journaled, verified and recovered.
 */
class JournaledEngineIntakeTest {
    @TempDir
    Path dir;

    @Test
    void tuningThatSetsWhatTheJournaledEngineOwnsIsRefusedAndNothingIsWritten() throws IOException {
        Path fresh = dir.resolve("fresh");
        Map<String, Consumer<PurestockEngine.Builder>> owned = Map.of(
                "shards(2)", b -> b.shards(2),
                "shards(1)", b -> b.shards(1),
                "journal", b -> b.journal(shard -> new InMemoryJournal()),
                "initialState", b -> b.initialState(shard -> ShardState.empty()),
                "snapshotWriter", b -> b.snapshotWriter(shard -> null));
        for (Map.Entry<String, Consumer<PurestockEngine.Builder>> setting : owned.entrySet()) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> JournaledEngine.builder(fresh).shards(2).engine(setting.getValue()).start(),
                    setting.getKey());
            assertEquals(setting.getKey() + " cannot be set here: JournaledEngine sets shards, journal, initialState "
                    + "and snapshotWriter itself, one of each per shard directory of its journal; remove it from the "
                    + "tuning, and set the shard count with JournaledEngine.builder(dir).shards(n)",
                    refused.getMessage());
        }
        assertFalse(Files.exists(fresh), "a refused start creates nothing");

        Path used = dir.resolve("used");
        try (JournaledEngine journaled = start(used)) {
            journaled.engine().submit(new Command.ListProduct(1, 0)).join();
        }
        Map<String, Long> before = files(used);
        assertThrows(IllegalArgumentException.class, () -> JournaledEngine.builder(used)
                .engine(b -> b.shards(2)).start());
        assertEquals(before, files(used), "a refused start changes nothing in an existing journal");
        try (JournaledEngine again = start(used)) {
            assertEquals(1, again.recovered().nextSequence());
            assertEquals(1, again.engine().submit(new Command.ListProduct(2, 0)).join().sequence());
        }
    }

    @Test
    void theLargestShapesAreJournaledVerifiedAndRecoveredAndOversizedOnesNeverReachTheJournal() {
        List<Command> setup = new ArrayList<>();
        for (long sku = 0; sku < Limits.MAX_LINES; sku++) {
            setup.add(new Command.ListProduct(sku, 0));
            setup.add(new Command.ReceiveStock(sku, sku, 0, 100_000));
        }
        List<Command> orders = new ArrayList<>();
        for (long id = 1; id <= Limits.MAX_BATCH_COMMANDS - (Limits.MAX_BATCH_DEPTH - 1); id++) {
            orders.add(new Command.PlaceOrder(id, id, lines(Limits.MAX_LINES)));
        }
        Command largest = new Batch(Batch.Mode.INDEPENDENT, orders);
        for (int depth = 2; depth <= Limits.MAX_BATCH_DEPTH; depth++) {
            largest = new Batch(Batch.Mode.ATOMIC, List.of(largest));
        }
        Command deepest = new Command.ListProduct(1, 0);
        for (int depth = 0; depth < 10_000; depth++) {
            deepest = new Batch(Batch.Mode.ATOMIC, List.of(deepest));
        }
        List<Command> oversized = List.of(
                new Command.PlaceOrder(5_000, 1, Collections.nCopies(1_000_000, new Line(1, 0, 1))),
                new Batch(Batch.Mode.INDEPENDENT, Collections.nCopies(500_000, new Command.ListProduct(1, 0))),
                deepest);

        try (JournaledEngine journaled = start(dir)) {
            PurestockEngine engine = journaled.engine();
            engine.submitAll(setup).forEach(f -> assertTrue(f.join().accepted()));
            for (Command command : oversized) {
                Outcome refused = engine.submit(command).join();
                assertEquals(Outcome.NOT_SEQUENCED, refused.sequence());
                assertTrue(refused.reason().filter(r -> r == Reason.TOO_MANY_LINES || r == Reason.BATCH_TOO_LARGE
                        || r == Reason.BATCH_TOO_DEEP).isPresent(), refused.events().toString());
            }
            Outcome batch = engine.submit(largest).join();
            assertTrue(batch.accepted(), batch.events().get(0).toString());
            assertEquals(setup.size(), batch.sequence());
            assertEquals(orders.size(), batch.events().size());
            assertTrue(engine.failure().isEmpty());
        }

        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertTrue(verified.matches(), verified.divergence());
        assertEquals(setup.size() + 1, verified.records(), "the setup and the largest batch, nothing oversized");
        try (JournaledEngine again = start(dir)) {
            assertEquals(setup.size() + 1, again.recovered().nextSequence());
            assertEquals(100_000 - orders.size(), again.recovered().store().available(Limits.MAX_LINES - 1, 0));
        }
    }

    /**
     * The largest batch intake lets through once a batch it holds counts apart from it: a batch of
     * {@code MAX_BATCH_COMMANDS} commands nested {@code MAX_BATCH_DEPTH} deep, orders of {@code MAX_LINES} lines and
     * a hold of a batch as large and as deep, which the engine's record bound allows at most (the domain would hold
     * more). It fits one record, verifies, and its held batch is recovered.
     */
    @Test
    void theLargestBatchWithTheLargestBatchItHoldsIsJournaledVerifiedAndRecovered() {
        List<Command> setup = new ArrayList<>();
        for (long sku = 0; sku < Limits.MAX_LINES; sku++) {
            setup.add(new Command.ListProduct(sku, 0));
            setup.add(new Command.ReceiveStock(sku, sku, 0, 100_000));
        }
        int ordersEach = Limits.MAX_BATCH_COMMANDS - Limits.MAX_BATCH_DEPTH;
        Command held = deepOrders(10_000, ordersEach + 1, null);
        Command.Hold hold = new Command.Hold(1, Long.MAX_VALUE, held);
        Command largest = deepOrders(1, ordersEach, hold);

        try (JournaledEngine journaled = start(dir)) {
            PurestockEngine engine = journaled.engine();
            engine.submitAll(setup).forEach(f -> assertTrue(f.join().accepted()));
            Outcome batch = engine.submit(largest).join();
            assertTrue(batch.accepted(), batch.events().get(0).toString());
            assertEquals(ordersEach + 1, batch.events().size(), "every order, and the hold");
            assertTrue(engine.failure().isEmpty());
            // docs/replication.md: more than an eighth of the default 16 MiB term, within an eighth of 64 MiB
            int recordBytes = new JournalRecordCodec().encode(1, 1, largest, batch.events());
            assertTrue(recordBytes > 4 << 20 && recordBytes <= 8 << 20, recordBytes + " bytes");
        }

        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertTrue(verified.matches(), verified.divergence());
        assertEquals(setup.size() + 1, verified.records());
        try (JournaledEngine again = start(dir)) {
            assertEquals(100_000 - ordersEach, again.recovered().store().available(Limits.MAX_LINES - 1, 0));
            assertEquals(held, again.engine().readModel().heldCommand(1).command());
        }
    }

    /**
     * {@code orders} orders of {@code MAX_LINES} lines, ids from {@code firstOrderId} on, and {@code hold} unless
     * null, in a batch nested {@code MAX_BATCH_DEPTH} deep: {@code orders + MAX_BATCH_DEPTH - 1} commands, and one
     * more with the hold.
     */
    private static Command deepOrders(long firstOrderId, int orders, Command hold) {
        List<Command> members = new ArrayList<>();
        for (long id = firstOrderId; id < firstOrderId + orders; id++) {
            members.add(new Command.PlaceOrder(id, id, lines(Limits.MAX_LINES)));
        }
        if (hold != null) {
            members.add(hold);
        }
        Command batch = new Batch(Batch.Mode.INDEPENDENT, members);
        for (int depth = 2; depth <= Limits.MAX_BATCH_DEPTH; depth++) {
            batch = new Batch(Batch.Mode.ATOMIC, List.of(batch));
        }
        return batch;
    }

    /** An engine whose timer journals no time command: the tests count the records they submitted. */
    private static JournaledEngine start(Path dir) {
        return JournaledEngine.builder(dir).engine(builder -> builder.expireReservationsEvery(Duration.ZERO)).start();
    }

    private static List<Line> lines(int count) {
        List<Line> lines = new ArrayList<>(count);
        for (int sku = 0; sku < count; sku++) {
            lines.add(new Line(sku, 0, 1));
        }
        return lines;
    }

    /** Every file under {@code dir} and its size. */
    private static Map<String, Long> files(Path dir) throws IOException {
        Map<String, Long> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(file).toString(), Files.size(file));
            }
        }
        return files;
    }
}
