package dev.purestock.engine;

import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;

/**
 * One shard as wired by {@link EngineWiring}: its ring, its health, its completion stage (which a close whose
 * time ran out relieves of the slots it has not answered) and its metrics. Each durability handler closes its
 * stage itself when its thread stops.
 */
record Shard(int index, Disruptor<CommandSlot> disruptor, RingBuffer<CommandSlot> ring, ShardHealth health,
             CompletionHandler completion, ShardMetrics metrics) {
}
