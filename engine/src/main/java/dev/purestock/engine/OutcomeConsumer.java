package dev.purestock.engine;

import dev.purestock.domain.Command;

/**
 * An interpreter of decided commands, registered with {@link PurestockEngine.Builder#consumer}: it sees
 * every sequenced command of every shard with its outcome, in sequence order per shard, on that shard's
 * completion thread, after the events are durable. Typical uses: notifications, projections, metrics.
 *
 * <p>A consumer that throws, an {@link Error} included, is isolated: the engine logs the failure, counts it
 * ({@link PurestockEngine#consumerFailures()}) and goes on with the other consumers and the core; the command's
 * outcome stands.
 */
@FunctionalInterface
public interface OutcomeConsumer {

    /** One decided command and its outcome. */
    void onOutcome(Command command, Outcome outcome) throws Exception;
}
