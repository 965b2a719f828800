package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Line;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Reason;
import dev.purestock.engine.InFlightFixtures.Gate;
import dev.purestock.engine.InFlightFixtures.Opened;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.purestock.engine.EngineFixtures.failureOf;
import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static dev.purestock.engine.InFlightFixtures.SKU;
import static dev.purestock.engine.InFlightFixtures.assertNothingInFlight;
import static dev.purestock.engine.InFlightFixtures.assertReused;
import static dev.purestock.engine.InFlightFixtures.purchase;
import static dev.purestock.engine.InFlightFixtures.raceTwoSides;
import static dev.purestock.engine.InFlightFixtures.twoShards;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Order ids are unique across shards also while commands are in flight: a new order whose id a command in flight to
 * another shard creates is answered {@code Rejected(ID_REUSED)} unsequenced (in a batch, {@code CROSS_SHARD}), before
 * either is answered, whether the two come in one {@code submitAll}, from one thread that does not wait, or from two
 * threads racing; one to the same shard goes there, whose domain decides the repeat. Shard 0's journal is held shut
 * ({@link Gate}) to keep its commands in flight for as long as a test needs, with no sleep. No id stays claimed: once
 * its commands are answered, by the shard or refused before it (the ring full, a publication that threw, a close that
 * timed out), the engine's registry of ids in flight is empty and the id is free for another shard; a shard that
 * stopped keeps the ids of the commands it failed, which may have been made durable all the same.
 */
class InFlightOrderIdsTest {
    private static final long STOCK = 1_000;

    /** Two shards, warehouse 0 on shard 0 and warehouse 1 on shard 1, each stocked; shard 0's journal {@code gate}. */
    private static PurestockEngine engine(Gate gate) {
        return twoShards(gate, STOCK, b -> b);
    }

    private static void assertAccepted(int shard, Outcome outcome) {
        assertTrue(outcome.accepted(), "answer " + outcome);
        assertEquals(shard, outcome.shard());
    }

    @Test
    void aSubmitAllOfOneNewIdToTwoShardsAcceptsOnlyTheFirst() {
        Gate gate = new Gate();
        try (PurestockEngine engine = engine(gate); Opened opened = gate::open) {
            gate.shut();
            List<CompletableFuture<Outcome>> answers = engine.submitAll(List.of(purchase(7, 0), purchase(7, 1)));

            assertReused(7, answers.get(1).join());
            gate.open();
            assertAccepted(0, answers.get(0).join());
            assertEquals(STOCK - 1, engine.readModel().available(SKU, 0));
            assertEquals(STOCK, engine.readModel().available(SKU, 1), "shard 1 sold nothing");
            assertEquals(OrderStatus.PURCHASED, engine.readModel().orderStatus(7));
            assertNothingInFlight(engine);
        }
    }

    @Test
    void aSecondNewOrderSubmittedBeforeTheFirstIsAnsweredIsRefusedWhateverItsForm() {
        Gate gate = new Gate();
        try (PurestockEngine engine = engine(gate); Opened opened = gate::open) {
            gate.shut();
            List<CompletableFuture<Outcome>> firsts = new ArrayList<>();
            for (long id = 10; id < 17; id++) {
                firsts.add(engine.submit(purchase(id, 0)));
            }
            assertReused(10, engine.submit(purchase(10, 1)).join());
            EngineFixtures.ViewCallback fields = new EngineFixtures.ViewCallback();
            engine.submitPurchase(11, 5, SKU, 1, 1, fields);
            assertReused(11, fields.future.join());
            assertReused(12, engine.submit(new Command.PlaceOrder(12, 5, List.of(new Line(SKU, 1, 1)))).join());
            assertReused(13, engine.submit(new Command.Reserve(13, 5, List.of(new Line(SKU, 1, 1)), 100)).join());
            Outcome batch = engine.submit(new Command.Batch(Command.Batch.Mode.ATOMIC,
                    List.of(purchase(100, 1), purchase(14, 1)))).join();
            assertEquals(Optional.of(EngineRefusal.CROSS_SHARD), batch.reason(), "a batch: " + batch);
            assertEquals(Outcome.NOT_SEQUENCED, batch.shard());
            assertReused(15, engine.submit(new Command.Hold(1, Long.MAX_VALUE, purchase(15, 1))).join());
            assertEquals(SubmitResult.SUBMITTED, engine.trySubmitPurchase(16, 5, SKU, 1, 1, fields = new EngineFixtures
                    .ViewCallback()));
            assertReused(16, fields.future.join());

            gate.open();
            for (int i = 0; i < firsts.size(); i++) {
                assertAccepted(0, firsts.get(i).join());
            }
            assertEquals(STOCK - firsts.size(), engine.readModel().available(SKU, 0));
            assertEquals(STOCK, engine.readModel().available(SKU, 1), "shard 1 sold nothing");
            assertNull(engine.readModel().orderStatus(100), "the batch was refused whole");
            assertNothingInFlight(engine);
        }
    }

