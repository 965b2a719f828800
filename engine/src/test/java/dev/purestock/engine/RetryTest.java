package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import static dev.purestock.engine.EngineFixtures.failureOf;
import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retry is a policy around submitting: bounded attempts with backoff, never retrying an accepted outcome or a closed
 * engine, and idempotent through the order id, so a retried purchase never applies twice. Delays are zero here: the
 * tests check what is retried, not when.
 */
class RetryTest {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopScheduler() {
        scheduler.shutdownNow();
    }

    private Retry retry(int attempts) {
        return Retry.withBackoff(attempts, Duration.ZERO, Duration.ZERO, 0, scheduler, new SplittableRandom(1));
    }

    private static PurestockEngine engineWithStock(long units) {
        PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build();
        engine.submit(list(1)).join();
        engine.submit(receive(1, 1, 0, units)).join();
        return engine;
    }

    @Test
    void aPurchaseRetriedAfterItsAnswerWasLostIsAppliedOnce() {
        Command purchase = new Command.Purchase(42, 7, 1, 0, 3);
        AtomicInteger attempts = new AtomicInteger();
        try (PurestockEngine engine = engineWithStock(10)) {
            Outcome outcome = retry(3).submit(() -> {
                CompletableFuture<Outcome> submitted = engine.submit(purchase);
                return attempts.incrementAndGet() == 1
                        ? submitted.thenCompose(applied -> CompletableFuture.failedFuture(new TimeoutException(
                                "the answer was lost on the way back")))
                        : submitted;
            }, o -> false, TimeoutException.class::isInstance).join();

            assertEquals(2, attempts.get());
            assertEquals(List.of(new Event.AlreadyApplied(42)), outcome.events(), "the retry found it applied");
            assertTrue(outcome.accepted());
            assertEquals(7, engine.readModel().available(1, 0), "3 units taken once");
        }
    }

    @Test
    void anAcceptedOutcomeIsNeverRetried() {
        AtomicInteger attempts = new AtomicInteger();
        try (PurestockEngine engine = engineWithStock(10)) {
            Outcome outcome = retry(5).submit(() -> {
                attempts.incrementAndGet();
                return engine.submit(new Command.Purchase(1, 7, 1, 0, 1));
            }, o -> true, t -> true).join();

            assertTrue(outcome.accepted());
            assertEquals(1, attempts.get());
        }
    }

    @Test
    void aRetriableOutcomeIsRetriedUpToTheAttemptsThenReturned() {
        AtomicInteger attempts = new AtomicInteger();
        try (PurestockEngine engine = engineWithStock(1)) {
            Outcome outcome = retry(4).submit(() -> {
                attempts.incrementAndGet();
                return engine.submit(new Command.Purchase(1, 7, 1, 0, 2));
            }, o -> o.reason().orElseThrow() == Reason.OUT_OF_STOCK, t -> false).join();

            assertEquals(4, attempts.get());
            assertEquals(Reason.OUT_OF_STOCK, outcome.reason().orElseThrow());
            assertEquals(1, engine.readModel().available(1, 0));
        }
    }

    @Test
    void aRetriedOutcomeMayBeAcceptedOnceTheStateChanged() {
        AtomicInteger attempts = new AtomicInteger();
        try (PurestockEngine engine = engineWithStock(1)) {
            Outcome outcome = retry(3).submit(() -> {
                if (attempts.incrementAndGet() == 2) {
                    engine.submit(receive(2, 1, 0, 5)).join();
                }
                return engine.submit(new Command.Purchase(1, 7, 1, 0, 2));
            }, o -> o.reason().orElseThrow() == Reason.OUT_OF_STOCK, t -> false).join();

            assertEquals(2, attempts.get(), "a rejection records nothing: the retry was decided afresh");
            assertTrue(outcome.accepted());
            assertEquals(4, engine.readModel().available(1, 0));
        }
    }

    @Test
    void aMomentaryRefusalIsRetriedButAClosedEngineIsNot() {
        AtomicInteger attempts = new AtomicInteger();
        PurestockEngine engine = engineWithStock(10);
        Outcome outcome = retry(3).submit(() -> attempts.incrementAndGet() == 1
                ? CompletableFuture.failedFuture(new IllegalStateException("submit found shard 0's ring full"))
                : engine.submit(new Command.Purchase(1, 7, 1, 0, 1))).join();
        assertTrue(outcome.accepted());
        assertEquals(2, attempts.get());

        engine.close();
        attempts.set(0);
        CompletableFuture<Outcome> closed = retry(3).submit(() -> {
            attempts.incrementAndGet();
            return engine.submit(new Command.Purchase(2, 7, 1, 0, 1));
        }, o -> true, t -> true);
        assertInstanceOf(EngineClosedException.class, failureOf(closed));
        assertEquals(1, attempts.get());
    }

