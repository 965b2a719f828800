package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Line;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Reason;
import dev.purestock.engine.InFlightFixtures.Gate;
import dev.purestock.engine.InFlightFixtures.Opened;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static dev.purestock.engine.InFlightFixtures.SKU;
import static dev.purestock.engine.InFlightFixtures.assertNothingInFlight;
import static dev.purestock.engine.InFlightFixtures.assertReused;
import static dev.purestock.engine.InFlightFixtures.purchase;
import static dev.purestock.engine.InFlightFixtures.raceTwoSides;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Commands of orders and holds still in flight go where those are in flight, on any number of shards: one thread's
 * "reserve, then at once release" (or confirm; "purchase, then cancel"; "hold, then cancel the hold") has the second
 * command sequenced behind the first on the first's shard, as with one shard, though the read model holds the order
 * only once its command is answered. And hold ids are unique across shards also while in flight: a new hold whose id
 * a hold in flight to another shard has is refused, {@code Rejected(ID_REUSED, holdId)} unsequenced. The shard the
 * first command goes to has its journal held shut ({@link Gate}) for as long as a test needs, with no sleep; that
 * shard is the last one, so that a command sent to shard 0 (where an unknown order or hold goes) shows. No id stays
 * in flight once every command is answered.
 */
class InFlightRoutingTest {
    private static final long STOCK = 1_000;
    private static final long NEVER = Long.MAX_VALUE;

    /** {@code shards} shards, warehouse {@code w} on shard {@code w}, each stocked; the last shard's journal {@code gate}. */
    private static PurestockEngine engine(int shards, Gate gate) {
        int gated = shards - 1;
        PurestockEngine engine = PurestockEngine.builder().shards(shards).expireReservationsEvery(Duration.ZERO)
                .journal(shard -> shard == gated ? gate : new InMemoryJournal()).build();
        engine.submit(list(SKU)).join();
        for (int warehouse = 0; warehouse < shards; warehouse++) {
            assertTrue(engine.submit(receive(warehouse + 1, SKU, warehouse, STOCK)).join().accepted());
        }
        return engine;
    }

    private static Command reserve(long orderId, int warehouse) {
        return new Command.Reserve(orderId, 5, List.of(new Line(SKU, warehouse, 1)), NEVER);
    }

    /** A command of an existing order, submitted at once after the command that creates the order. */
    enum Follow {
        CANCEL(OrderStatus.CANCELLED, STOCK) {
            @Override
            Command order(long orderId, int warehouse) {
                return purchase(orderId, warehouse);
            }

            @Override
            Command then(long orderId) {
                return new Command.CancelPurchase(orderId);
            }

            @Override
            void submitFields(PurestockEngine engine, long orderId, OutcomeViewCallback callback) {
                engine.submitCancelPurchase(orderId, callback);
            }
        },
        CONFIRM(OrderStatus.CONFIRMED, STOCK - 1) {
            @Override
            Command order(long orderId, int warehouse) {
                return reserve(orderId, warehouse);
            }

            @Override
            Command then(long orderId) {
                return new Command.ConfirmReservation(orderId);
            }

            @Override
            void submitFields(PurestockEngine engine, long orderId, OutcomeViewCallback callback) {
                engine.submitConfirmReservation(orderId, callback);
            }
        },
        RELEASE(OrderStatus.RELEASED, STOCK) {
            @Override
            Command order(long orderId, int warehouse) {
                return reserve(orderId, warehouse);
            }

            @Override
            Command then(long orderId) {
                return new Command.ReleaseReservation(orderId);
            }

            @Override
            void submitFields(PurestockEngine engine, long orderId, OutcomeViewCallback callback) {
                engine.submitReleaseReservation(orderId, callback);
            }
        };

        final OrderStatus status;
        final long available;

        Follow(OrderStatus status, long available) {
            this.status = status;
            this.available = available;
        }

        abstract Command order(long orderId, int warehouse);

        abstract Command then(long orderId);

        abstract void submitFields(PurestockEngine engine, long orderId, OutcomeViewCallback callback);
    }

