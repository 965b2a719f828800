package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The flyweight answer path: what an {@link OutcomeViewCallback} reads, and that it reads it only in the call. */
class OutcomeViewTest {
    private static final long SKU = 7;
    private static final int WAREHOUSE = 0;

    /** What a view said during its call, copied out. */
    private record Seen(int shard, long sequence, boolean accepted, RejectionReason reason, long ref, int events,
                        List<long[]> lines, Outcome outcome) {
    }

    /** A view callback that copies what it reads into a future. */
    private static final class Capture implements OutcomeViewCallback {
        final CompletableFuture<Seen> seen = new CompletableFuture<>();

        @Override
        public void onOutcome(OutcomeView outcome) {
            List<long[]> lines = new ArrayList<>();
            for (int i = 0; i < outcome.lineCount(); i++) {
                lines.add(new long[]{outcome.lineSku(i), outcome.lineWarehouse(i), outcome.lineQuantity(i),
                        outcome.lineAvailable(i), outcome.lineCustomerUnits(i)});
            }
            seen.complete(new Seen(outcome.shard(), outcome.sequence(), outcome.accepted(), outcome.reason(),
                    outcome.rejectionRef(), outcome.eventCount(), lines, outcome.toOutcome()));
        }

        @Override
        public void onFailure(Throwable cause) {
            seen.completeExceptionally(cause);
        }
    }

    private static Seen submit(PurestockEngine engine, Command command) {
        Capture capture = new Capture();
        engine.submit(command, capture);
        return capture.seen.join();
    }

    private static PurestockEngine stockedEngine(long units) {
        PurestockEngine engine = PurestockEngine.builder().build();
        engine.submit(list(SKU)).join();
        engine.submit(receive(1, SKU, WAREHOUSE, units)).join();
        return engine;
    }

    @Test
    void anAcceptedPurchaseShowsItsSequenceAndTheStockItLeft() {
        try (PurestockEngine engine = stockedEngine(10)) {
            Seen seen = submit(engine, new Command.Purchase(100, 5, SKU, WAREHOUSE, 3));

            assertEquals(0, seen.shard());
            assertEquals(2, seen.sequence());
            assertTrue(seen.accepted());
            assertNull(seen.reason());
            assertEquals(-1, seen.ref());
            assertEquals(1, seen.events());
            assertEquals(1, seen.lines().size());
            assertEquals(List.of(SKU, (long) WAREHOUSE, 3L, 7L, 3L), boxed(seen.lines().getFirst()));
            assertEquals(List.of(new Event.AlreadyApplied(100)),
                    engine.submit(new Command.Purchase(100, 5, SKU, WAREHOUSE, 3)).join().events());
            assertTrue(seen.outcome().events().getFirst() instanceof Event.PurchaseAccepted);
        }
    }

    @Test
    void aRejectedPurchaseShowsItsReasonAndOrderAndNoLines() {
        try (PurestockEngine engine = stockedEngine(2)) {
            Seen seen = submit(engine, new Command.Purchase(100, 5, SKU, WAREHOUSE, 3));

            assertFalse(seen.accepted());
            assertEquals(Reason.OUT_OF_STOCK, seen.reason());
            assertEquals(100, seen.ref());
            assertEquals(0, seen.lines().size());
            assertEquals(List.of(new Event.Rejected(Reason.OUT_OF_STOCK, 100)), seen.outcome().events());
        }
    }

    @Test
    void anAbortedAtomicBatchShowsTheRejectedMembersReason() {
        try (PurestockEngine engine = stockedEngine(2)) {
            Seen seen = submit(engine, new Command.Batch(Command.Batch.Mode.ATOMIC, List.of(
                    new Command.Purchase(100, 5, SKU, WAREHOUSE, 1),
                    new Command.Purchase(101, 5, SKU, WAREHOUSE, 5))));

            assertFalse(seen.accepted());
            assertEquals(Reason.OUT_OF_STOCK, seen.reason());
            assertEquals(101, seen.ref());
            assertEquals(List.of(new Event.BatchAborted(1, Reason.OUT_OF_STOCK, 101)), seen.outcome().events());
        }
    }

