package dev.purestock.engine;

import dev.purestock.domain.Command;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Retries a submission with exponential backoff and a bounded number of attempts: a policy around submitting, not
 * domain code. Idempotency comes from the command itself: a retried {@link Command.Purchase}, {@link Command.Reserve}
 * or {@link Command.PlaceOrder} carries the same order id, so if an earlier attempt was applied after all (its answer
 * was lost) the retry is answered {@link dev.purestock.domain.Event.AlreadyApplied} and changes nothing; a retried
 * confirm, release or cancel is rejected as already done ({@code ALREADY_CONFIRMED}, ...) and changes nothing either.
 * Retries must arrive within the order retention window ({@link PurestockEngine.Builder#retainOrdersFor}).
 *
 * <pre>{@code
 * try (Retry retry = Retry.withBackoff(5, Duration.ofMillis(10), Duration.ofSeconds(1), 0.2)) {
 *     Outcome outcome = retry.submit(() -> engine.submit(purchase)).join();
 * }
 * }</pre>
 *
 * <p>What is retried: a submission refused for a moment by the engine (an {@link IllegalStateException} other than
 * {@link EngineClosedException} and {@link EngineStoppedException}: the ring was full on one of the engine's own
 * threads), and what the caller says is retriable, an outcome or a failure (a timeout of its own). An accepted
 * outcome is never retried, and neither is a closed or stopped engine, nor an {@link OutcomeNotDeliveredException}:
 * a sequenced command's was decided and made durable, and one without an order id (a receipt, a write-off) would be
 * applied again; look its outcome up instead (that exception says where; one the engine answered without sequencing,
 * {@link OutcomeNotDeliveredException#shard()} {@link Outcome#NOT_SEQUENCED}, the caller may submit again). After
 * the last attempt the caller gets the
 * last outcome or failure. The delay before retry {@code n} (1 for the first) is {@code initialDelay * 2^(n-1)},
 * at most {@code maxDelay}, shortened by up to {@code jitter} of itself at random so that many callers do not
 * retry in step.
 *
 * <p>An attempt that throws, returns {@code null}, or returns a stage whose {@code whenComplete} throws (a stage of
 * its own making) ends the call with what was thrown: its future completes exceptionally, on the first attempt too.
 *
 * <p>Delays run on a {@link ScheduledExecutorService}: one the caller passes (never shut down here) or one this
 * helper owns (one daemon thread, {@code purestock-retry}), shut down by {@link #close()}. Attempts are made on that
 * scheduler's thread (or the caller's, for the first): never pass one of the engine's stage threads' executors.
 */
public final class Retry implements AutoCloseable {
    private final int attempts;
    private final long initialNanos;
    private final long maxNanos;
    private final double jitter;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final RandomGenerator random;
    /** Results waiting for a scheduled retry: failed by {@link #close()}, so none is left unanswered. */
    private final Set<CompletableFuture<?>> waiting = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private Retry(int attempts, Duration initialDelay, Duration maxDelay, double jitter,
                  ScheduledExecutorService scheduler, boolean ownsScheduler, RandomGenerator random) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1, was " + attempts);
        }
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("delays must satisfy 0 <= initialDelay <= maxDelay, were "
                    + initialDelay + " and " + maxDelay);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be between 0 and 1, was " + jitter);
        }
        this.attempts = attempts;
        this.initialNanos = Durations.saturatedNanos(initialDelay); // a cap meant as none: about 292 years
        this.maxNanos = Durations.saturatedNanos(maxDelay);
        this.jitter = jitter;
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.ownsScheduler = ownsScheduler;
        this.random = Objects.requireNonNull(random, "random");
    }

    /**
     * A retry policy with a scheduler of its own (one daemon thread, shut down by {@link #close()}).
     *
     * @param attempts     how many attempts in all, the first included (at least 1)
     * @param initialDelay the delay before the first retry
     * @param maxDelay     the longest delay between attempts
     * @param jitter       the fraction of each delay taken off at random, 0 (none) to 1
     */
    public static Retry withBackoff(int attempts, Duration initialDelay, Duration maxDelay, double jitter) {
        ScheduledExecutorService own = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "purestock-retry");
            thread.setDaemon(true);
            return thread;
        });
        return new Retry(attempts, initialDelay, maxDelay, jitter, own, true, RandomGenerator.getDefault());
    }

    /**
     * A retry policy on the caller's scheduler (not shut down by {@link #close()}) and source of jitter (seed one
     * for a reproducible run).
     *
     * @see #withBackoff(int, Duration, Duration, double)
     */
    public static Retry withBackoff(int attempts, Duration initialDelay, Duration maxDelay, double jitter,
                                    ScheduledExecutorService scheduler, RandomGenerator random) {
        return new Retry(attempts, initialDelay, maxDelay, jitter, scheduler, false, random);
    }

    /** The delay before retry {@code retry} (1 for the first) before jitter: {@code initialDelay * 2^(retry-1)}. */
    public Duration backoff(int retry) {
        if (retry < 1) {
            throw new IllegalArgumentException("retries are numbered from 1, was " + retry);
        }
        long delay = initialNanos;
        for (int i = 1; i < retry && delay < maxNanos; i++) {
            delay = delay > maxNanos / 2 ? maxNanos : delay * 2;
        }
        return Duration.ofNanos(Math.min(delay, maxNanos));
    }

    /**
     * Submits through {@code submission} (called once per attempt: {@code () -> engine.submit(command)}), retrying
     * the engine's momentary refusals only.
     *
     * @return the accepted outcome, or the last outcome or failure once no retry is left or allowed
     */
    public CompletableFuture<Outcome> submit(Supplier<? extends CompletionStage<Outcome>> submission) {
        return submit(submission, outcome -> false, failure -> false);
    }

    /**
     * Submits through {@code submission}, retrying the engine's momentary refusals and what the caller names.
     *
     * @param submission        called once per attempt
     * @param retriableOutcome  which outcomes not accepted are worth another attempt (never asked of an accepted one)
     * @param retriableFailure  which failures of the caller's own are worth another attempt (a timeout); never asked
     *                          of a closed or stopped engine or of an {@link OutcomeNotDeliveredException}
     * @return the accepted outcome, or the last outcome or failure once no retry is left or allowed
     */
    public CompletableFuture<Outcome> submit(Supplier<? extends CompletionStage<Outcome>> submission,
                                             Predicate<? super Outcome> retriableOutcome,
                                             Predicate<? super Throwable> retriableFailure) {
        Objects.requireNonNull(retriableOutcome, "retriableOutcome");
        Objects.requireNonNull(retriableFailure, "retriableFailure");
        return call(submission, outcome -> !outcome.accepted() && retriableOutcome.test(outcome),
                failure -> !settledOrRefusedForGood(failure)
                        && (failure instanceof IllegalStateException || retriableFailure.test(failure)));
    }

    /**
     * Whether {@code failure} must not be retried whatever the caller says: a closed or stopped engine, and an
     * outcome that was not delivered, whose command, once sequenced, was decided and made durable (a receipt or
     * write-off resubmitted would be applied twice).
     */
    private static boolean settledOrRefusedForGood(Throwable failure) {
        return failure instanceof EngineClosedException || failure instanceof EngineStoppedException
                || failure instanceof OutcomeNotDeliveredException;
    }

    /**
     * Calls {@code attempt} until it gives a result that is not {@code retriableResult}, or fails with what is not
     * {@code retriableFailure}, or the attempts run out: for work that is not a submission (a payment service).
     *
     * @return the last result or failure
     */
    public <T> CompletableFuture<T> call(Supplier<? extends CompletionStage<T>> attempt,
                                         Predicate<? super T> retriableResult,
                                         Predicate<? super Throwable> retriableFailure) {
        Objects.requireNonNull(attempt, "attempt");
        Objects.requireNonNull(retriableResult, "retriableResult");
        Objects.requireNonNull(retriableFailure, "retriableFailure");
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(1, attempt, retriableResult, retriableFailure, result);
        return result;
    }

    private <T> void attempt(int number, Supplier<? extends CompletionStage<T>> attempt,
                             Predicate<? super T> retriableResult, Predicate<? super Throwable> retriableFailure,
                             CompletableFuture<T> result) {
        CompletionStage<T> stage;
        try {
            stage = Objects.requireNonNull(attempt.get(), "the attempt returned null");
        } catch (Throwable e) {
            // an Error too: on the scheduler's thread nothing else would complete the call
            stage = CompletableFuture.failedFuture(e);
        }
        try {
            stage.whenComplete((value, thrown) -> settle(number, attempt, retriableResult, retriableFailure, result,
                    value, thrown));
        } catch (Throwable e) {
            // a stage of the attempt's own making whose whenComplete threw (an Error too): on the scheduler's thread
            // the task would keep it, and the call would never complete. A callback it runs later finds it complete;
            // a retry its callback scheduled first finds the call no longer waiting and makes no attempt
            waiting.remove(result);
            result.completeExceptionally(e);
        }
    }

    /** What follows attempt {@code number}, which gave {@code value} or failed with {@code thrown}. */
    private <T> void settle(int number, Supplier<? extends CompletionStage<T>> attempt,
                            Predicate<? super T> retriableResult, Predicate<? super Throwable> retriableFailure,
                            CompletableFuture<T> result, T value, Throwable thrown) {
        if (result.isDone()) {
            return; // a stage that called back after its whenComplete threw, or twice; or a call its caller completed
        }
        Throwable failure = unwrap(thrown);
        boolean again;
        try {
            again = number < attempts && (failure == null ? retriableResult.test(value)
                    : retriableFailure.test(failure));
        } catch (Throwable e) {
            // an Error too: the stage's callback would keep it, and the call would never complete
            result.completeExceptionally(e);
            return;
        }
        if (!again) {
            if (failure == null) {
                result.complete(value);
            } else {
                result.completeExceptionally(failure);
            }
            return;
        }
        waiting.add(result);
        try {
            if (closed) {
                throw new IllegalStateException("the retry policy was closed before retry " + number);
            }
            scheduler.schedule(() -> {
                if (!waiting.remove(result)) {
                    return; // closed meanwhile: the caller was answered
                }
                attempt(number + 1, attempt, retriableResult, retriableFailure, result);
            }, delay(number), TimeUnit.NANOSECONDS);
        } catch (Throwable e) {
            // an Error too (a pool that cannot start its thread: OutOfMemoryError, unable to create native
            // thread): the stage's callback would keep it, and the call would never complete. A task that was
            // queued all the same finds the call no longer waiting and does nothing
            waiting.remove(result);
            result.completeExceptionally(e);
        }
    }

    /** The delay before retry {@code retry} with jitter, in nanoseconds. */
    long delay(int retry) {
        long backoff = backoff(retry).toNanos();
        return backoff - (long) (backoff * jitter * random.nextDouble());
    }

    private static Throwable unwrap(Throwable thrown) {
        Throwable failure = thrown;
        while ((failure instanceof CompletionException || failure instanceof ExecutionException)
                && failure.getCause() != null) {
            failure = failure.getCause();
        }
        return failure;
    }

    /**
     * Shuts down the scheduler this helper owns (not one the caller passed); every call waiting for a retry fails
     * at once with an {@link IllegalStateException}, and later calls make their first attempt only.
     */
    @Override
    public void close() {
        closed = true;
        if (ownsScheduler) {
            scheduler.shutdownNow();
        }
        for (CompletableFuture<?> result : waiting) {
            waiting.remove(result);
            result.completeExceptionally(new IllegalStateException("the retry policy was closed before the next "
                    + "attempt; the last attempt's answer was not final"));
        }
    }
}
