package dev.purestock.engine;

/**
 * Receives the answer to one submitted command, exactly once: either {@link #onOutcome} or
 * {@link #onFailure}.
 *
 * <p>Which thread calls it: by default the shard's completion thread, {@code purestock-shard-N-complete}
 * (or the submitting thread when the engine answers without sequencing, or the closing thread for a
 * {@link PurestockEngine#close(java.time.Duration)} that timed out). That thread answers every command of the
 * shard in turn, so the callback must be quick and must not block. With
 * {@link PurestockEngine.Builder#callbackExecutor} it is called on that executor instead, with a view of a copy
 * of the outcome (valid during that call); the answer then allocates that copy.
 *
 * <p>This is the engine's garbage-free answer path: the outcome arrives as an {@link OutcomeView}, a
 * flyweight over the events where the decision stage wrote them, reused for every command of the shard.
 * Nothing is built unless the callback asks for records ({@link OutcomeView#events()}). One callback object
 * may be reused for every submission. {@link OutcomeCallback} is the form that takes the events as records.
 */
public interface OutcomeViewCallback {

    /**
     * The command was answered: sequenced, with its events durable, or rejected before any shard sequenced it
     * (beyond a shape limit, across shards, an order id another shard holds), with shard and sequence
     * {@link Outcome#NOT_SEQUENCED} and nothing journaled.
     *
     * @param outcome the outcome, valid only during this call: read what you need, or copy it with
     *                {@link OutcomeView#toOutcome()}; never keep the view or hand it to another thread
     */
    void onOutcome(OutcomeView outcome);

    /**
     * The engine could not answer: it stopped on a failure ({@link EngineStoppedException}) or was closed
     * ({@link EngineClosedException}) before the command was sequenced, or a
     * {@link PurestockEngine#close(java.time.Duration) close(timeout)} ran out of time before the command was
     * answered ({@link EngineClosedException}; the command was not acknowledged, though it may have reached the
     * journal), or it was submitted on one of the engine's stage threads while its ring was full
     * ({@link IllegalStateException}; nothing was submitted), or the engine's {@link PurestockEngine.Builder#clock
     * clock} threw as a command answered without sequencing was stamped (what it threw; nothing was submitted), or
     * submitting it threw: a {@link PurestockEngine#submitAll submitAll} command at or after the one whose
     * submission threw, or a command for every shard whose publication threw part way ({@link IllegalStateException}
     * naming what was reached, its cause what was thrown; the shards a command for every shard reached apply it).
     * Either way, nothing was acknowledged. Or, with an
     * {@link OutcomeNotDeliveredException}, the command was sequenced and made durable (its outcome stands) but the
     * engine failed as it handed over the outcome: the exception names where to find it.
     */
    void onFailure(Throwable cause);
}