    @Test
    void aCommandTheEngineRefusesReadsLikeADomainRejection() {
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).build()) {
            engine.submit(list(SKU)).join();
            engine.submit(receive(1, SKU, 0, 5)).join();
            engine.submit(receive(2, SKU, 1, 5)).join();
            Seen seen = submit(engine, new Command.PlaceOrder(100, 5, List.of(new Line(SKU, 0, 1), new Line(SKU, 1, 1))));

            assertFalse(seen.accepted());
            assertEquals(EngineRefusal.CROSS_SHARD, seen.reason());
            assertEquals(24, seen.reason().code());
            assertEquals(EngineRefusal.CROSS_SHARD.description(), seen.reason().description());
            assertEquals(100, seen.ref());
            assertEquals(Outcome.NOT_SEQUENCED, seen.sequence());
            assertEquals(new Outcome(Outcome.NOT_SEQUENCED, Outcome.NOT_SEQUENCED, seen.outcome().time(),
                    List.of(new Event.Rejected(EngineRefusal.CROSS_SHARD, 100))), seen.outcome());
            assertEquals(seen.reason(), seen.outcome().reason().orElseThrow());
            assertEquals(seen.ref(), seen.outcome().rejectionRef());
        }
    }

    @Test
    void aCommandRefusedAtIntakeIsAnsweredThroughAViewToo() {
        List<Line> lines = new ArrayList<>();
        for (int i = 0; i <= Limits.MAX_LINES; i++) {
            lines.add(new Line(i, WAREHOUSE, 1));
        }
        try (PurestockEngine engine = stockedEngine(2)) {
            Seen seen = submit(engine, new Command.PlaceOrder(100, 5, lines));

            assertEquals(Outcome.NOT_SEQUENCED, seen.shard());
            assertEquals(Outcome.NOT_SEQUENCED, seen.sequence());
            assertEquals(Reason.TOO_MANY_LINES, seen.reason());
            assertEquals(100, seen.ref());
        }
    }

    @Test
    void aViewKeptBeyondItsCallIsRefused() {
        AtomicReference<OutcomeView> kept = new AtomicReference<>();
        CountDownLatch answered = new CountDownLatch(1);
        try (PurestockEngine engine = stockedEngine(2)) {
            engine.submit(new Command.Purchase(100, 5, SKU, WAREHOUSE, 1), new OutcomeViewCallback() {
                @Override
                public void onOutcome(OutcomeView outcome) {
                    kept.set(outcome);
                    answered.countDown();
                }

                @Override
                public void onFailure(Throwable cause) {
                    answered.countDown();
                }
            });
            engine.submit(new Command.Purchase(101, 5, SKU, WAREHOUSE, 1)).join();
            assertEquals(0, answered.getCount());
            assertThrows(IllegalStateException.class, () -> kept.get().accepted());
            assertThrows(IllegalStateException.class, () -> kept.get().lineAvailable(0));
        }
    }

    @Test
    void fourProducersRacingThroughViewsForOneHundredUnitsBuyExactlyOneHundred() throws Exception {
        int producers = 4;
        int attemptsEach = 100;
        AtomicLong accepted = new AtomicLong();
        AtomicLong outOfStock = new AtomicLong();
        AtomicLong lowestLeft = new AtomicLong(Long.MAX_VALUE);
        CountDownLatch answered = new CountDownLatch(producers * attemptsEach);
        OutcomeViewCallback callback = new OutcomeViewCallback() {
            @Override
            public void onOutcome(OutcomeView outcome) {
                if (outcome.accepted()) {
                    accepted.incrementAndGet();
                    lowestLeft.accumulateAndGet(outcome.lineAvailable(0), Math::min);
                } else if (outcome.reason() == Reason.OUT_OF_STOCK) {
                    outOfStock.incrementAndGet();
                }
                answered.countDown();
            }

            @Override
            public void onFailure(Throwable cause) {
                answered.countDown();
            }
        };
        try (PurestockEngine engine = stockedEngine(100)) {
            Thread[] threads = new Thread[producers];
            for (int p = 0; p < producers; p++) {
                int first = p * attemptsEach;
                threads[p] = Thread.ofPlatform().start(() -> {
                    for (int i = first; i < first + attemptsEach; i++) {
                        engine.submit(new Command.Purchase(1_000 + i, i, SKU, WAREHOUSE, 1), callback);
                    }
                });
            }
            for (Thread thread : threads) {
                thread.join();
            }
            answered.await();

            assertEquals(100, accepted.get());
            assertEquals(producers * attemptsEach - 100, outOfStock.get());
            assertEquals(0, lowestLeft.get());
            assertEquals(0, engine.readModel().available(SKU, WAREHOUSE));
        }
    }

    private static List<Long> boxed(long[] values) {
        List<Long> boxed = new ArrayList<>();
        for (long value : values) {
            boxed.add(value);
        }
        return boxed;
    }
}
