package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Event.PurchaseAccepted;
import dev.purestock.domain.Event.PurchaseCancelled;
import dev.purestock.domain.Event.Rejected;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Line;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Reason;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLongArray;

import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shards by warehouse: exact totals per warehouse, and the routing rules for what spans shards. */
class ShardingTest {
    private static final int SHARDS = 4;
    private static final int WAREHOUSES = 8;
    private static final long SKU = 5;
    private static final long STOCK_PER_WAREHOUSE = 50;
    private static final int PRODUCERS = 4;
    private static final int ATTEMPTS_PER_PRODUCER = 4_000;

    @Test
    void eachWarehouseSellsExactlyItsStockOnItsOwnShard() throws Exception {
        InMemoryJournal[] journals = new InMemoryJournal[SHARDS];
        try (PurestockEngine engine = PurestockEngine.builder().shards(SHARDS).ringSize(256)
                .expireReservationsEvery(Duration.ZERO)
                .journal(shard -> journals[shard] = new InMemoryJournal()).build()) {
            Outcome listed = engine.submit(new Command.ListProduct(SKU, 0)).join();
            assertEquals(Outcome.ALL_SHARDS, listed.shard());
            assertEquals(SHARDS, listed.events().size(), "one listing per shard");
            for (int w = 0; w < WAREHOUSES; w++) {
                Outcome received = engine.submit(receive(w + 1, SKU, w, STOCK_PER_WAREHOUSE)).join();
                assertEquals(w % SHARDS, received.shard());
            }

            AtomicLongArray acceptedPerWarehouse = new AtomicLongArray(WAREHOUSES);
            AtomicLongArray wrongShard = new AtomicLongArray(1);
            List<List<CompletableFuture<Outcome>>> all = new ArrayList<>();
            Thread[] producers = new Thread[PRODUCERS];
            for (int p = 0; p < PRODUCERS; p++) {
                List<CompletableFuture<Outcome>> mine = new ArrayList<>();
                all.add(mine);
                int first = p * ATTEMPTS_PER_PRODUCER;
                producers[p] = Thread.ofPlatform().start(() -> {
                    for (int i = first; i < first + ATTEMPTS_PER_PRODUCER; i++) {
                        int warehouse = i % WAREHOUSES;
                        mine.add(engine.submit(new Command.Purchase(i + 1, i % 300, SKU, warehouse, 1))
                                .whenComplete((outcome, failure) -> {
                                    if (outcome.shard() != warehouse % SHARDS) {
                                        wrongShard.incrementAndGet(0);
                                    }
                                    if (outcome.accepted()) {
                                        acceptedPerWarehouse.incrementAndGet(warehouse);
                                    }
                                }));
                    }
                });
            }
            for (Thread producer : producers) {
                producer.join();
            }
            long answered = 0;
            for (List<CompletableFuture<Outcome>> mine : all) {
                for (CompletableFuture<Outcome> future : mine) {
                    Outcome outcome = future.join();
                    assertTrue(outcome.accepted() || outcome.reason().orElseThrow() == Reason.OUT_OF_STOCK);
                    answered++;
                }
            }
            assertEquals((long) PRODUCERS * ATTEMPTS_PER_PRODUCER, answered);
            assertEquals(0, wrongShard.get(0));
            for (int w = 0; w < WAREHOUSES; w++) {
                assertEquals(STOCK_PER_WAREHOUSE, acceptedPerWarehouse.get(w), "accepted at warehouse " + w);
                assertEquals(0, engine.readModel().available(SKU, w));
            }

            for (int shard = 0; shard < SHARDS; shard++) {
                MapInventoryStore reference = new MapInventoryStore();
                List<InMemoryJournal.Entry> entries = journals[shard].entries();
                for (int s = 0; s < entries.size(); s++) {
                    InMemoryJournal.Entry entry = entries.get(s);
                    assertEquals(s, entry.sequence(), "gap-free sequences in shard " + shard);
                    List<Event> events = Inventory.decide(entry.command(), entry.time(), reference);
                    assertEquals(events, entry.events());
                    Inventory.evolveAll(reference, entry.time(), events);
                }
                assertEquals(1 + 2 + PRODUCERS * ATTEMPTS_PER_PRODUCER / SHARDS, entries.size());
                assertEquals(StateDigest.of(reference), engine.digest(shard).join());
            }
        }
    }

