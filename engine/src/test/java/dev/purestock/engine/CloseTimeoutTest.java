package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Line;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.purestock.engine.EngineFixtures.failureOf;
import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PurestockEngine#close(Duration)}: a drain that finishes in time closes as {@code close()} does; one
 * that does not answers every pending caller exactly once with an {@link EngineClosedException}, acknowledges
 * nothing, and leaves the stage that hung to close itself when it comes back. A journal that blocks on a latch
 * the test holds makes the drain time out whatever the machine's speed.
 */
class CloseTimeoutTest {

    /** A journal that blocks on its first command until released, and counts down when it is closed. */
    private static final class HangingJournal implements DurabilityStage {
        final InMemoryJournal journal = new InMemoryJournal();
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch)
                throws Exception {
            reached.countDown();
            release.await();
            journal.onDecided(sequence, time, command, events, endOfBatch);
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }

    /** Counts how it was answered. */
    private static final class CountingCallback implements OutcomeViewCallback {
        final AtomicInteger outcomes = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();
        volatile Throwable failure;

        @Override
        public void onOutcome(OutcomeView outcome) {
            outcomes.incrementAndGet();
        }

        @Override
        public void onFailure(Throwable cause) {
            failure = cause;
            failures.incrementAndGet();
        }
    }

    @Test
    void aDrainThatTimesOutAnswersEveryPendingCallerOnceAndAcknowledgesNothing() throws Exception {
        HangingJournal hanging = new HangingJournal();
        PurestockEngine engine = PurestockEngine.builder().ringSize(4).journal(shard -> hanging)
                .expireReservationsEvery(Duration.ZERO).build();
        CompletableFuture<Outcome> first = engine.submit(list(1));
        hanging.reached.await();
        CompletableFuture<Outcome> second = engine.submit(receive(1, 1, 0, 5));
        CountingCallback third = new CountingCallback();
        engine.submit(list(2), third);
        CompletableFuture<Long> digest = engine.digest(0);
        // the ring (4 slots) is full now: a fifth submitter waits for space the hanging journal never frees
        CompletableFuture<CompletableFuture<Outcome>> fifth = CompletableFuture.supplyAsync(() -> engine.submit(list(3)));

        assertFalse(engine.close(Duration.ofMillis(50)), "the journal hangs: the drain cannot finish");

        for (CompletableFuture<?> pending : List.of(first, second, digest, fifth.join())) {
            assertInstanceOf(EngineClosedException.class, failureOf(pending));
        }
        assertTrue(failureOf(first).getMessage().startsWith("close(PT0.05S) timed out before shard 0 answered this "
                + "command"), failureOf(first).getMessage());
        assertEquals(1, third.failures.get());
        assertInstanceOf(EngineClosedException.class, third.failure);
        assertEquals(0, hanging.journal.size(), "nothing reached the journal while it hung");
        assertTrue(engine.liveStageThreads().stream().anyMatch(name -> name.endsWith("-journal")),
                "the hanging stage's thread is left to come back by itself");

        assertFalse(engine.close(Duration.ofSeconds(1)), "a second bounded close returns what the first did");

        CompletableFuture<Void> unboundedClose = CompletableFuture.runAsync(engine::close);
        hanging.release.countDown();
        unboundedClose.join(); // close() after a timed-out close waits for the stages it left busy
        assertEquals(0, hanging.closed.getCount(), "the journal was closed, on its own thread, once its call returned");
        assertEquals(List.of(), engine.liveStageThreads());
        assertEquals(0, third.outcomes.get(), "a caller answered by the close is never answered again");
        assertEquals(1, third.failures.get());
        assertEquals(1, hanging.journal.size(), "only the command the journal held when it hung reached it; no "
                + "later one was handed to it");
        assertInstanceOf(EngineClosedException.class, failureOf(engine.submit(list(4))));
    }

    @Test
    void aDrainThatFinishesInTimeClosesAsCloseDoes() throws Exception {
        HangingJournal hanging = new HangingJournal();
        PurestockEngine engine = PurestockEngine.builder().journal(shard -> hanging)
                .expireReservationsEvery(Duration.ZERO).build();
        CompletableFuture<Outcome> first = engine.submit(list(1));
        CompletableFuture<Outcome> second = engine.submit(receive(1, 1, 0, 5));
        hanging.reached.await();
        CompletableFuture<Boolean> closing = CompletableFuture.supplyAsync(() -> engine.close(Duration.ofMinutes(5)));
        hanging.release.countDown();

        assertTrue(closing.join(), "the journal came back long before the timeout");
        assertEquals(0, first.join().sequence());
        assertEquals(1, second.join().sequence());
        assertEquals(2, hanging.journal.size());
        assertEquals(0, hanging.closed.getCount(), "closed before close returned");
        assertEquals(List.of(), engine.liveStageThreads());
        assertTrue(engine.close(Duration.ZERO));
    }

    @Test
    void anEngineWithNothingPendingDrains() {
        PurestockEngine unused = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build();
        assertTrue(unused.close(Duration.ZERO), "nothing was ever submitted, so nothing is pending even at once");
        assertEquals(List.of(), unused.liveStageThreads());

        PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build();
        assertEquals(0, engine.submit(list(1)).join().sequence());
        assertThrows(IllegalArgumentException.class, () -> engine.close(Duration.ofSeconds(-1)));
        assertTrue(engine.close(Duration.ofMinutes(5)));
        assertEquals(List.of(), engine.liveStageThreads());
    }

