package dev.purestock.engine;

/**
 * Receives the answer to one submitted command, exactly once: either {@link #onOutcome} or
 * {@link #onFailure}. Called on the shard's completion thread (or on the submitting thread when the
 * engine answers without sequencing), so it must be quick and must not block.
 *
 * <p>This is the engine's garbage-free answer path: the outcome arrives as an {@link OutcomeView}, a
 * flyweight over the events where the decision stage wrote them, reused for every command of the shard.
 * Nothing is built unless the callback asks for records ({@link OutcomeView#events()}). One callback object
 * may be reused for every submission. {@link OutcomeCallback} is the form that takes the events as records.
 */
public interface OutcomeViewCallback {

    /**
     * The command was sequenced and its events are durable.
     *
     * @param outcome the outcome, valid only during this call: read what you need, or copy it with
     *                {@link OutcomeView#toOutcome()}; never keep the view or hand it to another thread
     */
    void onOutcome(OutcomeView outcome);

    /**
     * The engine could not answer: it stopped on a failure ({@link EngineStoppedException}) or was closed
     * ({@link EngineClosedException}) before the command was sequenced.
     */
    void onFailure(Throwable cause);
}
