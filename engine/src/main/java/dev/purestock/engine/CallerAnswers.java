package dev.purestock.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Hands callers their answers: callbacks and futures of submissions. Without a
 * {@link PurestockEngine.Builder#callbackExecutor} they run on the thread that has the answer (a shard's
 * {@code -complete} thread, the submitting thread for an answer given without sequencing, the closing thread
 * for a close that timed out). With one, every answer to a caller runs on it instead: an {@link OutcomeCallback}
 * and a future get the records, and an {@link OutcomeViewCallback} gets a view over a copy of the outcome, made
 * on the executor's thread (the shard's reused view is lent only for the call on the completion thread). The
 * engine's own callbacks ({@link Internal}) always run in place. A callback that throws, an {@link Error} included,
 * is logged and counted, wherever it runs; an executor that refuses a task has it run in place instead, so no caller
 * goes unanswered, and none is answered twice by an executor that queued the task it refused.
 */
final class CallerAnswers {
    private static final Logger LOG = LoggerFactory.getLogger(CallerAnswers.class);

    /** A callback of the engine's own (the expiry timer's, a broadcast's): answered in place, never handed off. */
    interface Internal extends OutcomeViewCallback {
    }

    /**
     * Told as the engine starts building an answer for a caller, where a test makes it fail as memory running out
     * would: a command's on a shard's completion thread ({@code shard} and {@code sequence} of the command; for a
     * failure, the sequence is {@link Outcome#NOT_SEQUENCED}), its copy for the callback executor, and a command for
     * every shard's collecting of its shards' answers ({@link Outcome#ALL_SHARDS}).
     */
    interface Fault {
        void answering(int shard, long sequence);
    }

    private final Executor executor;
    private final AtomicLong isolatedFailures;
    /** Per shard, the callbacks isolated here (the completion stage counts its own in place). */
    private final AtomicLongArray shardFailures;
    /** {@code null} but in tests. */
    private final Fault fault;

    /** {@code executor} may be {@code null}: answers run in place. */
    CallerAnswers(Executor executor, AtomicLong isolatedFailures, int shards) {
        this(executor, isolatedFailures, shards, null);
    }

    /** As {@link #CallerAnswers(Executor, AtomicLong, int)}, with a {@code fault} to fail answers in tests. */
    CallerAnswers(Executor executor, AtomicLong isolatedFailures, int shards, Fault fault) {
        this.executor = executor;
        this.isolatedFailures = isolatedFailures;
        this.shardFailures = new AtomicLongArray(shards);
        this.fault = fault;
    }

    /** Tells the test's {@link Fault}, if any, that an answer for {@code shard}'s {@code sequence} is being built. */
    void answering(int shard, long sequence) {
        if (fault != null) {
            fault.answering(shard, sequence);
        }
    }

    /** The callbacks of {@code shard}'s commands isolated here: on the executor, or failure callbacks. */
    long callbackFailures(int shard) {
        return shardFailures.get(shard);
    }

    /** Whether {@code callback} is called on the thread that has the answer (so it may be handed the shard's view). */
    boolean inPlace(OutcomeViewCallback callback) {
        return executor == null || callback instanceof Internal;
    }

    /** Answers {@code callback} with {@code outcome} on the executor ({@link #inPlace} is false for it). */
    void handOff(OutcomeViewCallback callback, Outcome outcome) {
        execute(() -> deliverIsolated(callback, outcome));
    }

    /**
     * Answers with {@code outcome}, records in hand: in place or on the executor. A callback that throws is isolated
     * either way: on the submitting thread (an answer given without sequencing) the submission still returns as it
     * would have.
     */
    void outcome(OutcomeViewCallback callback, CompletableFuture<Outcome> future, Outcome outcome) {
        if (callback != null) {
            if (inPlace(callback)) {
                deliverIsolated(callback, outcome);
            } else {
                handOff(callback, outcome);
            }
        }
        if (future != null) {
            complete(future, outcome);
        }
    }

    /** Completes {@code future}: in place, or on the executor so that its continuations run there. */
    void complete(CompletableFuture<Outcome> future, Outcome outcome) {
        if (executor == null) {
            future.complete(outcome);
        } else {
            execute(() -> future.complete(outcome));
        }
    }

    /**
     * {@code future}, a snapshot's or digest's that a stage completes, as its caller gets it: itself without an
     * executor; with one, a future completed on the executor when {@code future} completes, so that its non-async
     * continuations run there, as those of a submission's future do.
     */
    <T> CompletableFuture<T> handedOff(CompletableFuture<T> future) {
        if (executor == null) {
            return future;
        }
        CompletableFuture<T> answer = new CompletableFuture<>();
        future.whenComplete((value, failure) -> execute(() -> {
            if (failure == null) {
                answer.complete(value);
            } else {
                answer.completeExceptionally(failure);
            }
        }));
        return answer;
    }