    @Test
    void aNewOrderWhoseIdAHoldInFlightWillCreateIsRefusedAndSoIsTheReverse() {
        Gate gate = new Gate();
        try (PurestockEngine engine = engine(gate); Opened opened = gate::open) {
            gate.shut();
            CompletableFuture<Outcome> held = engine.submit(new Command.Hold(1, Long.MAX_VALUE, purchase(20, 0)));
            CompletableFuture<Outcome> bought = engine.submit(purchase(21, 0));

            assertReused(20, engine.submit(purchase(20, 1)).join());
            assertReused(21, engine.submit(new Command.Hold(2, Long.MAX_VALUE, purchase(21, 1))).join());
            gate.open();
            assertAccepted(0, held.join());
            assertAccepted(0, bought.join());
            assertReused(20, engine.submit(purchase(20, 1)).join());
            assertNothingInFlight(engine);
        }
    }

    @Test
    void aRepeatToTheSameShardGoesThereAndKeepsItsAnswer() {
        Gate gate = new Gate();
        try (PurestockEngine engine = engine(gate); Opened opened = gate::open) {
            gate.shut();
            CompletableFuture<Outcome> first = engine.submit(purchase(30, 0));
            CompletableFuture<Outcome> repeat = engine.submit(purchase(30, 0));
            List<CompletableFuture<Outcome>> inOneCall = engine.submitAll(List.of(purchase(31, 0), purchase(31, 0)));
            EngineFixtures.ViewCallback fields = new EngineFixtures.ViewCallback();
            engine.submitPurchase(30, 5, SKU, 0, 1, fields);
            gate.open();

            assertAccepted(0, first.join());
            assertAccepted(0, inOneCall.get(0).join());
            for (Outcome again : List.of(repeat.join(), inOneCall.get(1).join(), fields.future.join())) {
                assertEquals(0, again.shard(), "sequenced on shard 0: " + again);
                assertInstanceOf(Event.AlreadyApplied.class, again.events().get(0), "answer " + again);
            }
            assertEquals(STOCK - 2, engine.readModel().available(SKU, 0));
            assertNothingInFlight(engine);
        }
    }

