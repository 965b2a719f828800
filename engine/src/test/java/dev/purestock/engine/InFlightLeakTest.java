package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Line;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Reason;
import dev.purestock.engine.InFlightFixtures.Gate;
import dev.purestock.engine.InFlightFixtures.Opened;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static dev.purestock.engine.InFlightFixtures.SKU;
import static dev.purestock.engine.InFlightFixtures.purchase;
import static dev.purestock.engine.InFlightFixtures.twoShards;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ways a command that claimed an id in flight ({@link InFlightOrders}) can end besides a plain answer, each
 * leaving the registry empty and the id free: a later command with it, on the other shard, is accepted. Every
 * command here that claims an id is rejected by its shard, or never sequenced, so that the id makes no order: a
 * callback that throws, a future its caller cancelled, a {@code submitAll} with a command refused by its shape in
 * the middle, a batch refused part way through its claim, a hold that cannot hold its command (refused by its
 * shape or by its shard), a held command cancelled or fallen due. Shard 0's journal is held shut ({@link Gate}) where a command must stay in flight.
 */
class InFlightLeakTest {
    private static final long STOCK = 10;

    private static PurestockEngine engine(Gate gate) {
        return twoShards(gate, STOCK, b -> b);
    }

    /** A purchase its shard rejects ({@code OUT_OF_STOCK}): it claims its id and makes no order of it. */
    private static Command tooMany(long orderId, int warehouse) {
        return new Command.Purchase(orderId, 5, SKU, warehouse, STOCK + 1);
    }

    /** The registry is empty, and each of {@code orderIds} is accepted on shard 1. */
    private static void assertFree(PurestockEngine engine, long... orderIds) {
        assertEquals(0, engine.inFlightOrders().size(), "ids still claimed once every command was answered");
        for (long orderId : orderIds) {
            Outcome outcome = engine.submit(purchase(orderId, 1)).join();
            assertTrue(outcome.accepted(), "order " + orderId + " on shard 1: " + outcome);
            assertEquals(1, outcome.shard());
        }
    }

    @Test
    void aCallbackThatThrowsAndACancelledFutureLetGoOfTheirIds() {
        Gate gate = new Gate();
        try (PurestockEngine engine = engine(gate); Opened opened = gate::open) {
            gate.shut();
            engine.submit(tooMany(10, 0), (OutcomeCallback) new OutcomeCallback() {
                @Override
                public void onOutcome(int shard, long sequence, long time, List<Event> events) {
                    throw new IllegalStateException("the caller's callback broke");
                }

                @Override
                public void onFailure(Throwable cause) {
                }
            });
            CompletableFuture<Outcome> cancelled = engine.submit(tooMany(11, 0));
            assertTrue(cancelled.cancel(false));
            CompletableFuture<Outcome> last = engine.submit(tooMany(12, 0));
            assertEquals(3, engine.inFlightOrders().size());
            gate.open();

            assertEquals(List.of(new Event.Rejected(Reason.OUT_OF_STOCK, 12)), last.join().events());
            assertFree(engine, 10, 11, 12);
        }
    }

    @Test
    void aSubmitAllWithACommandRefusedByItsShapeInTheMiddleLetsGoOfEveryId() {
        Gate gate = new Gate();
        try (PurestockEngine engine = engine(gate); Opened opened = gate::open) {
            gate.shut();
            Command tooLarge = new Command.Batch(Command.Batch.Mode.ATOMIC,
                    Collections.nCopies(Limits.MAX_BATCH_COMMANDS + 1, purchase(21, 0)));
            List<CompletableFuture<Outcome>> answers = engine.submitAll(List.of(tooMany(20, 0), tooLarge, tooMany(22, 0)));
            assertEquals(Outcome.NOT_SEQUENCED, answers.get(1).join().shard(), "refused by its shape");
            assertEquals(2, engine.inFlightOrders().size(), "the two purchases in flight");
            gate.open();

            answers.forEach(CompletableFuture::join);
            assertFree(engine, 20, 21, 22);
        }
    }

    @Test
    void aBatchRefusedPartWayThroughItsClaimLetsGoOfTheIdsItClaimed() {
        Gate gate = new Gate();
        try (PurestockEngine engine = engine(gate); Opened opened = gate::open) {
            gate.shut();
            CompletableFuture<Outcome> inFlight = engine.submit(tooMany(31, 0));
            Outcome batch = engine.submit(new Command.Batch(Command.Batch.Mode.ATOMIC,
                    List.of(purchase(30, 1), purchase(31, 1)))).join();
            assertEquals(Optional.of(EngineRefusal.CROSS_SHARD), batch.reason(), "a batch: " + batch);
            Outcome placed = engine.submit(new Command.PlaceOrder(32, 5, List.of(new Line(SKU, 1, 1)))).join();
            assertTrue(placed.accepted());
            Outcome held = engine.submit(new Command.Hold(33, Long.MAX_VALUE, new Command.Batch(Command.Batch.Mode.ATOMIC,
                    List.of(purchase(34, 1), purchase(31, 1))))).join();
            assertEquals(Optional.of(EngineRefusal.CROSS_SHARD), held.reason(), "a held batch: " + held);
            assertEquals(1, engine.inFlightOrders().size(), "only the purchase in flight");
            gate.open();

            inFlight.join();
            assertFree(engine, 30, 31, 34);
            assertTrue(engine.submitAt(33, Long.MAX_VALUE, purchase(35, 0)).join().accepted(), "hold id 33 is free");
        }
    }

    @Test
    void holdsThatHoldNothingAreCancelledOrFallDueLetGoOfTheirIds() {
        Gate gate = new Gate();
        try (PurestockEngine engine = engine(gate); Opened opened = gate::open) {
            gate.shut();
            List<CompletableFuture<Outcome>> answers = new ArrayList<>();
            answers.add(engine.submit(new Command.Hold(40, 0, new Command.Hold(41, 0, tooMany(42, 0)))));
            answers.add(engine.submit(new Command.Hold(43, 0, new Command.Batch(Command.Batch.Mode.ATOMIC,
                    List.of(tooMany(44, 0), new Command.CancelHold(45))))));
            answers.add(engine.submitAt(46, Long.MAX_VALUE, tooMany(47, 0)));
            answers.add(engine.cancelHold(46));
            answers.add(engine.submitAt(48, 0, tooMany(49, 0)));
            assertEquals(5, engine.inFlightOrders().size(), "two held orders' ids and two hold ids, and the order id "
                    + "of the sequenced hold that holds nothing (a hold of a hold is refused by its shape, unclaimed)");
            gate.open();

            assertEquals(List.of(new Event.Rejected(Reason.NOT_HOLDABLE, 40)), answers.get(0).join().events());
            assertEquals(List.of(new Event.Rejected(Reason.NOT_HOLDABLE, 43)), answers.get(1).join().events());
            assertEquals(List.of(new Event.HoldCancelled(46)), answers.get(3).join().events());
            assertTrue(answers.get(4).join().accepted(), "held");
            engine.submit(new Command.ExpireReservations()).join();
            assertEquals(-1, engine.readModel().orderOrHeldOrderShard(49), "fallen due, rejected, no order");
            assertFree(engine, 42, 44, 47, 49);
            for (long holdId : new long[] {46, 48}) {
                assertTrue(engine.submitAt(holdId, Long.MAX_VALUE, purchase(100 + holdId, 1)).join().accepted(),
                        "hold id " + holdId + " is free");
            }
            assertEquals(0, engine.inFlightOrders().size());
        }
    }
}
