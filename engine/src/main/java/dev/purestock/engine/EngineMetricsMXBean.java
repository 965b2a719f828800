package dev.purestock.engine;

import java.util.Map;

/**
 * The figures of {@link EngineMetrics} that belong to no shard, as a JMX MXBean registered by {@link JmxMetrics}
 * as {@code dev.purestock:type=Engine,name=<engine>}; each shard has a {@link ShardMetricsMXBean} of its own.
 */
public interface EngineMetricsMXBean {
    /** How many shards the engine runs. */
    int getShards();

    /** {@link EngineMetrics#rejectedUnsequencedByReason()}, keyed by the reason's name. */
    Map<String, Long> getRejectedUnsequencedByReason();

    /** {@link EngineMetrics#callbackFailures()}. */
    long getCallbackFailures();
}