    @Test
    void twoThreadsRacingOneIdToTwoShardsHaveExactlyOneAccepted() throws Exception {
        int rounds = 2_000;
        InMemoryJournal[] journals = {new InMemoryJournal(), new InMemoryJournal()};
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).expireReservationsEvery(Duration.ZERO)
                .journal(s -> journals[s]).build()) {
            engine.submit(list(SKU)).join();
            engine.submit(receive(1, SKU, 0, rounds)).join();
            engine.submit(receive(2, SKU, 1, rounds)).join();
            List<List<Outcome>> sides = raceTwoSides(threads, rounds, (id, warehouse) -> engine.submit(purchase(id, warehouse)).join());
            List<Outcome> zero = sides.get(0);
            List<Outcome> one = sides.get(1);

            int[] sold = new int[2];
            for (int i = 0; i < rounds; i++) {
                long id = i + 1;
                Outcome a = zero.get(i);
                Outcome b = one.get(i);
                assertTrue(a.accepted() ^ b.accepted(), "order " + id + ": exactly one accepted: " + a + ", " + b);
                Outcome refused = a.accepted() ? b : a;
                assertReused(id, refused);
                int shard = a.accepted() ? 0 : 1;
                sold[shard]++;
                assertEquals(shard, engine.readModel().orderShard(id), "the read model has order " + id);
                assertEquals(OrderStatus.PURCHASED, engine.readModel().orderStatus(id));
            }
            assertEquals(rounds, sold[0] + sold[1]);
            assertEquals(rounds - sold[0], engine.readModel().available(SKU, 0));
            assertEquals(rounds - sold[1], engine.readModel().available(SKU, 1));
            for (int shard = 0; shard < 2; shard++) {
                long journaled = journals[shard].entries().stream().flatMap(e -> e.events().stream())
                        .filter(Event.PurchaseAccepted.class::isInstance).count();
                assertEquals(sold[shard], journaled, "purchases journaled by shard " + shard);
            }
            assertNothingInFlight(engine);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void anIdIsFreeAgainOnceItsOnlyCommandWasRejected() {
        Gate gate = new Gate();
        try (PurestockEngine engine = engine(gate); Opened opened = gate::open) {
            gate.shut();
            CompletableFuture<Outcome> tooMany = engine.submit(new Command.Purchase(40, 5, SKU, 0, STOCK + 1));
            assertReused(40, engine.submit(purchase(40, 1)).join());
            gate.open();
            assertEquals(List.of(new Event.Rejected(Reason.OUT_OF_STOCK, 40)), tooMany.join().events());

            assertAccepted(1, engine.submit(purchase(40, 1)).join());
            assertNothingInFlight(engine);
        }
    }

    @Test
    void anIdRefusedForAFullRingIsFreeForAnotherShard() {
        Gate gate = new Gate();
        try (PurestockEngine engine = twoShards(gate, STOCK, b -> b.ringSize(16)); Opened opened = gate::open) {
            gate.shut();
            List<CompletableFuture<Outcome>> filling = new ArrayList<>();
            long movement = 100;
            while (true) {
                EngineFixtures.FutureCallback answer = new EngineFixtures.FutureCallback();
                if (engine.trySubmit(receive(movement++, SKU, 0, 1), answer) != SubmitResult.SUBMITTED) {
                    break;
                }
                filling.add(answer.future);
            }
            assertEquals(SubmitResult.RING_FULL, engine.trySubmit(purchase(50, 0), new EngineFixtures.FutureCallback()));
            assertEquals(SubmitResult.RING_FULL, engine.trySubmitPurchase(51, 5, SKU, 0, 1,
                    new EngineFixtures.ViewCallback()));
            assertEquals(SubmitResult.RING_FULL, engine.trySubmit(new Command.Hold(52, Long.MAX_VALUE, purchase(53, 0)),
                    new EngineFixtures.FutureCallback()));
            assertNothingInFlight(engine);

            assertAccepted(1, engine.submit(purchase(50, 1)).join());
            assertAccepted(1, engine.submit(purchase(51, 1)).join());
            assertAccepted(1, engine.submitAt(52, Long.MAX_VALUE, purchase(53, 1)).join());
            gate.open();
            filling.forEach(CompletableFuture::join);
        }
    }

    @Test
    void anIdWhosePublicationThrewIsFreeForAnotherShard() {
        AtomicBoolean failNext = new AtomicBoolean();
        Gate gate = new Gate();
        try (PurestockEngine engine = twoShards(gate, STOCK, b -> b.publicationFault(
                EngineFixtures.failingOnceAt(0, failNext, new IllegalStateException("no room"))));
             Opened opened = gate::open) {
            failNext.set(true);
            assertEquals("no room", assertThrows(IllegalStateException.class, () -> engine.submit(purchase(60, 0)))
                    .getMessage());
            failNext.set(true);
            assertEquals("no room", failureOf(engine.submitAll(List.of(purchase(61, 0), purchase(62, 0))).get(1))
                    .getCause().getMessage());
            failNext.set(true);
            assertEquals("no room", assertThrows(IllegalStateException.class, () -> engine.submitAt(63, Long.MAX_VALUE,
                    purchase(64, 0))).getMessage());
            assertNothingInFlight(engine);

            for (long id = 60; id <= 62; id++) {
                assertAccepted(1, engine.submit(purchase(id, 1)).join());
            }
            assertAccepted(1, engine.submitAt(63, Long.MAX_VALUE, purchase(64, 1)).join());
            assertNothingInFlight(engine);
        }
    }

    @Test
    void aCloseThatTimesOutLetsGoOfTheIdsInFlight() {
        Gate gate = new Gate();
        PurestockEngine engine = engine(gate);
        try {
            gate.shut();
            CompletableFuture<Outcome> first = engine.submit(purchase(70, 0));
            List<CompletableFuture<Outcome>> more = engine.submitAll(List.of(purchase(71, 0), purchase(72, 0)));
            EngineFixtures.ViewCallback fields = new EngineFixtures.ViewCallback();
            engine.submitPurchase(73, 5, SKU, 0, 1, fields);
            CompletableFuture<Outcome> held = engine.submitAt(74, Long.MAX_VALUE, purchase(75, 0));
            assertEquals(6, engine.inFlightOrders().size(), "five order ids and a hold id");

            assertFalse(engine.close(Duration.ZERO), "the close timed out");
            assertInstanceOf(EngineClosedException.class, failureOf(first));
            assertInstanceOf(EngineClosedException.class, failureOf(more.get(1)));
            assertInstanceOf(EngineClosedException.class, failureOf(fields.future));
            assertInstanceOf(EngineClosedException.class, failureOf(held));
            assertNothingInFlight(engine);
        } finally {
            gate.open();
            engine.close();
        }
    }

    /**
     * A command a stopped shard fails may have been made durable all the same (its journal wrote it and then failed
     * its sync, or the replication stage failed after the journal took it): a restart may recover its order. Its id
     * stays claimed for that shard, so that a command with the same id that entered the engine before the stop and
     * is routed to another shard after it is refused there ({@code ID_REUSED}), as it is while the order is in
     * flight, and never accepted and acknowledged beside an order the restart recovers on the stopped shard: two
     * orders of one id, of which a cancel reaches only the lowest shard's, and whose caller, resubmitting the failed
     * command as told, is answered {@code ID_REUSED} for an order its shard holds.
     */
    @Test
    void aShardThatStopsKeepsTheIdsOfTheCommandsItFailsClaimedForItself() {
        Gate gate = new Gate();
        try (PurestockEngine engine = engine(gate); Opened opened = gate::open) {
            gate.shut();
            gate.failNext();
            CompletableFuture<Outcome> failed = engine.submit(purchase(80, 0));
            CompletableFuture<Outcome> after = engine.submit(purchase(81, 0));
            gate.open();

            assertInstanceOf(EngineStoppedException.class, failureOf(failed));
            assertInstanceOf(EngineStoppedException.class, failureOf(after));
            InFlightOrders inFlight = engine.inFlightOrders();
            for (long orderId = 80; orderId <= 81; orderId++) {
                assertEquals(0, inFlight.orderShard(orderId), "order " + orderId + " stays claimed for shard 0");
                assertFalse(inFlight.claim(orderId, 1), "order " + orderId + " is refused on shard 1, where a command "
                        + "that entered before the stop is routed");
            }
        }
    }

    @Test
    void oneShardKeepsNoRegistry() {
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build()) {
            assertNull(engine.inFlightOrders());
        }
    }
}