    @Test
    void anOutcomeThatWasNotDeliveredIsNotRetriedSinceItsCommandWasDecided() {
        AtomicInteger attempts = new AtomicInteger();
        OutcomeNotDeliveredException notDelivered = new OutcomeNotDeliveredException(0, 41,
                new OutOfMemoryError("building the outcome"));
        CompletableFuture<Outcome> result = retry(3).submit(() -> {
            attempts.incrementAndGet();
            return CompletableFuture.failedFuture(notDelivered);
        });

        assertSame(notDelivered, failureOf(result));
        assertEquals(1, attempts.get(), "a receipt or write-off resubmitted would be applied twice");
    }

    @Test
    void theLastFailureIsReturnedWhenTheAttemptsRunOut() {
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> result = retry(3).call(() -> {
            attempts.incrementAndGet();
            return CompletableFuture.failedFuture(new TimeoutException("attempt " + attempts.get()));
        }, r -> false, TimeoutException.class::isInstance);

        assertEquals("attempt 3", assertInstanceOf(TimeoutException.class, failureOf(result)).getMessage());
        assertEquals(3, attempts.get());
    }

    @Test
    void theBackoffDoublesUpToTheMaximumAndJitterOnlyShortensIt() {
        Retry retry = Retry.withBackoff(10, Duration.ofMillis(10), Duration.ofMillis(75), 0.5, scheduler,
                new SplittableRandom(7));
        assertEquals(List.of(10L, 20L, 40L, 75L, 75L),
                List.of(1, 2, 3, 4, 5).stream().map(n -> retry.backoff(n).toMillis()).toList());
        for (int n = 1; n <= 5; n++) {
            long backoff = retry.backoff(n).toNanos();
            long delay = retry.delay(n);
            assertTrue(delay <= backoff && delay >= backoff / 2, "retry " + n + ": " + delay + " of " + backoff);
        }
        assertThrows(IllegalArgumentException.class, () -> Retry.withBackoff(0, Duration.ZERO, Duration.ZERO, 0));
        assertThrows(IllegalArgumentException.class,
                () -> Retry.withBackoff(2, Duration.ofSeconds(2), Duration.ofSeconds(1), 0));
        assertThrows(IllegalArgumentException.class, () -> Retry.withBackoff(2, Duration.ZERO, Duration.ZERO, 1.5));
    }

    /**
     * Delays too long for a {@code long} of nanoseconds (a cap meant as "none") build a policy whose backoff stops
     * at about 292 years; {@code Duration.toNanos} threw an {@link ArithmeticException} from the factory.
     */
    @Test
    void delaysBeyondALongOfNanosecondsAreCappedThere() {
        Retry retry = Retry.withBackoff(100, Duration.ofSeconds(1), Duration.ofSeconds(Long.MAX_VALUE), 0, scheduler,
                new SplittableRandom(7));
        assertEquals(Duration.ofSeconds(1), retry.backoff(1));
        assertEquals(Duration.ofSeconds(2), retry.backoff(2));
        assertEquals(Duration.ofNanos(Long.MAX_VALUE), retry.backoff(100));
        assertEquals(Long.MAX_VALUE, retry.delay(100));
        Retry never = Retry.withBackoff(2, Duration.ofSeconds(Long.MAX_VALUE), Duration.ofSeconds(Long.MAX_VALUE), 0.5,
                scheduler, new SplittableRandom(7));
        long delay = never.delay(1);
        assertTrue(delay > 0 && delay <= Long.MAX_VALUE, "a positive delay: " + delay);
    }

    /**
     * A retry runs on the scheduler's thread, and what it calls there is the caller's: an attempt or a predicate
     * that threw an {@link Error} (a {@link StackOverflowError} of its own recursion) escaped the guard, which caught
     * a {@link RuntimeException} only, into the scheduler's task or the stage's callback, which kept it, and the
     * call's future was never completed: its caller waited for ever. It now completes with the Error.
     */
    @Test
    void anErrorFromARetriedAttemptOrAPredicateCompletesTheCall() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> attemptThrew = retry(3).call(() -> {
            if (attempts.incrementAndGet() == 1) {
                return CompletableFuture.failedFuture(new TimeoutException());
            }
            throw new StackOverflowError();
        }, r -> false, TimeoutException.class::isInstance);
        CompletableFuture<String> predicateThrew = retry(3).call(() -> CompletableFuture.completedFuture("sold out"),
                r -> {
                    throw new StackOverflowError();
                }, TimeoutException.class::isInstance);

