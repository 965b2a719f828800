package dev.purestock.engine;

import dev.purestock.domain.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.purestock.engine.EngineFixtures.failureOf;
import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.purchase;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Builder.callbackExecutor}: every answer to a caller (callbacks of both forms, futures and their
 * non-async continuations, failures) runs on the executor; a callback that throws there is isolated; without
 * one, answers run on the shard's completion thread.
 */
class CallbackExecutorTest {
    private static final String ANSWERS = "test-answers";
    private final ExecutorService executor = Executors.newSingleThreadExecutor(task -> new Thread(task, ANSWERS));

    @AfterEach
    void stopExecutor() {
        executor.shutdownNow();
    }

    /** Records where and what it was answered with. */
    private static final class Recording implements OutcomeViewCallback {
        final CompletableFuture<String> thread = new CompletableFuture<>();
        volatile long sequence = -1;
        volatile boolean accepted;
        volatile OutcomeView view;

        @Override
        public void onOutcome(OutcomeView outcome) {
            sequence = outcome.sequence();
            accepted = outcome.accepted();
            view = outcome;
            thread.complete(Thread.currentThread().getName());
        }

        @Override
        public void onFailure(Throwable cause) {
            thread.complete(Thread.currentThread().getName() + " failed: " + cause.getClass().getSimpleName());
        }
    }

    @Test
    void callbacksAndFuturesAreAnsweredOnTheExecutor() {
        try (PurestockEngine engine = PurestockEngine.builder().callbackExecutor(executor)
                .expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10)).join();

            Recording view = new Recording();
            engine.submit(purchase(1, 1, 0), view);
            assertEquals(ANSWERS, view.thread.join(), "a view callback runs on the executor");
            assertEquals(2, view.sequence);
            assertTrue(view.accepted);
            assertThrows(IllegalStateException.class, view.view::sequence, "the view is valid only during the call");

            Recording fields = new Recording();
            engine.submitPurchase(2, 2, 1, 0, 1, fields);
            assertEquals(ANSWERS, fields.thread.join(), "the garbage-free field form too");

