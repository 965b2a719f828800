package dev.purestock.engine;

import dev.purestock.domain.Reason;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What an engine has done since it started and where its shards stand: {@link #shard(int)} for each shard's
 * pipeline, and the few figures that belong to no shard. A live view, read from any thread at any time, also
 * after {@link PurestockEngine#close()}; reading it costs the engine's stages nothing. Get it with
 * {@link PurestockEngine#metrics()}; {@link JmxMetrics} publishes it as MBeans, and the
 * {@code purestock-micrometer} module binds it to a Micrometer registry. The engine's README says what each
 * figure means.
 */
public final class EngineMetrics {
    private final List<ShardMetrics> shards;
    private final AtomicLong callbackFailures;
    private final AtomicLongArray rejectedUnsequenced = new AtomicLongArray(ShardCounters.Decision.REASON_CODES);

    EngineMetrics(List<ShardMetrics> shards, AtomicLong callbackFailures) {
        this.shards = List.copyOf(shards);
        this.callbackFailures = callbackFailures;
    }

    /** How many shards the engine runs. */
    public int shards() {
        return shards.size();
    }

    /**
     * The metrics of shard {@code index}.
     *
     * @throws IllegalArgumentException when there is no such shard
     */
    public ShardMetrics shard(int index) {
        if (index < 0 || index >= shards.size()) {
            throw new IllegalArgumentException("shard " + index + " does not exist; the engine has " + shards.size()
                    + " shard(s), 0.." + (shards.size() - 1));
        }
        return shards.get(index);
    }

    /** Every shard's metrics, by index. */
    public List<ShardMetrics> allShards() {
        return shards;
    }

    /**
     * Commands rejected for {@code reason} before a shard sequenced them, on the submitting thread: a command
     * beyond a shape limit ({@link Reason#TOO_MANY_LINES}, {@link Reason#BATCH_TOO_LARGE},
     * {@link Reason#BATCH_TOO_DEEP}), an order id another shard holds ({@link Reason#ID_REUSED}), a command
     * across shards. They were never journaled, so no shard counts them.
     */
    public long rejectedUnsequenced(Reason reason) {
        return rejectedUnsequenced.get(reason.code());
    }

    /** {@link #rejectedUnsequenced(Reason)} for every reason that occurred, in the reasons' order. */
    public Map<Reason, Long> rejectedUnsequencedByReason() {
        Map<Reason, Long> byReason = new EnumMap<>(Reason.class);
        for (Reason reason : Reason.values()) {
            long count = rejectedUnsequenced(reason);
            if (count > 0) {
                byReason.put(reason, count);
            }
        }
        return Collections.unmodifiableMap(byReason);
    }

    /** Callbacks and consumers that threw and were isolated, in all shards ({@link PurestockEngine#consumerFailures()}). */
    public long callbackFailures() {
        return callbackFailures.get();
    }

    /** Counts one command rejected before sequencing; on the submitting thread, which is not a stage thread. */
    void rejectedUnsequenced(int reasonCode) {
        rejectedUnsequenced.incrementAndGet(reasonCode);
    }
}
