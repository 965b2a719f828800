package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Line;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.purchase;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sequences, time stamps, control slots, snapshots and batch submission. */
class SequencingTest {

    private record Snapshot(long lastSequence, long time, long digest) {
    }

    @Test
    void aRecoveredShardContinuesItsSequenceAndTimeAndControlSlotsConsumeNoSequence() {
        PrimitiveInventoryStore recovered = new PrimitiveInventoryStore();
        List<Event> history = new ArrayList<>(Inventory.decide(list(1), 4_000, recovered));
        Inventory.evolveAll(recovered, 4_000, history);
        Inventory.evolveAll(recovered, 4_500, Inventory.decide(receive(1, 1, 0, 10), 4_500, recovered));
        long recoveredDigest = StateDigest.of(recovered);

        AtomicLong clock = new AtomicLong(3_000);
        InMemoryJournal journal = new InMemoryJournal();
        List<Snapshot> snapshots = new CopyOnWriteArrayList<>();
        try (PurestockEngine engine = PurestockEngine.builder().journal(s -> journal).clock(clock::get)
                .initialState(s -> new ShardState(recovered, 100, 5_000))
                .snapshotWriter(s -> (lastSequence, time, store) ->
                        snapshots.add(new Snapshot(lastSequence, time, StateDigest.of(store))))
                .build()) {
            assertEquals(10, engine.readModel().available(1, 0), "the read model starts from the recovered state");
            assertEquals(99, engine.readModel().lastSequence(0));
            assertEquals(recoveredDigest, engine.digest(0).join());
            assertEquals(99, engine.snapshot(0).join(), "a snapshot before any command covers the recovered ones");

            Outcome first = engine.submit(purchase(1, 1, 0)).join();
            assertEquals(100, first.sequence());
            assertEquals(5_000, first.time(), "time never goes back behind the recovered last time");
            long afterFirst = engine.digest(0).join();
            clock.set(6_000);
            Outcome second = engine.submit(purchase(2, 1, 0)).join();
            assertEquals(101, second.sequence(), "the digest slot consumed no sequence");
            assertEquals(6_000, second.time());
            assertEquals(101, engine.snapshot(0).join());
            clock.set(5_500);
            Outcome third = engine.submit(purchase(3, 1, 0)).join();
            assertEquals(102, third.sequence());
            assertEquals(6_000, third.time(), "a clock that steps back does not move time back");

            assertEquals(List.of(100L, 101L, 102L), journal.entries().stream().map(InMemoryJournal.Entry::sequence).toList());
            assertEquals(List.of(new Snapshot(99, 5_000, recoveredDigest),
                    new Snapshot(101, 6_000, snapshots.get(1).digest())), snapshots);
            assertTrue(afterFirst != snapshots.get(1).digest() && recoveredDigest != afterFirst);
        }
    }

    @Test
    void periodicSnapshotsAreCutEveryNCommands() {
        List<Long> covered = new CopyOnWriteArrayList<>();
        try (PurestockEngine engine = PurestockEngine.builder().snapshotEvery(3)
                .snapshotWriter(s -> (lastSequence, time, store) -> covered.add(lastSequence)).build()) {
            for (int i = 0; i < 10; i++) {
                engine.submit(list(i));
            }
        }
        assertEquals(List.of(2L, 5L, 8L), covered, "close waits for the snapshots in progress");
    }

    @Test
    void submitAllClaimsRunsOfSlotsAndKeepsListOrderPerShard() {
        InMemoryJournal[] journals = new InMemoryJournal[2];
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).ringSize(16)
                .journal(s -> journals[s] = new InMemoryJournal()).build()) {
            List<Command> commands = new ArrayList<>();
            commands.add(new Command.ListProduct(1, 0));
            commands.add(receive(1, 1, 0, 1_000));
            commands.add(receive(2, 1, 1, 1_000));
            for (int i = 0; i < 100; i++) {
                commands.add(new Command.Purchase(i + 1, i, 1, i < 60 ? 0 : 1, 1));
            }
            commands.add(new Command.PlaceOrder(500, 1, List.of(new Line(1, 0, 1), new Line(1, 1, 1))));
            List<CompletableFuture<Outcome>> futures = engine.submitAll(commands);

            assertEquals(commands.size(), futures.size());
            assertEquals(Outcome.ALL_SHARDS, futures.get(0).join().shard());
            for (int i = 0; i < 60; i++) {
                Outcome outcome = futures.get(3 + i).join();
                assertEquals(0, outcome.shard());
                assertEquals(2 + i, outcome.sequence());
            }
            for (int i = 60; i < 100; i++) {
                Outcome outcome = futures.get(3 + i).join();
                assertEquals(1, outcome.shard());
                assertEquals(2 + i - 60, outcome.sequence());
            }
            assertTrue(futures.stream().limit(103).allMatch(f -> f.join().accepted()));
            assertEquals(Outcome.NOT_SEQUENCED, futures.getLast().join().sequence());
            assertEquals(62, journals[0].size());
            assertEquals(42, journals[1].size());
            assertEquals(OrderStatus.PURCHASED, engine.readModel().orderStatus(100));
        }
    }
}
