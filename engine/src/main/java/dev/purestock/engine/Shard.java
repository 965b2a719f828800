package dev.purestock.engine;

import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;

import java.util.List;

/**
 * One shard as wired by {@link EngineWiring}: its ring, its health, its durability handlers (kept to
 * close their stages once the ring has stopped) and its metrics.
 */
record Shard(int index, Disruptor<CommandSlot> disruptor, RingBuffer<CommandSlot> ring, ShardHealth health,
             List<DurabilityHandler> durabilityHandlers, ShardMetrics metrics) {
}
