package dev.purestock.engine;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import com.lmax.disruptor.util.DaemonThreadFactory;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A publisher waiting for space in a full ring is woken by the last stage once a quarter of the ring is free, not
 * before, and by a timed-out close at once; its park never runs out in these tests, so only a wake-up ends it.
 */
class RingSpaceTest {
    private static final int RING = 16;
    /** As good as ever: a waiter that returns was woken. */
    private static final long FOREVER = TimeUnit.HOURS.toNanos(1);

    private final RingBuffer<CommandSlot> ring = RingBuffer.createMultiProducer(CommandSlot::new, RING);
    private final Sequence last = new Sequence(-1);
    private final RingSpace space = new RingSpace(RING, FOREVER);

    RingSpaceTest() {
        ring.addGatingSequences(last);
        for (int i = 0; i < RING; i++) {
            ring.publish(ring.next());
        }
    }

    @Test
    void aWaiterIsWokenOnceTheLastStageHasFreedAQuarterOfTheRing() throws Exception {
        CompletableFuture<Void> waited = waiter();
        awaitWaiting(1);

        int quarter = RING / 4;
        for (long passed = 0; passed < quarter - 1; passed++) {
            last.setVolatile(passed);
            assertEquals(0, space.passed(passed), "woken with " + (passed + 1) + " of " + RING + " slots free");
        }
        // not asserted: that the waiter is still parked here; a park may return spuriously, and the counts above say
        // that nothing woke it
        last.setVolatile(quarter - 1);
        assertEquals(1, space.passed(quarter - 1), "a quarter of the ring is free");
        waited.get(1, TimeUnit.MINUTES);
        assertEquals(0, space.waiting());
        assertTrue(ring.hasAvailableCapacity(quarter));
    }

