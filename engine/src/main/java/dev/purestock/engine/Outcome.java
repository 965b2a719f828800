package dev.purestock.engine;

import dev.purestock.domain.Event;
import dev.purestock.domain.Event.Rejection;
import dev.purestock.domain.Reason;

import java.util.List;
import java.util.Optional;

/**
 * What became of a submitted command: where and when it was sequenced and what the domain decided.
 * The engine answers with an outcome only once the events are durable in every durability stage.
 *
 * <p>A command the engine refuses before sequencing it (one spanning shards, see {@link ShardRouter}, or one
 * beyond a shape limit of {@link dev.purestock.domain.Limits}, see {@link PurestockEngine}) gets an outcome
 * with {@code shard} and {@code sequence} {@link #NOT_SEQUENCED} and a single rejection. A command sent to
 * every shard gets one outcome whose {@code shard} is {@link #ALL_SHARDS}, whose {@code sequence} is
 * {@link #NOT_SEQUENCED} and whose events are those of each shard in shard order.
 *
 * @param shard    the shard that sequenced the command
 * @param sequence the command's sequence number in that shard
 * @param time     the time stamped when it was sequenced (epoch milliseconds)
 * @param events   what the domain decided; a rejection is among them when something was refused
 */
public record Outcome(int shard, long sequence, long time, List<Event> events) {
    /** The shard and sequence of a command answered without being sequenced. */
    public static final int NOT_SEQUENCED = -1;
    /** The shard of the combined outcome of a command sent to every shard. */
    public static final int ALL_SHARDS = -2;

    public Outcome {
        events = List.copyOf(events);
    }

    /** Whether nothing was refused: no event is a {@link Rejection}. */
    public boolean accepted() {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) instanceof Rejection) {
                return false;
            }
        }
        return true;
    }

    /** The first rejection among the events, if any. */
    public Optional<Rejection> rejection() {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) instanceof Rejection rejection) {
                return Optional.of(rejection);
            }
        }
        return Optional.empty();
    }

    /** The reason of the first rejection, if any. */
    public Optional<Reason> reason() {
        return rejection().map(Rejection::reason);
    }
}