    @Test
    void commandsSpanningShardsAreRejectedWithoutBeingSequencedAndOrdersAreFoundOnTheirShard() {
        InMemoryJournal[] journals = new InMemoryJournal[SHARDS];
        try (PurestockEngine engine = PurestockEngine.builder().shards(SHARDS)
                .journal(shard -> journals[shard] = new InMemoryJournal()).build()) {
            engine.submit(new Command.ListProduct(SKU, 0)).join();
            for (int w = 0; w < WAREHOUSES; w++) {
                engine.submit(receive(w + 1, SKU, w, 10)).join();
            }
            int before = journals[0].size() + journals[1].size() + journals[2].size() + journals[3].size();

            Outcome crossOrder = engine.submit(new Command.PlaceOrder(70, 1,
                    List.of(new Line(SKU, 0, 1), new Line(SKU, 1, 1)))).join();
            assertEquals(List.of(new Rejected(EngineRefusal.CROSS_SHARD, 70)), crossOrder.events());
            assertFalse(crossOrder.accepted());
            assertEquals(24, crossOrder.reason().orElseThrow().code());
            assertEquals("the command spans warehouses of different shards",
                    crossOrder.reason().orElseThrow().description());
            assertEquals(70, crossOrder.rejectionRef());
            assertEquals(Outcome.NOT_SEQUENCED, crossOrder.sequence());
            Outcome sameShardOrder = engine.submit(new Command.PlaceOrder(71, 1,
                    List.of(new Line(SKU, 1, 1), new Line(SKU, 5, 1)))).join();
            assertTrue(sameShardOrder.accepted());
            assertEquals(1, sameShardOrder.shard());
            Outcome crossBatch = engine.submit(new Command.Batch(Command.Batch.Mode.ATOMIC, List.of(
                    new Command.Purchase(72, 1, SKU, 2, 1), new Command.Purchase(73, 1, SKU, 3, 1)))).join();
            assertEquals(List.of(new Rejected(EngineRefusal.CROSS_SHARD, -1)), crossBatch.events());

            Outcome bought = engine.submit(new Command.Purchase(80, 1, SKU, 3, 2)).join();
            assertEquals(3, bought.shard());
            assertEquals(8, engine.readModel().available(SKU, 3));
            Outcome cancelled = engine.submit(new Command.CancelPurchase(80)).join();
            assertEquals(3, cancelled.shard());
            assertInstanceOf(PurchaseCancelled.class, cancelled.events().getFirst());
            assertEquals(10, engine.readModel().available(SKU, 3));
            assertEquals(OrderStatus.CANCELLED, engine.readModel().orderStatus(80));
            Outcome reused = engine.submit(new Command.Purchase(80, 1, SKU, 0, 1)).join();
            assertEquals(List.of(new Rejected(Reason.ID_REUSED, 80)), reused.events());
            Outcome unknown = engine.submit(new Command.CancelPurchase(999)).join();
            assertEquals(Reason.UNKNOWN_ORDER, unknown.reason().orElseThrow());
            assertEquals(0, unknown.shard());
            Outcome batchOnOneShard = engine.submit(new Command.Batch(Command.Batch.Mode.ATOMIC, List.of(
                    new Command.Purchase(81, 1, SKU, 6, 1), new Command.CancelPurchase(71)))).join();
            assertEquals(EngineRefusal.CROSS_SHARD, batchOnOneShard.reason().orElseThrow(),
                    "order 71 lives on shard 1, warehouse 6 on shard 2");
            Outcome batchFollowingItsOrder = engine.submit(new Command.Batch(Command.Batch.Mode.ATOMIC, List.of(
                    new Command.Purchase(82, 1, SKU, 5, 1), new Command.CancelPurchase(71)))).join();
            assertTrue(batchFollowingItsOrder.accepted());
            assertEquals(1, batchFollowingItsOrder.shard());
            assertTrue(batchFollowingItsOrder.events().stream().anyMatch(e -> e instanceof PurchaseAccepted));

            Outcome expired = engine.submit(new Command.ExpireReservations()).join();
            assertEquals(Outcome.ALL_SHARDS, expired.shard());
            EngineFixtures.FutureCallback broadcast = new EngineFixtures.FutureCallback();
            assertEquals(SubmitResult.SUBMITTED, engine.trySubmit(new Command.ListProduct(SKU, 3), broadcast));
            assertEquals(SHARDS, broadcast.future.join().events().size());

            int after = journals[0].size() + journals[1].size() + journals[2].size() + journals[3].size();
            assertEquals(before + 1 + 1 + 1 + 1 + 1 + SHARDS + SHARDS, after,
                    "sequenced: order 71, purchase 80, its cancel, unknown cancel, batch on shard 1, two broadcasts");
        }
    }
}