        for (CompletableFuture<String> call : List.of(attemptThrew, predicateThrew)) {
            ExecutionException failed = assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
            assertInstanceOf(StackOverflowError.class, failed.getCause());
        }
        assertEquals(2, attempts.get());
    }

    /**
     * An attempt may return a stage of its own making. One whose {@code whenComplete} threw (a bug in it, or an
     * {@link Error} as it registers the callback) on a retry, which runs on the scheduler's thread, threw into the
     * scheduler's task, which kept it: the call's future was never completed, and its caller waited for ever. It now
     * completes with what was thrown; on the first attempt, the call returns a future failed with it instead of
     * throwing, as for an attempt that throws.
     */
    @Test
    void aStageWhoseWhenCompleteThrowsCompletesTheCall() throws Exception {
        for (int failingAttempt : new int[] {1, 2}) {
            AtomicInteger attempts = new AtomicInteger();
            CompletableFuture<String> call = retry(3).call(() -> {
                if (attempts.incrementAndGet() < failingAttempt) {
                    return CompletableFuture.failedFuture(new TimeoutException());
                }
                return new CompletableFuture<String>() {
                    @Override
                    public CompletableFuture<String> whenComplete(BiConsumer<? super String, ? super Throwable> action) {
                        throw new StackOverflowError();
                    }
                };
            }, r -> false, TimeoutException.class::isInstance);

            ExecutionException failed = assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS),
                    "attempt " + failingAttempt);
            assertInstanceOf(StackOverflowError.class, failed.getCause());
            assertEquals(failingAttempt, attempts.get());
        }
    }

    /**
     * A stage that calls back with a retriable failure, so that a retry is scheduled, and then throws from
     * {@code whenComplete}: the call fails with what was thrown, and no retry is made for a caller already answered.
     * The retry was made all the same (an attempt is work with effects: a payment, a submission).
     */
    @Test
    void aStageThatCallsBackForARetryAndThenThrowsMakesNoRetry() throws Exception {
        List<Runnable> scheduled = new ArrayList<>();
        ScheduledExecutorService held = new ScheduledThreadPoolExecutor(1) {
            @Override
            public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
                scheduled.add(command);
                return null;
            }
        };
        try {
            Retry retry = Retry.withBackoff(3, Duration.ZERO, Duration.ZERO, 0, held, new SplittableRandom(1));
            AtomicInteger attempts = new AtomicInteger();
            CompletableFuture<String> call = retry.call(() -> {
                if (attempts.incrementAndGet() > 1) {
                    return CompletableFuture.completedFuture("retried");
                }
                return new CompletableFuture<String>() {
                    @Override
                    public CompletableFuture<String> whenComplete(BiConsumer<? super String, ? super Throwable> action) {
                        action.accept(null, new TimeoutException());
                        throw new StackOverflowError();
                    }
                };
            }, r -> false, TimeoutException.class::isInstance);

            ExecutionException failed = assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
            assertInstanceOf(StackOverflowError.class, failed.getCause());
            scheduled.forEach(Runnable::run); // the retry the callback scheduled comes due
            assertEquals(1, attempts.get(), "no retry for a call already answered");
        } finally {
            held.shutdownNow();
        }
    }

    /**
     * Scheduling a retry on a scheduler that cannot start its thread throws an {@link OutOfMemoryError} ("unable to
     * create native thread"; a pool starts its worker as the first task is scheduled): the guard caught a
     * {@link RuntimeException} only (a scheduler that refuses), so the Error went into the stage's callback, which
     * kept it, and the call's future was never completed: its caller waited until the policy was closed. It now
     * completes with the Error, as for a scheduler that refuses.
     */
    @Test
    void aSchedulerThatCannotStartItsThreadCompletesTheCall() throws Exception {
        ScheduledExecutorService cannotStart = new ScheduledThreadPoolExecutor(1) {
            @Override
            public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
                throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource "
                        + "limits reached");
            }
        };
        try {
            Retry retry = Retry.withBackoff(3, Duration.ZERO, Duration.ZERO, 0, cannotStart, new SplittableRandom(1));
            AtomicInteger attempts = new AtomicInteger();
            CompletableFuture<String> result = retry.call(() -> {
                attempts.incrementAndGet();
                return CompletableFuture.failedFuture(new TimeoutException());
            }, r -> false, TimeoutException.class::isInstance);

            ExecutionException failed = assertThrows(ExecutionException.class, () -> result.get(10, TimeUnit.SECONDS));
            assertInstanceOf(OutOfMemoryError.class, failed.getCause());
            assertEquals(1, attempts.get());
        } finally {
            cannotStart.shutdownNow();
        }
    }

    @Test
    void closingAPolicyAnswersTheCallsWaitingForARetry() {
        AtomicInteger attempts = new AtomicInteger();
        Retry retry = Retry.withBackoff(3, Duration.ofHours(1), Duration.ofHours(1), 0);
        CompletableFuture<String> result = retry.call(() -> {
            attempts.incrementAndGet();
            return CompletableFuture.failedFuture(new TimeoutException());
        }, r -> false, TimeoutException.class::isInstance);
        retry.close();

        assertInstanceOf(IllegalStateException.class, failureOf(result));
        assertEquals(1, attempts.get());
    }
}
