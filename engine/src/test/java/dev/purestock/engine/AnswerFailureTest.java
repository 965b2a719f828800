package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.OrderStatus;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.purestock.engine.EngineFixtures.failureOf;
import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.purchase;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine failing as it answers a caller (memory running out as it builds an outcome or a task for the callback
 * executor, a bug in its answer path): every caller is still answered, with its command's fate.
 */
class AnswerFailureTest {

    /** Throws an {@link OutOfMemoryError} the first time the engine builds an answer for {@code sequence}. */
    private static CallerAnswers.Fault failOnceAt(int shard, long sequence) {
        AtomicBoolean failed = new AtomicBoolean();
        return (answeringShard, answering) -> {
            if (answeringShard == shard && answering == sequence && failed.compareAndSet(false, true)) {
                throw new OutOfMemoryError("Java heap space (injected as the answer of sequence " + sequence
                        + " is built)");
            }
        };
    }

    private static PurestockEngine.Builder builder(InMemoryJournal journal, CallerAnswers.Fault fault) {
        return PurestockEngine.builder().journal(s -> journal).expireReservationsEvery(Duration.ZERO)
                .answerFault(fault);
    }

    @Test
    void aFutureWhoseOutcomeCouldNotBeBuiltIsFailedNamingItsDurableSequenceAndTheShardGoesOn() {
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = builder(journal, failOnceAt(0, 2)).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 5)).join();
            CompletableFuture<Outcome> lost = engine.submit(purchase(7, 1, 0));
            Outcome next = engine.submit(purchase(8, 1, 0)).join();

            assertTrue(next.accepted(), "the shard goes on: only an answer was lost, not its state or journal");
            assertTrue(lost.isDone(), "the caller whose answer failed is answered, not left waiting");
            OutcomeNotDeliveredException failure = assertInstanceOf(OutcomeNotDeliveredException.class,
                    failureOf(lost));
            assertEquals(0, failure.shard());
            assertEquals(2, failure.sequence());
            assertInstanceOf(OutOfMemoryError.class, failure.getCause());
            assertTrue(failure.getMessage().contains("sequenced this command as 2"), failure.getMessage());
            assertTrue(failure.getMessage().contains("ReadModel.orderStatus"), failure.getMessage());
            assertEquals(OrderStatus.PURCHASED, engine.readModel().orderStatus(7), "its outcome stands");
            assertEquals(new Command.Purchase(7, 7, 1, 0, 1), journal.entries().get(2).command());
            assertEquals(3, engine.readModel().available(1, 0));
            assertTrue(engine.failure().isEmpty());
        }
    }

    @Test
    void callbacksOfBothFormsWhoseOutcomeCouldNotBeBuiltAreFailedOnceNamingTheirSequence() {
        InMemoryJournal journal = new InMemoryJournal();
        CallerAnswers.Fault second = failOnceAt(0, 2);
        CallerAnswers.Fault third = failOnceAt(0, 3);
        try (PurestockEngine engine = builder(journal, (shard, sequence) -> {
            second.answering(shard, sequence);
            third.answering(shard, sequence);
        }).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 5)).join();
            CountingCallback view = new CountingCallback();
            EngineFixtures.FutureCallback records = new EngineFixtures.FutureCallback();
            engine.submitPurchase(7, 7, 1, 0, 1, view);
            engine.submit(purchase(8, 1, 0), records);
            assertTrue(engine.submit(purchase(9, 1, 0)).join().accepted());
            assertTrue(records.future.isDone(), "answered, not left waiting");

            assertEquals(1, view.answers, "answered exactly once");
            assertEquals(2, assertInstanceOf(OutcomeNotDeliveredException.class, view.failure).sequence());
            assertEquals(3, assertInstanceOf(OutcomeNotDeliveredException.class, failureOf(records.future))
                    .sequence());
            assertEquals(OrderStatus.PURCHASED, engine.readModel().orderStatus(8));
            assertEquals(0, engine.consumerFailures(), "the callbacks did not throw; the engine failed to answer");
        }
    }

    @Test
    void aCallerTheShardHadFailedIsStillAnsweredWhenFailingItFailsOnce() {
        InMemoryJournal journal = new InMemoryJournal();
        DurabilityStage failingAtTwo = failingAt(2, journal);
        try (PurestockEngine engine = PurestockEngine.builder().journal(s -> failingAtTwo)
                .expireReservationsEvery(Duration.ZERO).answerFault(failOnceAt(0, Outcome.NOT_SEQUENCED)).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 5)).join();
            CompletableFuture<Outcome> failed = engine.submit(purchase(7, 1, 0));
            Throwable next = failureOf(engine.submit(purchase(8, 1, 0)));

            assertInstanceOf(EngineStoppedException.class, next);
            // the next one is refused at intake, which may be before the completion stage reached the failed slot:
            // a close drains every slot taken, and leaves one the stage lost unanswered
            assertTrue(engine.close(Duration.ofSeconds(30)), "every slot taken was drained");
            assertTrue(failed.isDone(), "the caller whose failure could not be answered at first is answered");
            assertSame(engine.failure().orElseThrow(), failureOf(failed), "with the shard's failure");
        }
    }

    @Test
    void aCallbackWhoseOutcomeCouldNotBeCopiedForTheExecutorIsFailedNamingItsSequence() {
        InMemoryJournal journal = new InMemoryJournal();
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "answers"));
        CallerAnswers.Fault onTheExecutor = failOnceAt(0, 2);
        try (PurestockEngine engine = builder(journal, (shard, sequence) -> {
            if (Thread.currentThread().getName().equals("answers")) {
                onTheExecutor.answering(shard, sequence);
            }
        }).callbackExecutor(executor).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 5)).join();
            EngineFixtures.ViewCallback callback = new EngineFixtures.ViewCallback();
            engine.submit(purchase(7, 1, 0), callback);
            assertTrue(engine.submit(purchase(8, 1, 0)).join().accepted());

            // the executor runs its tasks in turn: the callback's ran before the next future's completion
            assertTrue(callback.future.isDone(), "the callback whose copy failed is answered, not left waiting");
            OutcomeNotDeliveredException failure = assertInstanceOf(OutcomeNotDeliveredException.class,
                    failureOf(callback.future));
            assertEquals(2, failure.sequence());
            assertEquals(0, engine.consumerFailures(), "the callback did not throw; the engine failed to answer");
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void withACallbackExecutorTheFailureOfAnAnswerTheStageCouldNotBuildRunsOnTheExecutor() {
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "answers"));
        try (PurestockEngine engine = builder(new InMemoryJournal(), failOnceAt(0, 1)).callbackExecutor(executor)
                .build()) {
            engine.submit(list(1)).join();
            CompletableFuture<String> failedOn = new CompletableFuture<>();
            engine.submit(receive(1, 1, 0, 5), new OutcomeViewCallback() {
                @Override
                public void onOutcome(OutcomeView outcome) {
                    failedOn.completeExceptionally(new AssertionError("answered with an outcome"));
                }

                @Override
                public void onFailure(Throwable cause) {
                    failedOn.complete(Thread.currentThread().getName() + " " + cause.getClass().getSimpleName());
                }
            });

            assertEquals("answers OutcomeNotDeliveredException", failedOn.join());
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void aCommandForEveryShardWhoseAnswerOneShardCouldNotBuildIsFailedNamingThatShardsSequence() {
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).expireReservationsEvery(Duration.ZERO)
                .answerFault(failOnceAt(1, 0)).build()) {
            CompletableFuture<Outcome> listed = engine.submit(list(1));
            assertTrue(engine.submit(receive(1, 1, 1, 5)).join().accepted());

            OutcomeNotDeliveredException failure = assertInstanceOf(OutcomeNotDeliveredException.class,
                    failureOf(listed));
            assertEquals(1, failure.shard());
            assertEquals(0, failure.sequence());
        }
    }

    @Test
    void aCommandForEveryShardWhoseAnswersCouldNotBeCollectedIsFailedNotLeftWaiting() {
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).expireReservationsEvery(Duration.ZERO)
                .answerFault(failOnceAt(Outcome.ALL_SHARDS, Outcome.NOT_SEQUENCED)).build()) {
            CompletableFuture<Outcome> listed = engine.submit(list(1));
            assertTrue(engine.submit(list(2)).join().accepted(), "every shard answered the first: the engine goes on");

            assertTrue(listed.isDone(), "the caller whose shards' answers could not be collected is answered");
            OutcomeNotDeliveredException failure = assertInstanceOf(OutcomeNotDeliveredException.class,
                    failureOf(listed));
            assertEquals(Outcome.ALL_SHARDS, failure.shard());
            assertInstanceOf(OutOfMemoryError.class, failure.getCause());
        }
    }

    @Test
    void aCloseThatTimedOutAnswersEveryCallerThoughFailingOneOfThemFailedOnce() throws Exception {
        EngineFixtures.StalledStage stalled = new EngineFixtures.StalledStage(new InMemoryJournal());
        PurestockEngine engine = PurestockEngine.builder().journal(s -> stalled).expireReservationsEvery(Duration.ZERO)
                .answerFault(failOnceAt(0, Outcome.NOT_SEQUENCED)).build();
        try {
            CompletableFuture<Outcome> first = engine.submit(list(1));
            stalled.awaitStalled();
            CompletableFuture<Outcome> second = engine.submit(list(2));
            CompletableFuture<Outcome> third = engine.submit(list(3));

            assertFalse(engine.close(Duration.ZERO), "the journal hangs: the drain cannot finish");

            for (CompletableFuture<Outcome> pending : List.of(first, second, third)) {
                assertTrue(pending.isDone(), "every caller is answered by the close, the one it failed once too");
                assertInstanceOf(EngineClosedException.class, failureOf(pending));
            }
        } finally {
            stalled.release();
            engine.close();
        }
    }

    @Test
    void aFollowUpTakenButNotAnsweredCountsAsDroppedNotAsRefused() throws Exception {
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = builder(journal, failOnceAt(0, 3))
                .reaction((command, outcome) -> command instanceof Command.Purchase p && p.orderId() == 7
                        ? Reaction.followUps(new Command.CancelPurchase(7)) : Reaction.none()).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 5)).join();
            engine.submit(purchase(7, 1, 0)).join();

            assertTrue(engine.reactions().awaitIdle(Duration.ofSeconds(30)));
            assertEquals(OrderStatus.CANCELLED, engine.readModel().orderStatus(7), "the follow-up was taken");
            assertEquals(0, engine.reactions().followUpsFailed(), "nothing was refused");
            assertEquals(1, engine.reactions().dropped(), "the reactions to the follow-up did not run");
        }
    }

    @Test
    void aCallbackThatThrewAsMemoryRanOutIsNotAnsweredAgainWhenIsolatingItFailsToo() {
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().journal(s -> journal)
                .expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(list(1)).join();
            AtomicInteger outcomes = new AtomicInteger();
            AtomicInteger failures = new AtomicInteger();
            engine.submit(receive(1, 1, 0, 5), new OutcomeViewCallback() {
                @Override
                public void onOutcome(OutcomeView outcome) {
                    outcomes.incrementAndGet();
                    throw new UnloggableError();
                }

                @Override
                public void onFailure(Throwable cause) {
                    failures.incrementAndGet();
                }
            });
            assertTrue(engine.submit(purchase(7, 1, 0)).join().accepted(), "the shard goes on");

            assertEquals(1, outcomes.get());
            assertEquals(0, failures.get(), "called once: the callback had its outcome, and threw on its own");
        }
    }

    @Test
    void aFailureCallbackThatThrewAsMemoryRanOutIsNotFailedAgainWhenIsolatingItFailsToo() {
        InMemoryJournal journal = new InMemoryJournal();
        DurabilityStage failingAtOne = failingAt(1, journal);
        try (PurestockEngine engine = PurestockEngine.builder().journal(s -> failingAtOne)
                .expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(list(1)).join();
            AtomicInteger outcomes = new AtomicInteger();
            AtomicInteger failures = new AtomicInteger();
            engine.submit(receive(1, 1, 0, 5), new OutcomeViewCallback() {
                @Override
                public void onOutcome(OutcomeView outcome) {
                    outcomes.incrementAndGet();
                }

                @Override
                public void onFailure(Throwable cause) {
                    failures.incrementAndGet();
                    throw new UnloggableError();
                }
            });
            assertInstanceOf(EngineStoppedException.class, failureOf(engine.submit(purchase(7, 1, 0))));
            assertTrue(engine.close(Duration.ofSeconds(30)), "every slot answered");

            assertEquals(0, outcomes.get());
            assertEquals(1, failures.get(), "failed once: the callback threw on its own");
        }
    }

    /**
     * What a callback throws as the heap runs out, which cannot be logged either: writing it out (its text, its stack)
     * runs out of memory too.
     */
    private static final class UnloggableError extends OutOfMemoryError {
        UnloggableError() {
            super("Java heap space (injected in a callback)");
        }

        @Override
        public String toString() {
            throw new OutOfMemoryError("Java heap space (injected as the callback's error is logged)");
        }
    }

    /** Counts its answers; keeps the failure. Called on the completion thread, read after a later join. */
    private static final class CountingCallback implements OutcomeViewCallback {
        private volatile int answers;
        private volatile Throwable failure;

        @Override
        public void onOutcome(OutcomeView outcome) {
            answers++;
        }

        @Override
        public void onFailure(Throwable cause) {
            failure = cause;
            answers++;
        }
    }

    /** A journal that fails on {@code failAt} with a full disk and keeps every other record in {@code journal}. */
    private static DurabilityStage failingAt(long failAt, InMemoryJournal journal) {
        return new DurabilityStage() {
            @Override
            public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch)
                    throws Exception {
                if (sequence == failAt) {
                    throw new IOException("disk full at sequence " + failAt);
                }
                journal.onDecided(sequence, time, command, events, endOfBatch);
            }
        };
    }
}