    /**
     * Fails {@code callback} and {@code future} with {@code cause}; a callback that throws is isolated, wherever it
     * runs (a stage, the closing thread, the submitting thread).
     */
    void failure(OutcomeViewCallback callback, CompletableFuture<Outcome> future, Throwable cause) {
        failure(callback, future, cause, Outcome.NOT_SEQUENCED);
    }

    /** As {@link #failure(OutcomeViewCallback, CompletableFuture, Throwable)} for a command of {@code shard}. */
    void failure(OutcomeViewCallback callback, CompletableFuture<Outcome> future, Throwable cause, int shard) {
        if (callback != null) {
            if (inPlace(callback)) {
                try {
                    callback.onFailure(cause);
                } catch (Throwable e) {
                    isolated("a failure callback", e, shard);
                }
            } else {
                execute(() -> {
                    try {
                        callback.onFailure(cause);
                    } catch (Throwable e) {
                        isolated("a failure callback", e, shard);
                    }
                });
            }
        }
        if (future != null) {
            if (executor == null) {
                future.completeExceptionally(cause);
            } else {
                execute(() -> future.completeExceptionally(cause));
            }
        }
    }

    /** Counts and logs a caller's callback or a consumer that threw, for {@code shard} when it is one. */
    void isolated(String what, Throwable e, int shard) {
        if (shard >= 0 && shard < shardFailures.length()) {
            shardFailures.incrementAndGet(shard);
        }
        long count = isolatedFailures.incrementAndGet();
        LOG.warn("{} threw; isolated, the engine goes on ({} such failures so far)", what, count, e);
    }

    /**
     * Delivers {@code outcome}; a callback that throws is isolated, an {@link Error} too (see
     * {@link CompletionHandler}): the command's outcome stands.
     */
    private void deliverIsolated(OutcomeViewCallback callback, Outcome outcome) {
        OutcomeView view;
        try {
            // the engine's part: a failure here is no failure of the callback's, which has not been called yet
            answering(outcome.shard(), outcome.sequence());
            view = callback instanceof OutcomeCallback ? null
                    : OutcomeView.of(outcome.shard(), outcome.sequence(), outcome.time(), outcome.events());
        } catch (Throwable e) {
            LOG.error("the outcome of {} could not be handed to its callback, which is told so", outcome.sequence()
                    == Outcome.NOT_SEQUENCED ? "a command answered without sequencing" : "command sequence "
                    + outcome.sequence() + " (shard " + outcome.shard() + ")", e);
            notDelivered(callback, outcome.shard(), outcome.sequence(), e);
            return;
        }
        try {
            deliver(callback, outcome, view);
        } catch (Throwable e) {
            isolated(outcome.sequence() == Outcome.NOT_SEQUENCED ? "the callback of a command answered without "
                    + "sequencing" : "the callback of command sequence " + outcome.sequence() + " (shard "
                    + outcome.shard() + ")", e, outcome.sequence() == Outcome.NOT_SEQUENCED ? -1 : outcome.shard());
        }
    }

    /**
     * Fails {@code callback}, whose outcome (of {@code shard}'s {@code sequence}) the engine failed to build or hand
     * over, with an {@link OutcomeNotDeliveredException} that says the command's fate; a callback that throws is
     * isolated.
     */
    private void notDelivered(OutcomeViewCallback callback, int shard, long sequence, Throwable cause) {
        try {
            callback.onFailure(new OutcomeNotDeliveredException(shard, sequence, cause));
        } catch (Throwable e) {
            isolated("a failure callback", e, shard);
        }
    }

    private static void deliver(OutcomeViewCallback callback, Outcome outcome, OutcomeView view) {
        if (callback instanceof OutcomeCallback records) {
            records.onOutcome(outcome.shard(), outcome.sequence(), outcome.time(), outcome.events());
            return;
        }
        try {
            callback.onOutcome(view);
        } finally {
            view.release();
        }
    }

    private void execute(Runnable answer) {
        Once once = new Once(answer);
        try {
            executor.execute(once);
        } catch (RuntimeException | Error refused) {
            // RejectedExecutionException, an executor that breaks its contract, or a pool that cannot start a worker
            // (OutOfMemoryError: unable to create native thread): the caller is answered anyway, and the command's
            // outcome stands. Such a pool may have queued the task before it failed (a ForkJoinPool does, and a
            // ThreadPoolExecutor with no core thread): a worker started later finds it answered already
            LOG.warn("the callback executor refused an answer ({}); it runs on {} instead", refused.toString(),
                    Thread.currentThread().getName());
            once.run();
        }
    }

    /** An answer that runs once, whichever of the executor and the thread it was refused on runs it first. */
    private static final class Once extends AtomicBoolean implements Runnable {
        private final transient Runnable answer;

        Once(Runnable answer) {
            this.answer = answer;
        }

        @Override
        public void run() {
            if (compareAndSet(false, true)) {
                answer.run();
            }
        }
    }
}
