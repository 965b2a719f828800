package dev.purestock.engine;

import dev.purestock.domain.Event;
import dev.purestock.domain.Event.Rejection;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;

import java.util.List;
import java.util.Optional;

/**
 * What became of a submitted command: where and when it was sequenced and what the domain decided.
 * The engine answers with an outcome only once the events are durable in every durability stage.
 *
 * <p>Accepted or not, and why: {@link #accepted()}; if not, {@link #reason()} gives the reason's
 * {@link RejectionReason#code() code} and {@link RejectionReason#description() description}, whether the domain
 * rejected the command (a {@link Reason}) or the engine refused it (an {@link EngineRefusal}: deciding it
 * threw, or it spans shards), and {@link #rejectionRef()} what the rejection refers to. {@link OutcomeView}
 * answers the same questions with the same methods, allocating nothing.
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
 * @param events   what the domain decided, or the engine's refusal; a rejection is among them when something was
 *                 refused
 */
public record Outcome(int shard, long sequence, long time, List<Event> events) {
    /** The shard and sequence of a command answered without being sequenced. */
    public static final int NOT_SEQUENCED = -1;
    /** The shard of the combined outcome of a command sent to every shard. */
    public static final int ALL_SHARDS = -2;

    public Outcome {
        events = List.copyOf(events);
    }

    /**
     * Whether nothing was refused, by the domain or by the engine: no event is a {@link Rejection}. The same
     * test as {@link OutcomeView#accepted()}: {@link Inventory#firstRejection} of the events is {@code -1}.
     */
    public boolean accepted() {
        return Inventory.firstRejection(events) < 0;
    }

    /** The first rejection among the events, if any. */
    public Optional<Rejection> rejection() {
        int first = Inventory.firstRejection(events);
        return first < 0 ? Optional.empty() : Optional.of((Rejection) events.get(first));
    }

    /**
     * Why the command was not accepted, if it was not: the reason of the first rejection, a domain
     * {@link Reason} or an {@link EngineRefusal}; its {@code code()} and {@code description()} say which.
     */
    public Optional<RejectionReason> reason() {
        return rejection().map(Rejection::reason);
    }

    /**
     * What the first rejection refers to (the order id, the movement id, the sku of a listing, {@code -1} for
     * a batch; see {@link dev.purestock.domain.Command#ref()}), or {@code -1} when the command was accepted.
     */
    public long rejectionRef() {
        return rejection().map(Rejection::ref).orElse(-1L);
    }
}