            CompletableFuture<String> recordThread = new CompletableFuture<>();
            engine.submit(purchase(3, 1, 0), new OutcomeCallback() {
                @Override
                public void onOutcome(int shard, long sequence, long time, List<Event> events) {
                    recordThread.complete(Thread.currentThread().getName());
                }

                @Override
                public void onFailure(Throwable cause) {
                    recordThread.completeExceptionally(cause);
                }
            });
            assertEquals(ANSWERS, recordThread.join(), "a record callback runs on the executor");
        }
    }

    @Test
    void aFuturesContinuationsRunOnTheExecutor() throws Exception {
        try (PurestockEngine engine = PurestockEngine.builder().callbackExecutor(executor)
                .expireReservationsEvery(Duration.ZERO).build()) {
            CountDownLatch hold = new CountDownLatch(1);
            executor.execute(() -> awaitQuietly(hold)); // the answer waits behind this until the continuation is on
            CompletableFuture<String> continuation = engine.submit(list(1))
                    .thenApply(outcome -> Thread.currentThread().getName());
            hold.countDown();
            assertEquals(ANSWERS, continuation.join());
        }
    }

    @Test
    void aCallbackThatThrowsOnTheExecutorIsIsolated() {
        try (PurestockEngine engine = PurestockEngine.builder().callbackExecutor(executor)
                .expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(list(1), new OutcomeViewCallback() {
                @Override
                public void onOutcome(OutcomeView outcome) {
                    throw new IllegalStateException("callback bug");
                }

                @Override
                public void onFailure(Throwable cause) {
                }
            });
            Recording next = new Recording();
            engine.submit(list(2), next); // the one executor thread runs it after the one that threw
            assertEquals(ANSWERS, next.thread.join());
            assertEquals(1, next.sequence, "the engine went on");
            assertEquals(1, engine.consumerFailures());
        }
    }

    @Test
    void failuresAreAnsweredOnTheExecutorToo() {
        PurestockEngine engine = PurestockEngine.builder().callbackExecutor(executor)
                .expireReservationsEvery(Duration.ZERO).build();
        engine.close();
        Recording refused = new Recording();
        engine.submit(list(1), refused);
        assertEquals(ANSWERS + " failed: EngineClosedException", refused.thread.join());
        assertInstanceOf(EngineClosedException.class, failureOf(engine.submit(list(1))));
    }

    @Test
    void withoutAnExecutorTheShardsCompletionThreadAnswers() {
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build()) {
            Recording view = new Recording();
            engine.submit(list(1), view);
            assertEquals("purestock-shard-0-complete", view.thread.join());
        }
    }

    @Test
    void anExecutorThatRefusesLeavesNoCallerUnanswered() {
        try (PurestockEngine engine = PurestockEngine.builder()
                .callbackExecutor(task -> {
                    throw new RejectedExecutionException("shut down");
                })
                .expireReservationsEvery(Duration.ZERO).build()) {
            Recording view = new Recording();
            engine.submit(list(1), view);
            assertEquals("purestock-shard-0-complete", view.thread.join(), "answered in place instead");
            assertEquals(1, engine.submit(list(2)).join().sequence());
        }
    }

    @Test
    void anExecutorThatBreaksItsContractLeavesNoCallerUnanswered() {
        try (PurestockEngine engine = PurestockEngine.builder()
                .callbackExecutor(task -> {
                    throw new IllegalStateException("a pool that throws what it should not");
                })
                .expireReservationsEvery(Duration.ZERO).build()) {
            Recording view = new Recording();
            engine.submit(list(1), view);
            assertEquals("purestock-shard-0-complete", view.thread.join(), "answered in place instead");
            assertEquals(1, engine.submit(list(2)).join().sequence(), "the shard went on");
        }
    }

    /**
     * A pool that cannot start a worker thread throws an {@link OutOfMemoryError} ("unable to create native thread")
     * from {@code execute}, not a {@link RejectedExecutionException}: the answer runs in place as for a refusal. The
     * error used to escape into the completion stage, which stopped the shard there: that caller was never
     * answered, and the next command, journaled and applied, was answered with an {@link EngineStoppedException}.
     */
    @Test
    void anExecutorThatCannotStartAThreadLeavesNoCallerUnanswered() {
        AtomicInteger handed = new AtomicInteger();
        try (PurestockEngine engine = PurestockEngine.builder()
                .callbackExecutor(task -> {
                    if (handed.incrementAndGet() == 1) {
                        throw new OutOfMemoryError("unable to create native thread: possibly out of memory or "
                                + "process/resource limits reached");
                    }
                    executor.execute(task);
                })
                .expireReservationsEvery(Duration.ZERO).build()) {
            Recording first = new Recording();
            engine.submit(list(1), first);
            assertEquals(1, engine.submit(list(2)).join().sequence(), "the shard went on");
            assertEquals("purestock-shard-0-complete", first.thread.join(), "answered in place instead");
            assertTrue(engine.failure().isEmpty());
        }
    }

    /**
     * A pool may throw that Error with the answer already queued: a {@link ForkJoinPool} queues a task before it
     * starts a worker for it, and a worker started later runs it. The answer run in place must then not run again
     * there: each caller is answered once.
     */
    @Test
    void anAnswerThatAPoolKeptQueuedAsItFailedToStartAThreadIsNotGivenTwice() throws InterruptedException {
        AtomicBoolean noThreadYet = new AtomicBoolean(true);
        ForkJoinPool pool = new ForkJoinPool(1, forkJoinPool -> {
            if (noThreadYet.getAndSet(false)) {
                throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource "
                        + "limits reached");
            }
            return ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(forkJoinPool);
        }, null, false);
        AtomicInteger answers = new AtomicInteger();
        try (PurestockEngine engine = PurestockEngine.builder().callbackExecutor(pool)
                .expireReservationsEvery(Duration.ZERO).build()) {
            CompletableFuture<Void> answered = new CompletableFuture<>();
            engine.submit(list(1), new OutcomeViewCallback() {
                @Override
                public void onOutcome(OutcomeView outcome) {
                    answers.incrementAndGet();
                    answered.complete(null);
                }

                @Override
                public void onFailure(Throwable cause) {
                    answered.completeExceptionally(cause);
                }
            });
            answered.join();
            assertEquals(1, engine.submit(list(2)).join().sequence(), "the pool starts a worker for the next answer");
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(1, TimeUnit.MINUTES), "the pool ran everything it had queued");
        assertEquals(1, answers.get(), "the caller was answered once");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
