package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Reason;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the tests of order and hold ids in flight ({@link InFlightOrders}) across shards share. */
final class InFlightFixtures {
    /** The one sku every in-flight test stocks and sells. */
    static final long SKU = 1;

    private InFlightFixtures() {
    }

    /**
     * Two shards, warehouse 0 on shard 0 and warehouse 1 on shard 1, each stocked with {@code stock}; shard 0's
     * journal {@code gate}; {@code more} sets the rest of the builder.
     */
    static PurestockEngine twoShards(Gate gate, long stock, UnaryOperator<PurestockEngine.Builder> more) {
        IntFunction<DurabilityStage> journals = shard -> shard == 0 ? gate : new InMemoryJournal();
        PurestockEngine engine = more.apply(PurestockEngine.builder().shards(2).expireReservationsEvery(Duration.ZERO)
                .journal(journals)).build();
        engine.submit(list(SKU)).join();
        assertTrue(engine.submit(receive(1, SKU, 0, stock)).join().accepted());
        assertTrue(engine.submit(receive(2, SKU, 1, stock)).join().accepted());
        return engine;
    }

    /** A purchase of one of {@link #SKU} by customer 5 from {@code warehouse}. */
    static Command purchase(long orderId, int warehouse) {
        return new Command.Purchase(orderId, 5, SKU, warehouse, 1);
    }

    /** {@code outcome} is {@code Rejected(ID_REUSED, id)}, never sequenced. */
    static void assertReused(long id, Outcome outcome) {
        assertEquals(List.of(new Event.Rejected(Reason.ID_REUSED, id)), outcome.events(), "answer " + outcome);
        assertEquals(Outcome.NOT_SEQUENCED, outcome.shard(), "never sequenced");
    }

    /** The engine's registry of ids in flight, where it keeps one (more than one shard), is empty. */
    static void assertNothingInFlight(PurestockEngine engine) {
        if (engine.inFlightOrders() != null) {
            assertEquals(0, engine.inFlightOrders().size(), "ids still claimed once every command was answered");
        }
    }

    /**
     * Two threads, side 0 and side 1, each submitting {@code submit(id, side)} for ids 1 to {@code rounds}, the two
     * meeting at a barrier before each id: the outcomes of side 0, then those of side 1, each in id order.
     */
    static List<List<Outcome>> raceTwoSides(ExecutorService threads, int rounds, Side submit) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        List<Future<List<Outcome>>> sides = new ArrayList<>();
        for (int side = 0; side < 2; side++) {
            int warehouse = side;
            sides.add(threads.submit(() -> {
                List<Outcome> outcomes = new ArrayList<>();
                for (long id = 1; id <= rounds; id++) {
                    start.await();
                    outcomes.add(submit.submit(id, warehouse));
                }
                return outcomes;
            }));
        }
        return List.of(sides.get(0).get(), sides.get(1).get());
    }

    /** One side's command of a race: submitted, and its outcome awaited. */
    @FunctionalInterface
    interface Side {
        Outcome submit(long id, int warehouse);
    }

    /** What opens the gate as a test ends, before its engine closes, which waits for the gate's commands. */
    interface Opened extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * A journal that, while shut, holds each command until opened, and that may fail the next command it is given:
     * the commands of its shard stay in flight as long as a test needs.
     */
    static final class Gate implements DurabilityStage {
        private volatile CountDownLatch open = new CountDownLatch(0);
        private volatile boolean failNext;

        void shut() {
            open = new CountDownLatch(1);
        }

        void open() {
            open.countDown();
        }

        void failNext() {
            failNext = true;
        }

        @Override
        public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch)
                throws InterruptedException {
            open.await();
            if (failNext) {
                failNext = false;
                throw new IllegalStateException("the journal's disk is gone");
            }
        }
    }
}
