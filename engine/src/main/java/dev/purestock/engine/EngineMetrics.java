package dev.purestock.engine;

import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;

import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/**
 * What an engine has done since it started and where its shards stand: {@link #shard(int)} for each shard's
 * pipeline, and the few figures that belong to no shard. A live view, read from any thread at any time, also
 * after {@link PurestockEngine#close()}; reading it costs the engine's stages nothing. Get it with
 * {@link PurestockEngine#metrics()}; {@link JmxMetrics} publishes it as MBeans, and the
 * {@code purestock-micrometer} module binds it to a Micrometer registry. The engine's README says what each
 * figure means.
 */
public final class EngineMetrics {
    private static final List<RejectionReason> REASONS = Stream.<RejectionReason>concat(Stream.of(Reason.values()),
            Stream.of(EngineRefusal.values())).sorted(Comparator.comparingInt(RejectionReason::code)).toList();
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
     * across shards. They were never journaled, so no shard counts them. {@code 0} for a reason the engine never
     * gives (a service's own {@link RejectionReason}, whatever its code).
     */
    public long rejectedUnsequenced(RejectionReason reason) {
        int code = reason.code();
        return code >= 0 && code < rejectedUnsequenced.length() ? rejectedUnsequenced.get(code) : 0;
    }

    /** {@link #rejectedUnsequenced(RejectionReason)} for every reason that occurred, by code. */
    public Map<RejectionReason, Long> rejectedUnsequencedByReason() {
        return byReason(this::rejectedUnsequenced);
    }

    /**
     * Every reason a rejection the engine answers may carry, by code: the domain's {@link Reason}s and the
     * engine's {@link EngineRefusal}s. What a metrics binder counts per reason.
     */
    public static List<RejectionReason> reasons() {
        return REASONS;
    }

    /** The reasons that occurred, with their counts, by code. */
    static Map<RejectionReason, Long> byReason(ToLongFunction<RejectionReason> count) {
        Map<RejectionReason, Long> byReason = new LinkedHashMap<>();
        for (RejectionReason reason : REASONS) {
            long n = count.applyAsLong(reason);
            if (n > 0) {
                byReason.put(reason, n);
            }
        }
        return Collections.unmodifiableMap(byReason);
    }

    /**
     * Callbacks and consumers that threw and were isolated, in all shards
     * ({@link PurestockEngine#consumerFailures()}).
     */
    public long callbackFailures() {
        return callbackFailures.get();
    }

    /** Counts one command rejected before sequencing; on the submitting thread, which is not a stage thread. */
    void rejectedUnsequenced(int reasonCode) {
        rejectedUnsequenced.incrementAndGet(reasonCode);
    }
}
