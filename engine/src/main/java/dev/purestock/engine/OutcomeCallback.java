package dev.purestock.engine;

import dev.purestock.domain.Event;

import java.util.List;

/**
 * Receives the answer to one submitted command, exactly once, with the events as records: either
 * {@link #onOutcome(int, long, long, List)} or {@link #onFailure}. Called on the shard's completion thread (or
 * on the submitting thread when the engine answers without sequencing), so it must be quick and must not
 * block; or, with {@link PurestockEngine.Builder#callbackExecutor}, on that executor.
 *
 * <p>No {@link Outcome} or future is created, and one callback object may be reused for every submission,
 * but the event records are built for each answer. Where that matters, implement
 * {@link OutcomeViewCallback} instead: it reads the same answer from a reused view and allocates nothing.
 */
public interface OutcomeCallback extends OutcomeViewCallback {

    /**
     * The command was answered: sequenced, with its events durable, or rejected before any shard sequenced it
     * (beyond a shape limit, across shards, an order id another shard holds), with shard and sequence
     * {@link Outcome#NOT_SEQUENCED} and nothing journaled.
     *
     * @param shard    the shard that sequenced it ({@link Outcome#NOT_SEQUENCED} or
     *                 {@link Outcome#ALL_SHARDS}, see {@link Outcome})
     * @param sequence its sequence number in that shard
     * @param time     the time stamped when it was sequenced
     * @param events   what the domain decided; do not keep the list beyond the call unless you copy it
     */
    void onOutcome(int shard, long sequence, long time, List<Event> events);

    /** Builds the event records and calls {@link #onOutcome(int, long, long, List)}. */
    @Override
    default void onOutcome(OutcomeView outcome) {
        onOutcome(outcome.shard(), outcome.sequence(), outcome.time(), outcome.events());
    }
}