    static Stream<Arguments> follows() {
        List<Arguments> cases = new ArrayList<>();
        for (int shards : new int[] {1, 2, 4}) {
            for (Follow follow : Follow.values()) {
                for (boolean fields : new boolean[] {false, true}) {
                    cases.add(Arguments.of(shards, follow, fields));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} shards, {1}, as fields: {2}")
    @MethodSource("follows")
    void oneThreadsCommandOfAnOrderInFlightIsSequencedBehindIt(int shards, Follow follow, boolean fields) {
        Gate gate = new Gate();
        int shard = shards - 1;
        try (PurestockEngine engine = engine(shards, gate); Opened opened = gate::open) {
            gate.shut();
            CompletableFuture<Outcome> order = engine.submit(follow.order(7, shard));
            CompletableFuture<Outcome> then;
            if (fields) {
                EngineFixtures.ViewCallback callback = new EngineFixtures.ViewCallback();
                follow.submitFields(engine, 7, callback);
                then = callback.future;
            } else {
                then = engine.submit(follow.then(7));
            }
            assertNull(engine.readModel().orderStatus(7), "the read model holds only what was answered");
            gate.open();

            Outcome placed = order.join();
            Outcome after = then.join();
            assertTrue(placed.accepted(), "answer " + placed);
            assertEquals(shard, placed.shard());
            assertTrue(after.accepted(), "answer " + after);
            assertEquals(shard, after.shard(), "sequenced on the order's shard");
            assertTrue(after.sequence() > placed.sequence(), "behind the order: " + placed + ", " + after);
            assertEquals(follow.status, engine.readModel().orderStatus(7));
            assertEquals(follow.available, engine.readModel().available(SKU, shard));
            assertNothingInFlight(engine);
        }
    }

    @ParameterizedTest(name = "{0} shards")
    @ValueSource(ints = {1, 2, 4})
    void aSubmitAllOfAnOrderAndItsReleaseGoesToOneShard(int shards) {
        Gate gate = new Gate();
        int shard = shards - 1;
        try (PurestockEngine engine = engine(shards, gate); Opened opened = gate::open) {
            gate.shut();
            List<CompletableFuture<Outcome>> answers = engine.submitAll(List.of(reserve(8, shard),
                    new Command.ReleaseReservation(8)));
            gate.open();

            for (CompletableFuture<Outcome> answer : answers) {
                assertTrue(answer.join().accepted(), "answer " + answer.join());
                assertEquals(shard, answer.join().shard());
            }
            assertEquals(OrderStatus.RELEASED, engine.readModel().orderStatus(8));
            assertEquals(STOCK, engine.readModel().available(SKU, shard));
            assertNothingInFlight(engine);
        }
    }

    @ParameterizedTest(name = "{0} shards")
    @ValueSource(ints = {1, 2, 4})
    void aBatchAndAHoldOfAnOrderInFlightGoWhereItIs(int shards) {
        Gate gate = new Gate();
        int shard = shards - 1;
        try (PurestockEngine engine = engine(shards, gate); Opened opened = gate::open) {
            gate.shut();
            CompletableFuture<Outcome> reserved = engine.submit(reserve(9, shard));
            CompletableFuture<Outcome> confirmed = engine.submit(new Command.Batch(Command.Batch.Mode.ATOMIC,
                    List.of(new Command.ConfirmReservation(9))));
            CompletableFuture<Outcome> bought = engine.submit(purchase(10, shard));
            CompletableFuture<Outcome> held = engine.submit(new Command.Hold(1, 0, new Command.CancelPurchase(10)));
            gate.open();

            for (CompletableFuture<Outcome> answer : List.of(reserved, confirmed, bought, held)) {
                assertTrue(answer.join().accepted(), "answer " + answer.join());
                assertEquals(shard, answer.join().shard());
            }
            assertEquals(OrderStatus.CONFIRMED, engine.readModel().orderStatus(9));
            engine.submit(new Command.ExpireReservations()).join();
            assertEquals(OrderStatus.CANCELLED, engine.readModel().orderStatus(10), "the held cancel found it");
            assertEquals(STOCK - 1, engine.readModel().available(SKU, shard));
            assertNothingInFlight(engine);
        }
    }

    @ParameterizedTest(name = "{0} shards")
    @ValueSource(ints = {1, 2, 4})
    void oneThreadsCancelOfAHoldInFlightTakesItBack(int shards) {
        Gate gate = new Gate();
        int shard = shards - 1;
        try (PurestockEngine engine = engine(shards, gate); Opened opened = gate::open) {
            gate.shut();
            CompletableFuture<Outcome> held = engine.submitAt(42, NEVER, purchase(11, shard));
            CompletableFuture<Outcome> cancelled = engine.cancelHold(42);
            assertNull(engine.readModel().heldCommand(42), "the read model holds only what was answered");
            gate.open();

            assertTrue(held.join().accepted(), "answer " + held.join());
            assertEquals(shard, held.join().shard());
            assertEquals(List.of(new Event.HoldCancelled(42)), cancelled.join().events());
            assertEquals(shard, cancelled.join().shard());
            assertNull(engine.readModel().heldCommand(42));
            assertNothingInFlight(engine);
        }
    }

    @Test
    void aNewHoldWhoseIdIsInFlightToAnotherShardIsRefused() {
        Gate gate = new Gate();
        try (PurestockEngine engine = engine(2, gate); Opened opened = gate::open) {
            gate.shut();
            CompletableFuture<Outcome> first = engine.submitAt(42, NEVER, purchase(20, 1));
            CompletableFuture<Outcome> repeat = engine.submitAt(42, NEVER, purchase(20, 1));
            CompletableFuture<Outcome> other = engine.submitAt(43, NEVER, purchase(21, 1));

            assertReused(42, engine.submitAt(42, NEVER, purchase(22, 0)).join());
            assertReused(42, engine.submitAll(List.of(new Command.Hold(42, NEVER, purchase(23, 0)))).get(0).join());
            EngineFixtures.FutureCallback callback = new EngineFixtures.FutureCallback();
            assertEquals(SubmitResult.SUBMITTED, engine.trySubmit(new Command.Hold(43, NEVER, purchase(24, 0)),
                    callback));
            assertReused(43, callback.future.join());
            Outcome batch = engine.submit(new Command.Batch(Command.Batch.Mode.INDEPENDENT,
                    List.of(new Command.Hold(43, NEVER, purchase(25, 0))))).join();
            assertEquals(Optional.of(EngineRefusal.CROSS_SHARD), batch.reason(), "a batch: " + batch);
            // a hold that may go anywhere goes where its id is in flight, whose domain decides the repeat
            CompletableFuture<Outcome> anywhere = engine.submitAt(43, NEVER, new Command.CancelPurchase(999));
            gate.open();

            assertEquals(1, first.join().shard());
            assertTrue(first.join().accepted(), "answer " + first.join());
            assertEquals(1, repeat.join().shard());
            assertInstanceOf(Event.AlreadyApplied.class, repeat.join().events().get(0), "answer " + repeat.join());
            assertTrue(other.join().accepted(), "answer " + other.join());
            assertEquals(1, anywhere.join().shard(), "answer " + anywhere.join());
            assertEquals(List.of(new Event.Rejected(Reason.ID_REUSED, 43)), anywhere.join().events());
            assertEquals(2, engine.readModel().heldCommands().size(), "holds 42 and 43, each once");
            assertEquals(purchase(20, 1), engine.readModel().heldCommand(42).command());
            assertEquals(purchase(21, 1), engine.readModel().heldCommand(43).command());
            assertNothingInFlight(engine);
        }
    }

    @Test
    void twoThreadsRacingOneHoldIdToTwoShardsHaveExactlyOneHeld() throws Exception {
        int rounds = 1_000;
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).expireReservationsEvery(Duration.ZERO)
                .build()) {
            List<List<Outcome>> sides = raceTwoSides(threads, rounds,
                    (id, warehouse) -> engine.submitAt(id, NEVER, purchase(2 * id + warehouse, warehouse)).join());
            List<Outcome> zero = sides.get(0);
            List<Outcome> one = sides.get(1);

            for (int i = 0; i < rounds; i++) {
                long id = i + 1;
                Outcome a = zero.get(i);
                Outcome b = one.get(i);
                assertTrue(a.accepted() ^ b.accepted(), "hold " + id + ": exactly one held: " + a + ", " + b);
                assertReused(id, a.accepted() ? b : a);
                int shard = a.accepted() ? 0 : 1;
                assertEquals(purchase(2 * id + shard, shard), engine.readModel().heldCommand(id).command());
            }
            assertEquals(rounds, engine.readModel().heldCommands().size());
            assertNothingInFlight(engine);
        } finally {
            threads.shutdownNow();
        }
    }
}
