package dev.purestock.cli;

import dev.purestock.engine.EngineMetrics;
import dev.purestock.engine.Percentiles;
import dev.purestock.engine.StageRole;
import dev.purestock.engine.ShardMetrics;

import java.util.Locale;

/**
 * An engine's {@link EngineMetrics} as summary keys, {@code metrics.}-prefixed: the figures of each shard under
 * {@code metrics.shard.N.}, latencies in nanoseconds ({@code -ns}), batch sizes in slots. The engine's README
 * says what each figure means.
 */
final class MetricsSummary {
    private MetricsSummary() {
    }

    static void put(Summary summary, EngineMetrics metrics) {
        metrics.rejectedUnsequencedByReason()
                .forEach((reason, count) -> summary.put("metrics.refused." + reason, count));
        summary.put("metrics.callback-failures", metrics.callbackFailures());
        for (ShardMetrics shard : metrics.allShards()) {
            String prefix = "metrics.shard." + shard.shard() + ".";
            summary.put(prefix + "health", shard.health())
                    .put(prefix + "commands-sequenced", shard.commandsSequenced())
                    .put(prefix + "commands-accepted", shard.commandsAccepted())
                    .put(prefix + "commands-rejected", shard.commandsRejected());
            shard.rejectedByReason().forEach((reason, count) -> summary.put(prefix + "rejected." + reason, count));
            summary.put(prefix + "ring-size", shard.ringSize())
                    .put(prefix + "ring-remaining", shard.ringRemainingCapacity());
            for (StageRole stage : shard.stages()) {
                summary.put(prefix + "lag." + name(stage), shard.lag(stage));
            }
            Percentiles batches = shard.batchSizes();
            summary.put(prefix + "batches", batches.count())
                    .put(prefix + "batch-size.p50", batches.p50())
                    .put(prefix + "batch-size.p99", batches.p99())
                    .put(prefix + "batch-size.max", batches.max());
            for (StageRole stage : shard.stages()) {
                if (stage == StageRole.JOURNAL || stage == StageRole.REPLICATE) {
                    latency(summary, prefix + name(stage) + "-append", shard.appendLatency(stage));
                    latency(summary, prefix + name(stage) + "-sync", shard.syncLatency(stage));
                }
            }
            if (shard.stages().contains(StageRole.APPLY)) {
                summary.put(prefix + "snapshots-written", shard.snapshotsWritten())
                        .put(prefix + "snapshots-failed", shard.snapshotsFailed())
                        .put(prefix + "snapshots-skipped", shard.snapshotsSkipped())
                        .put(prefix + "snapshots-unavailable", shard.snapshotsUnavailable());
                shard.snapshotsUnavailableReason()
                        .ifPresent(reason -> summary.put(prefix + "snapshots-unavailable-reason", reason));
                latency(summary, prefix + "snapshot-duration", shard.snapshotDuration());
            }
            summary.put(prefix + "callback-failures", shard.callbackFailures());
            shard.failureMessage().ifPresent(message -> summary.put(prefix + "failure", message));
        }
    }

    private static void latency(Summary summary, String prefix, Percentiles latency) {
        summary.put(prefix + ".count", latency.count())
                .put(prefix + ".p50-ns", latency.p50())
                .put(prefix + ".p90-ns", latency.p90())
                .put(prefix + ".p99-ns", latency.p99())
                .put(prefix + ".p999-ns", latency.p999())
                .put(prefix + ".max-ns", latency.max());
    }

    private static String name(StageRole stage) {
        return stage.name().toLowerCase(Locale.ROOT);
    }
}
