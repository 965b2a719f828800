package dev.purestock.engine;

import dev.purestock.domain.Event;

import java.util.List;

/**
 * Receives the answer to one submitted command, exactly once: either {@link #onOutcome} or
 * {@link #onFailure}. Called on the shard's completion thread (or on the submitting thread when the
 * engine answers without sequencing), so it must be quick and must not block.
 *
 * <p>This is the engine's allocation-free answer path: the fields arrive as arguments, no
 * {@link Outcome} or future is created, and one callback object may be reused for every submission.
 */
public interface OutcomeCallback {

    /**
     * The command was sequenced and its events are durable.
     *
     * @param shard    the shard that sequenced it ({@link Outcome#NOT_SEQUENCED} or
     *                 {@link Outcome#ALL_SHARDS}, see {@link Outcome})
     * @param sequence its sequence number in that shard
     * @param time     the time stamped when it was sequenced
     * @param events   what the domain decided; do not keep the list beyond the call unless you copy it
     */
    void onOutcome(int shard, long sequence, long time, List<Event> events);

    /**
     * The engine could not answer: it stopped on a failure ({@link EngineStoppedException}) or was closed
     * ({@link EngineClosedException}) before the command was sequenced.
     */
    void onFailure(Throwable cause);
}
