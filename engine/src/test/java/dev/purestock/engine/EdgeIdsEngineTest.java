package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.LineChange;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import dev.purestock.domain.OrderStatus;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

/**
 * Ids, positions and quantities at the edges of their ranges, through the public API of an engine of three shards
 * with rings of 16 slots, so that submissions queue: order ids 0 and {@code Long.MAX_VALUE} and around the 32-bit
 * boundaries, customers and skus at 0 and {@code 2^32 - 1}, warehouses at 0 and {@link Limits#MAX_WAREHOUSE} (which
 * share shard 0), quantities negative, zero, at {@link Limits#MAX_QUANTITY} and past it, {@code Long.MIN_VALUE} and
 * {@code Long.MAX_VALUE}; purchases, orders, reservations, their cancels, confirms and releases, atomic batches, as
 * records, as fields, in {@code submitAll} and through {@code trySubmitPurchase}. Every submission is answered once
 * (a {@code trySubmit} that was not {@code SUBMITTED} never); the journal holds exactly the orders acknowledged; and
 * every position's stock is conserved: what the read model shows available plus the units of the orders that hold
 * stock (purchased, reserved, confirmed) is what was received.
 *
 * <p>A cancel, confirm or release goes to the shard the read model has its order on, which it has once the order's
 * command is answered (engine/README.md, "Sharding and routing"), so a command whose order id was used before waits
 * for the answers before it.
 */
class EdgeIdsEngineTest {
    private static final long[] ORDERS = {0, 1, Long.MAX_VALUE - 1, Long.MAX_VALUE, 1L << 32, (1L << 32) - 1,
        (1L << 31) - 1};
    private static final long[] CUSTOMERS = {0, 1, Limits.MAX_CUSTOMER};
    private static final long[] SKUS = {0, Limits.MAX_SKU};
    private static final int[] WAREHOUSES = {0, 1, 2, Limits.MAX_WAREHOUSE, Limits.MAX_WAREHOUSE - 1};
    private static final long[] QUANTITIES = {-1, 0, 1, 3, 40, Limits.MAX_QUANTITY, Limits.MAX_QUANTITY + 1,
        Long.MAX_VALUE, Long.MIN_VALUE};
    private static final long STOCK = 100;
    private static final int KINDS = 11;

    record Op(int kind, int order, int customer, int sku, int warehouse, int quantity) {
    }

    @Test
    void edgeIdsAreAnsweredOnceJournaledAsAcknowledgedAndConserveStock() {
        Gen<Op> op = integers().between(0, KINDS - 1).zip(integers().between(0, ORDERS.length - 1),
                integers().between(0, CUSTOMERS.length - 1), integers().between(0, SKUS.length - 1),
                (k, o, c, s) -> new int[] {k, o, c, s}).zip(integers().between(0, WAREHOUSES.length - 1),
                integers().between(0, QUANTITIES.length - 1), (a, w, q) -> new Op(a[0], a[1], a[2], a[3], w, q));
        qt().withExamples(200).forAll(lists().of(op).ofSizeBetween(1, 60)).checkAssert(EdgeIdsEngineTest::run);
    }