    /**
     * The expiry timer waits for the few slots its time commands need, not a quarter of the ring: woken when the
     * producers, waiting for a quarter, are not yet, it gets in before they take the room. Woken with them, it lost
     * the race to producers that a loaded machine ran first, nearly every time.
     */
    @Test
    void aWaiterForFewerSlotsIsWokenOnceTheyAreFreeBeforeTheWaitersForAQuarter() throws Exception {
        CompletableFuture<Void> producer = waiter();
        CompletableFuture<Void> timer = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            space.await(ring, 2);
            timer.complete(null);
        });
        awaitWaiting(2);

        last.setVolatile(0);
        assertEquals(0, space.passed(0), "one slot free");
        last.setVolatile(1);
        assertEquals(1, space.passed(1), "two slots free: the timer's");
        timer.get(1, TimeUnit.MINUTES);
        last.setVolatile(RING / 4 - 1);
        assertEquals(1, space.passed(RING / 4 - 1), "a quarter free: the producer's");
        producer.get(1, TimeUnit.MINUTES);
        assertEquals(0, space.waiting());
    }

    /**
     * A publisher whose thread was interrupted (a request cancelled with {@code Future.cancel(true)}, a pool shut down
     * with {@code shutdownNow}) waits parked all the same, and keeps its interrupt: a park returns at once while the
     * thread's interrupt status is set, so the waiter used to return without waiting and try again, spinning a whole
     * core until the stages freed the space (taking it from those stages).
     */
    @Test
    void anInterruptedWaiterParksUntilWokenAndKeepsItsInterrupt() throws Exception {
        CompletableFuture<Boolean> interruptKept = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            Thread.currentThread().interrupt();
            space.await(ring);
            interruptKept.complete(Thread.currentThread().isInterrupted());
        });
        while (space.waiting() < 1 && !interruptKept.isDone()) {
            Thread.onSpinWait();
        }
        assertFalse(interruptKept.isDone(), "the interrupted waiter returned without being woken");

        last.setVolatile(RING / 4 - 1);
        assertEquals(1, space.passed(RING / 4 - 1), "the waiter was parked until a quarter of the ring was free");
        assertTrue(interruptKept.get(1, TimeUnit.MINUTES), "the waiter's interrupt is kept for its caller");
        assertEquals(0, space.waiting());
    }

    @Test
    void aWaiterThatFindsTheSpaceFreedAsItSaysItWaitsDoesNotPark() throws Exception {
        last.setVolatile(RING / 4 - 1);
        // the ring was full when the publisher tried; by the time it waits a quarter is free again: it returns at once
        space.await(ring);
        assertEquals(0, space.waiting());
    }

    @Test
    void everyWaiterIsWokenForAClose() throws Exception {
        CompletableFuture<Void> first = waiter();
        CompletableFuture<Void> second = waiter();
        awaitWaiting(2);

        assertEquals(2, space.abandon());
        first.get(1, TimeUnit.MINUTES);
        second.get(1, TimeUnit.MINUTES);
        assertEquals(0, space.waiting());
    }

    @Test
    void aPublisherThatComesToWaitAfterTheCloseWokeTheWaitersDoesNotPark() throws Exception {
        // a timed-out close wakes the waiters once; a publisher that looked at the abandon just before it, and takes
        // its place just after, finds nobody to wake it: it must not park, or the close waits for it the whole park
        space.abandon();
        waiter().get(1, TimeUnit.MINUTES);
        assertEquals(0, space.waiting());
    }

    /**
     * The Disruptor sets the sequence of a stage that threw at the failed slot once the stage's exception handler
     * returns, and the end of that batch never reached the stage: a throw on the slot that ends a batch, the last
     * one published, freed the ring and woke nobody. Here the last stage takes the whole full ring as one batch and
     * throws on its last slot.
     */
    @Test
    void aWaiterIsWokenWhenTheLastStageThrowsOnTheSlotThatEndsItsBatch() throws Exception {
        Disruptor<CommandSlot> disruptor = new Disruptor<>(CommandSlot::new, RING, DaemonThreadFactory.INSTANCE,
                ProducerType.MULTI, new BlockingWaitStrategy());
        RingSpace stageSpace = new RingSpace(RING, FOREVER);
        EventHandler<CommandSlot> last = stageSpace.freedBy((slot, sequence, endOfBatch) -> {
            if (sequence == RING - 1) {
                throw new IllegalStateException("the last stage failed on " + sequence);
            }
        });
        CompletableFuture<Long> failedAt = new CompletableFuture<>();
        ExceptionHandler<CommandSlot> recordFailure = new ExceptionHandler<>() {
            @Override
            public void handleEventException(Throwable ex, long sequence, CommandSlot event) {
                failedAt.complete(sequence);
            }

            @Override
            public void handleOnStartException(Throwable ex) {
                failedAt.completeExceptionally(ex);
            }

            @Override
            public void handleOnShutdownException(Throwable ex) {
                failedAt.completeExceptionally(ex);
            }
        };
        disruptor.handleEventsWith(last);
        disruptor.handleExceptionsFor(last).with(PassingStage.exceptions(last, recordFailure));
        RingBuffer<CommandSlot> full = disruptor.getRingBuffer();
        for (int i = 0; i < RING; i++) {
            full.publish(full.next()); // before the stage starts: it takes them as one batch
        }
        CompletableFuture<Void> waited = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            stageSpace.await(full);
            waited.complete(null);
        });
        while (stageSpace.waiting() < 1) {
            Thread.onSpinWait();
        }
        disruptor.start();
        try {
            waited.get(1, TimeUnit.MINUTES);
            assertEquals(RING - 1, failedAt.get(1, TimeUnit.MINUTES));
            assertTrue(full.hasAvailableCapacity(RING));
        } finally {
            disruptor.halt();
        }
    }

    @Test
    void anEngineWhoseProducersWaitForSpaceAnswersEveryCommand() {
        int producers = RingSpace.SLOTS + 4; // more than can wait to be woken: the rest poll
        int each = 200;
        try (PurestockEngine engine = PurestockEngine.builder().ringSize(8).build()) {
            engine.submit(EngineFixtures.list(7)).join();
            engine.submit(EngineFixtures.receive(1, 7, 0, producers * each)).join();
            List<CompletableFuture<Long>> done = new ArrayList<>(producers);
            for (int p = 0; p < producers; p++) {
                long first = 1_000L + (long) p * each;
                done.add(CompletableFuture.supplyAsync(() -> {
                    List<CompletableFuture<Outcome>> outcomes = new ArrayList<>(each);
                    for (long order = first; order < first + each; order++) {
                        outcomes.add(engine.submit(EngineFixtures.purchase(order, 7, 0)));
                    }
                    return outcomes.stream().filter(outcome -> outcome.join().accepted()).count();
                }, runnable -> Thread.ofPlatform().start(runnable)));
            }
            for (CompletableFuture<Long> accepted : done) {
                assertEquals(each, accepted.join());
            }
            assertEquals(0, engine.readModel().available(7, 0));
        }
    }

    @Test
    void aSingleProducerThatKeepsItsRingFullIsAnsweredEveryCommand() {
        int commands = 2_000;
        try (PurestockEngine engine = PurestockEngine.builder().ringSize(8).producerMode(ProducerMode.SINGLE)
                .expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(EngineFixtures.list(7)).join();
            engine.submit(EngineFixtures.receive(1, 7, 0, commands)).join();
            List<CompletableFuture<Outcome>> outcomes = new ArrayList<>(commands);
            for (long order = 1_000; order < 1_000 + commands; order++) {
                outcomes.add(engine.submit(EngineFixtures.purchase(order, 7, 0)));
            }
            assertEquals(commands, outcomes.stream().filter(outcome -> outcome.join().accepted()).count());
            assertEquals(0, engine.readModel().available(7, 0));
        }
    }

    private CompletableFuture<Void> waiter() {
        CompletableFuture<Void> waited = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            space.await(ring);
            waited.complete(null);
        });
        return waited;
    }

    private void awaitWaiting(int waiters) {
        while (space.waiting() < waiters) {
            Thread.onSpinWait();
        }
    }
}
