package dev.purestock.micrometer;

import dev.purestock.domain.RejectionReason;
import dev.purestock.engine.EngineMetrics;
import dev.purestock.engine.Percentiles;
import dev.purestock.engine.StageRole;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.Reactions;
import dev.purestock.engine.ShardMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Binds a purestock engine's {@link EngineMetrics} to a Micrometer {@link MeterRegistry}: counters, gauges and
 * timers tagged {@code shard} (and {@code reason}, {@code stage}, {@code quantile} where they apply), read from
 * the engine's live view whenever the registry publishes, so binding costs the engine nothing per command.
 *
 * <pre>{@code
 * new PurestockMetrics(engine, Tags.of("engine", "orders")).bindTo(registry);
 * }</pre>
 *
 * <p>The meters (Prometheus names in brackets; see this module's README for how to read them):
 * <ul>
 *   <li>{@code purestock.commands.sequenced}, {@code .accepted} and {@code .rejected} (with {@code reason}):
 *       counters per shard [{@code purestock_commands_sequenced_total}, ...]; {@code purestock.commands.refused}
 *       (with {@code reason}): rejected before any shard sequenced them, no {@code shard} tag.</li>
 *   <li>{@code purestock.ring.remaining} and {@code purestock.ring.size}: gauges, in slots.</li>
 *   <li>{@code purestock.stage.lag} (with {@code stage}, a {@code StageRole}: {@code decide}, {@code journal},
 *       {@code replicate}, {@code apply}, {@code complete}): gauge, slots a stage is behind the decision stage;
 *       for {@code stage=decide}, the slots waiting to be decided.</li>
 *   <li>{@code purestock.decision.batches}: counter of the decision stage's batches;
 *       {@code purestock.decision.batch.size} (with {@code quantile} 0.5, 0.9, 0.99, 0.999, 1.0): gauge, in
 *       slots.</li>
 *   <li>{@code purestock.durability.append} and {@code purestock.durability.sync} (with {@code stage} journal or
 *       replicate): function timers (count and total time [{@code _seconds_count}, {@code _seconds_sum}]) and
 *       time gauges {@code ...percentile} (with {@code quantile}) and {@code ...max}.</li>
 *   <li>{@code purestock.snapshots.written}, {@code purestock.snapshots.failed},
 *       {@code purestock.snapshots.skipped}: counters;
 *       {@code purestock.snapshot.duration}: function timer, with {@code ...percentile} and {@code ...max};
 *       {@code purestock.snapshots.unavailable}: gauge, 1 once the shard's snapshots fail until a restart
 *       ({@code ShardMetrics.snapshotsUnavailable()}: alert on it), 0 while they are written.</li>
 *   <li>{@code purestock.callbacks.failed}: counter of isolated callback and consumer failures, per shard;
 *       {@code purestock.callbacks.failed.unsequenced}: those of commands no shard sequenced, no {@code shard}
 *       tag (together, the engine's {@code consumerFailures()}).</li>
 *   <li>{@code purestock.shard.running}: gauge, 1 while the shard takes commands, 0 once stopped or closed.</li>
 *   <li>Bound from an engine: {@code purestock.reactions.reacted}, {@code .followups.submitted},
 *       {@code .followups.failed}, {@code .failures} and {@code .dropped}: counters of the engine's
 *       {@code Reactions}; {@code purestock.reactions.queued}: gauge, outcomes waiting for their reactions.</li>
 * </ul>
 * Distributions cover everything since the engine started: rate the counts and totals over a window for recent
 * figures (the mean latency over the last minute is the rate of {@code _sum} over the rate of {@code _count});
 * the percentile gauges are since start.
 *
 * <p>{@link #close()} removes the meters this binder registered from every registry it was bound to: close it with
 * its engine. A registry keeps a meter until it is removed, and answers a later registration of the same name and
 * tags with the meter it has, so an engine started again in the same process and bound to the same registry would
 * otherwise publish the closed engine's figures ({@code purestock.shard.running} 0 while the new one runs).
 * Binding it twice to the same registry binds it once.
 */
public final class PurestockMetrics implements MeterBinder, AutoCloseable {
    private static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999};
    private static final String SYNC_DESCRIPTION = "the last call of each batch to a durability stage: its append "
            + "and what makes the whole batch durable (a journal's sync)";
    private static final String APPEND_DESCRIPTION = "each call to a durability stage but the last of a batch: "
            + "the append, without waiting for the disk";

    private final EngineMetrics metrics;
    private final Reactions reactions;
    private final Tags tags;
    /** Each registry bound to, once, with the meters registered there; guarded by {@code this}. */
    private final List<Bound> bound = new ArrayList<>();

    /** Binds {@code engine}'s metrics with no extra tags. */
    public PurestockMetrics(PurestockEngine engine) {
        this(engine, Tags.empty());
    }

    /**
     * Binds {@code engine}'s metrics, each meter with {@code tags} too: give each engine of a service a tag of
     * its own ({@code Tags.of("engine", "orders")}) when it runs several.
     */
    public PurestockMetrics(PurestockEngine engine, Iterable<Tag> tags) {
        this(Objects.requireNonNull(engine, "engine").metrics(), engine.reactions(), tags);
    }

    /** Binds {@code metrics}, each meter with {@code tags} too (no reaction meters: they need the engine). */
    public PurestockMetrics(EngineMetrics metrics, Iterable<Tag> tags) {
        this(metrics, null, tags);
    }

    private PurestockMetrics(EngineMetrics metrics, Reactions reactions, Iterable<Tag> tags) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.reactions = reactions;
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    /**
     * Registers this binder's meters in {@code registry}. Binding again to a registry it is bound to (say, by
     * auto-configuration and by the service's own call) does nothing: the registry holds each meter once, and
     * {@link #close()} removes each once.
     */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        for (Bound existing : bound) {
            if (existing.registry() == registry) {
                return;
            }
        }
        Bound binding = new Bound(registry);
        for (RejectionReason reason : EngineMetrics.reasons()) {
            binding.add(FunctionCounter.builder("purestock.commands.refused", metrics,
                            m -> m.rejectedUnsequenced(reason))
                    .description("commands rejected before any shard sequenced them (beyond a shape limit, "
                            + "an id another shard holds, across shards)")
                    .tags(tags).tag("reason", tagValue(reason)).register(registry));
        }
        for (ShardMetrics shard : metrics.allShards()) {
            bindShard(binding, shard, tags.and("shard", Integer.toString(shard.shard())));
        }
        AtomicLong highest = new AtomicLong();
        binding.add(FunctionCounter.builder("purestock.callbacks.failed.unsequenced", metrics,
                        m -> highest.accumulateAndGet(unsequencedCallbackFailures(m), Math::max))
                .description("callbacks of commands no shard sequenced (refused before sequencing, or submitted "
                        + "after a stop or close) that threw and were isolated")
                .tags(tags).register(registry));
        if (reactions != null) {
            bindReactions(binding);
        }
        bound.add(binding);
    }

    /**
     * Removes every meter this binder registered from each registry it was bound to, so that they stop publishing
     * this engine's figures and a binder of a later engine can register its own under the same names and tags.
     * Idempotent; call it when the engine is closed (the starter's binder bean is closed with the context).
     */
    @Override
    public void close() {
        List<Bound> removing;
        synchronized (this) {
            removing = List.copyOf(bound);
            bound.clear();
        }
        for (Bound binding : removing) {
            binding.meters.forEach(binding.registry::remove);
        }
    }

    /**
     * The engine's isolated callback failures that no shard counts: those of commands answered before any shard
     * sequenced them. The engine's total is read first: each failure is counted by its shard before the total, so
     * the difference never counts a failure twice; it may count one late, and the meter keeps the highest value
     * read so that it never goes down.
     */
    private static long unsequencedCallbackFailures(EngineMetrics metrics) {
        long unattributed = metrics.callbackFailures();
        for (ShardMetrics shard : metrics.allShards()) {
            unattributed -= shard.callbackFailures();
        }
        return unattributed;
    }

    /** One registry this binder was bound to, and the meters it registered there. */
    private record Bound(MeterRegistry registry, List<Meter> meters) {
        Bound(MeterRegistry registry) {
            this(registry, new ArrayList<>());
        }

        void add(Meter meter) {
            meters.add(meter);
        }
    }

    private void bindReactions(Bound binding) {
        reactionCounter(binding, "purestock.reactions.reacted", "outcomes the reactions ran for",
                Reactions::reacted);
        reactionCounter(binding, "purestock.reactions.followups.submitted", "follow-up commands submitted",
                Reactions::followUpsSubmitted);
        reactionCounter(binding, "purestock.reactions.followups.failed",
                "follow-up commands the engine refused (closed or stopped)", Reactions::followUpsFailed);
        reactionCounter(binding, "purestock.reactions.failures", "reactions that threw or failed",
                Reactions::failures);
        reactionCounter(binding, "purestock.reactions.dropped",
                "outcomes whose reactions did not run because the reaction queue was full", Reactions::dropped);
        binding.add(Gauge.builder("purestock.reactions.queued", reactions, Reactions::queued)
                .description("outcomes waiting for their reactions").tags(tags).register(binding.registry()));
    }

    private void reactionCounter(Bound binding, String name, String description, ToDoubleFunction<Reactions> count) {
        binding.add(FunctionCounter.builder(name, reactions, count).description(description).tags(tags)
                .register(binding.registry()));
    }

    private static void bindShard(Bound binding, ShardMetrics shard, Tags tags) {
        MeterRegistry registry = binding.registry();
        counter(binding, "purestock.commands.sequenced", "commands the shard sequenced", shard, tags,
                ShardMetrics::commandsSequenced);
        counter(binding, "purestock.commands.accepted", "sequenced commands answered without a rejection", shard,
                tags, ShardMetrics::commandsAccepted);
        for (RejectionReason reason : EngineMetrics.reasons()) {
            counter(binding, "purestock.commands.rejected", "sequenced commands rejected, by their first reason",
                    shard, tags.and("reason", tagValue(reason)), s -> s.rejected(reason));
        }
        binding.add(Gauge.builder("purestock.ring.remaining", shard, ShardMetrics::ringRemainingCapacity)
                .description("free slots of the shard's ring").baseUnit("slots").tags(tags).register(registry));
        binding.add(Gauge.builder("purestock.ring.size", shard, ShardMetrics::ringSize)
                .description("slots of the shard's ring").baseUnit("slots").tags(tags).register(registry));
        for (StageRole stage : shard.stages()) {
            binding.add(Gauge.builder("purestock.stage.lag", shard, s -> s.lag(stage))
                    .description("slots a stage is behind the decision stage; for the decision stage, the slots "
                            + "waiting to be decided")
                    .baseUnit("slots").tags(tags).tag("stage", tagValue(stage)).register(registry));
        }
        counter(binding, "purestock.decision.batches", "batches the decision stage took", shard, tags,
                s -> s.batchSizes().count());
        for (double quantile : QUANTILES) {
            binding.add(Gauge.builder("purestock.decision.batch.size", shard, s -> at(s.batchSizes(), quantile))
                    .description("slots per batch of the decision stage, since start").baseUnit("slots").tags(tags)
                    .tag("quantile", Double.toString(quantile)).register(registry));
        }
        binding.add(Gauge.builder("purestock.decision.batch.size", shard, s -> s.batchSizes().max())
                .description("slots per batch of the decision stage, since start").baseUnit("slots").tags(tags)
                .tag("quantile", "1.0").register(registry));
        for (StageRole stage : shard.stages()) {
            if (stage == StageRole.JOURNAL || stage == StageRole.REPLICATE) {
                Tags staged = tags.and("stage", tagValue(stage));
                timer(binding, "purestock.durability.append", APPEND_DESCRIPTION, shard, staged,
                        s -> s.appendLatency(stage));
                timer(binding, "purestock.durability.sync", SYNC_DESCRIPTION, shard, staged,
                        s -> s.syncLatency(stage));
            }
        }
        if (shard.stages().contains(StageRole.APPLY)) {
            counter(binding, "purestock.snapshots.written", "snapshots written", shard, tags,
                    ShardMetrics::snapshotsWritten);
            counter(binding, "purestock.snapshots.failed", "snapshots not written", shard, tags,
                    ShardMetrics::snapshotsFailed);
            counter(binding, "purestock.snapshots.skipped", "periodic snapshots skipped for a later one", shard, tags,
                    ShardMetrics::snapshotsSkipped);
            timer(binding, "purestock.snapshot.duration", "how long a snapshot took to write", shard, tags,
                    ShardMetrics::snapshotDuration);
            binding.add(Gauge.builder("purestock.snapshots.unavailable", shard, s -> s.snapshotsUnavailable() ? 1 : 0)
                    .description("1 once the shard's snapshots fail until a restart (its snapshot copy was given up "
                            + "at the backlog limit, or broke) while it goes on answering, 0 while they are written")
                    .tags(tags).register(registry));
        }
        counter(binding, "purestock.callbacks.failed", "callbacks and consumers that threw and were isolated",
                shard, tags, ShardMetrics::callbackFailures);
        binding.add(Gauge.builder("purestock.shard.running", shard,
                        s -> s.health() == ShardMetrics.Health.RUNNING ? 1 : 0)
                .description("1 while the shard takes commands, 0 once a failure stopped it or the engine closed")
                .tags(tags).register(registry));
    }

    private static void counter(Bound binding, String name, String description, ShardMetrics shard, Tags tags,
                                ToDoubleFunction<ShardMetrics> count) {
        MeterRegistry registry = binding.registry();
        binding.add(FunctionCounter.builder(name, shard, count).description(description).tags(tags)
                .register(registry));
    }

    /** A distribution of nanoseconds: its count and total as a function timer, its percentiles and max as gauges. */
    private static void timer(Bound binding, String name, String description, ShardMetrics shard, Tags tags,
                              Function<ShardMetrics, Percentiles> read) {
        MeterRegistry registry = binding.registry();
        binding.add(FunctionTimer.builder(name, shard, s -> read.apply(s).count(), s -> read.apply(s).sum(),
                        TimeUnit.NANOSECONDS)
                .description(description + ", since start").tags(tags).register(registry));
        for (double quantile : QUANTILES) {
            binding.add(TimeGauge.builder(name + ".percentile", shard, TimeUnit.NANOSECONDS,
                            s -> at(read.apply(s), quantile))
                    .description(description + ", since start").tags(tags)
                    .tag("quantile", Double.toString(quantile)).register(registry));
        }
        binding.add(TimeGauge.builder(name + ".max", shard, TimeUnit.NANOSECONDS, s -> read.apply(s).max())
                .description(description + ": the longest since start").tags(tags).register(registry));
    }

    private static double at(Percentiles distribution, double quantile) {
        if (quantile == 0.5) {
            return distribution.p50();
        } else if (quantile == 0.9) {
            return distribution.p90();
        } else if (quantile == 0.99) {
            return distribution.p99();
        }
        return distribution.p999();
    }

    private static String tagValue(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    private static String tagValue(RejectionReason reason) {
        return reason.name().toLowerCase(Locale.ROOT);
    }
}