    private static void run(List<Op> ops) {
        InMemoryJournal[] journals = {new InMemoryJournal(), new InMemoryJournal(), new InMemoryJournal()};
        try (PurestockEngine engine = PurestockEngine.builder().ringSize(16).shards(3).journal(s -> journals[s])
                .expireReservationsEvery(Duration.ZERO).build()) {
            for (long sku : SKUS) {
                engine.submit(new Command.ListProduct(sku, 0)).join();
                for (int warehouse : WAREHOUSES) {
                    assertTrue(engine.submit(new Command.ReceiveStock(sku % 7 * 100_000 + warehouse + 1, sku,
                            warehouse, STOCK)).join().accepted());
                }
            }
            List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
            List<AtomicInteger> answers = new ArrayList<>();
            Set<Long> used = new HashSet<>();
            for (Op o : ops) {
                long order = ORDERS[o.order()];
                long next = ORDERS[(o.order() + 1) % ORDERS.length];
                if (!used.add(order) | !used.add(next)) {
                    outcomes.forEach(CompletableFuture::join);
                }
                AtomicInteger count = new AtomicInteger();
                answers.add(count);
                outcomes.add(submit(engine, o, order, next, count));
            }
            Map<Long, List<LineChange>> holding = new HashMap<>();
            for (CompletableFuture<Outcome> outcome : outcomes) {
                for (Event event : outcome.join().events()) {
                    switch (event) {
                        case Event.PurchaseAccepted accepted -> holding.put(accepted.orderId(), accepted.lines());
                        case Event.StockReserved reserved -> holding.put(reserved.orderId(), reserved.lines());
                        default -> {
                        }
                    }
                }
            }
            for (AtomicInteger count : answers) {
                assertEquals(1, count.get(), "answers to one submission");
            }
            Set<Long> journaled = new HashSet<>();
            for (InMemoryJournal journal : journals) {
                for (InMemoryJournal.Entry entry : journal.entries()) {
                    for (Event event : entry.events()) {
                        switch (event) {
                            case Event.PurchaseAccepted accepted -> journaled.add(accepted.orderId());
                            case Event.StockReserved reserved -> journaled.add(reserved.orderId());
                            default -> {
                            }
                        }
                    }
                }
            }
            assertEquals(holding.keySet(), journaled, "orders acknowledged and orders journaled");
            Map<String, Long> held = new HashMap<>();
            holding.forEach((orderId, lines) -> {
                OrderStatus status = engine.readModel().orderStatus(orderId);
                if (status == OrderStatus.PURCHASED || status == OrderStatus.RESERVED
                        || status == OrderStatus.CONFIRMED) {
                    lines.forEach(line -> held.merge(line.sku() + "@" + line.warehouse(), line.quantity(), Long::sum));
                } else {
                    assertTrue(status == OrderStatus.CANCELLED || status == OrderStatus.RELEASED,
                            "order " + orderId + " is " + status);
                }
            });
            for (long sku : SKUS) {
                for (int warehouse : WAREHOUSES) {
                    assertEquals(STOCK - held.getOrDefault(sku + "@" + warehouse, 0L),
                            engine.readModel().available(sku, warehouse), "sku " + sku + " at " + warehouse);
                }
            }
        }
    }

    /** Submits {@code o} through its path, completing the returned future with its one answer and counting them. */
    private static CompletableFuture<Outcome> submit(PurestockEngine engine, Op o, long order, long next,
                                                     AtomicInteger count) {
        long customer = CUSTOMERS[o.customer()];
        long sku = SKUS[o.sku()];
        int warehouse = WAREHOUSES[o.warehouse()];
        long quantity = QUANTITIES[o.quantity()];
        CompletableFuture<Outcome> future = new CompletableFuture<>();
        OutcomeViewCallback callback = new OutcomeViewCallback() {
            @Override
            public void onOutcome(OutcomeView outcome) {
                count.incrementAndGet();
                future.complete(outcome.toOutcome());
            }

            @Override
            public void onFailure(Throwable cause) {
                count.incrementAndGet();
                future.completeExceptionally(cause);
            }
        };
        List<Line> line = List.of(new Line(sku, warehouse, quantity));
        switch (o.kind()) {
            case 0 -> engine.submit(new Command.Purchase(order, customer, sku, warehouse, quantity), callback);
            case 1 -> engine.submitPurchase(order, customer, sku, warehouse, quantity, callback);
            case 2 -> engine.submit(new Command.CancelPurchase(order), callback);
            case 3 -> engine.submitCancelPurchase(order, callback);
            case 4 -> engine.submitAll(List.of(new Command.Purchase(order, customer, sku, warehouse, quantity))).get(0)
                    .whenComplete((outcome, failure) -> {
                        count.incrementAndGet();
                        if (failure == null) {
                            future.complete(outcome);
                        } else {
                            future.completeExceptionally(failure);
                        }
                    });
            case 5 -> engine.submit(new Command.PlaceOrder(order, customer, line), callback);
            case 6 -> engine.submit(new Command.Reserve(order, customer, line, Long.MAX_VALUE), callback);
            case 7 -> engine.submitConfirmReservation(order, callback);
            case 8 -> engine.submitReleaseReservation(order, callback);
            case 9 -> engine.submit(new Command.Batch(Command.Batch.Mode.ATOMIC, List.of(
                    new Command.Purchase(order, customer, sku, warehouse, quantity),
                    new Command.Purchase(next, customer, sku, warehouse, 1))), callback);
            default -> {
                if (engine.trySubmitPurchase(order, customer, sku, warehouse, quantity, callback)
                        != SubmitResult.SUBMITTED) {
                    count.incrementAndGet(); // not taken, and never answered: counted as its one outcome here
                    future.complete(new Outcome(Outcome.NOT_SEQUENCED, Outcome.NOT_SEQUENCED, 0, List.of()));
                }
            }
        }
        return future;
    }
}