    /**
     * An answer given without sequencing (here an order across shards) runs the caller's callback on the submitting
     * thread; a close whose time runs out used to wait, without bound, for that submission to leave the intake
     * gate, and so for the callback. The callback now runs outside the gate.
     */
    @Test
    void aTimedOutCloseReturnsWhileACallbackOnTheSubmittingThreadBlocks() throws Exception {
        PurestockEngine engine = PurestockEngine.builder().shards(2).expireReservationsEvery(Duration.ZERO).build();
        CountDownLatch inCallback = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Command crossShard = new Command.PlaceOrder(1, 1, List.of(new Line(1, 0, 1), new Line(1, 1, 1)));
        Thread submitter = new Thread(() -> engine.submit(crossShard, new OutcomeViewCallback() {
            @Override
            public void onOutcome(OutcomeView outcome) {
                inCallback.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void onFailure(Throwable cause) {
            }
        }));
        submitter.start();
        try {
            inCallback.await();
            CompletableFuture<Boolean> closing = CompletableFuture.supplyAsync(() -> engine.close(Duration.ofMillis(100)));
            assertTrue(closing.get(1, TimeUnit.MINUTES), "closed, the callback still blocked");
            assertEquals(1, release.getCount(), "the callback had not returned");
        } finally {
            release.countDown();
            submitter.join();
        }
        assertEquals(SubmitResult.CLOSED, engine.trySubmit(list(2), new EngineFixtures.ViewCallback()));
    }

    /**
     * A close that ran out of time, failing to build the failure of one shard's unanswered callers (memory running
     * out), still answers them, with a failure prepared beforehand, and every other shard's, and still stops the
     * stages: the throw left the close before the shards after it were answered and before any stage was told to
     * stop, so a later {@code close()} waited for ever for stages that were never stopped.
     */
    @ParameterizedTest(name = "an Error: {0}")
    @ValueSource(booleans = {false, true})
    void aTimedOutCloseThatFailsToBuildAShardsFailureStillAnswersEveryCallerAndStopsTheStages(boolean error)
            throws Exception {
        Throwable failure = error ? new OutOfMemoryError("Java heap space") : new IllegalStateException("no room");
        EngineFixtures.StalledStage[] stalled = {new EngineFixtures.StalledStage(new InMemoryJournal()),
                new EngineFixtures.StalledStage(new InMemoryJournal())};
        PurestockEngine engine = PurestockEngine.builder().shards(2).expireReservationsEvery(Duration.ZERO)
                .journal(shard -> stalled[shard])
                .abandonFault(shard -> {
                    if (shard == 0) {
                        EngineFixtures.rethrow(failure);
                    }
                }).build();
        try {
            CompletableFuture<Outcome> onShardZero = engine.submit(receive(1, 1, 0, 5));
            CompletableFuture<Outcome> onShardOne = engine.submit(receive(2, 1, 1, 5));
            stalled[0].awaitStalled();
            stalled[1].awaitStalled();

            assertFalse(assertDoesNotThrow(() -> engine.close(Duration.ZERO)), "the drain timed out");
            assertEquals("the purestock engine's close timed out before this command was answered: the engine was "
                    + "closed without it being acknowledged (it may still have reached the journal; after a restart, "
                    + "resubmit it: its order id makes a repeat idempotent)", failureOf(onShardZero).getMessage());
            assertEquals("close(PT0S) timed out before shard 1 answered this command: the engine was closed without "
                    + "it being acknowledged (it may still have reached the journal; after a restart, resubmit it: its "
                    + "order id makes a repeat idempotent)", failureOf(onShardOne).getMessage());
        } finally {
            stalled[0].release();
            stalled[1].release();
        }
        engine.close(); // returns once the stages, told to stop, come back from the journals and stop
        assertEquals(List.of(), engine.liveStageThreads());
    }

    /**
     * A command for every shard, submitted by a thread that may wait, is published one shard after another. A close
     * whose time ran out between two of them (it found the submitter inside the intake gate) stops it publishing to
     * the shards left, and the shards it reached answered it: the caller was never answered, since its answer waits
     * for every shard. The race is narrow, so rounds repeat it; every broadcast must be answered once the engine is
     * closed.
     */
    @Test
    void aBroadcastThatATimedOutCloseStopsBetweenShardsIsAnswered() throws Exception {
        for (int round = 0; round < 150; round++) {
            PurestockEngine engine = PurestockEngine.builder().shards(2).expireReservationsEvery(Duration.ZERO).build();
            List<CompletableFuture<Outcome>> broadcasts = new ArrayList<>();
            CountDownLatch going = new CountDownLatch(1);
            Thread broadcaster = Thread.ofPlatform().start(() -> {
                for (long sku = 1; ; sku++) {
                    CompletableFuture<Outcome> answer = engine.submit(list(sku));
                    broadcasts.add(answer);
                    going.countDown();
                    if (answer.isCompletedExceptionally()) {
                        return; // refused at intake: the engine is closed
                    }
                }
            });
            going.await();
            engine.close(Duration.ZERO);
            broadcaster.join();
            engine.close(); // the stages have stopped: every answer they give is given
            for (int i = 0; i < broadcasts.size(); i++) {
                assertTrue(broadcasts.get(i).isDone(), "round " + round + ": broadcast " + i + " of "
                        + broadcasts.size() + " was never answered");
            }
        }
    }
}
