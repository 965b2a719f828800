package dev.purestock.engine;

import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;

import java.util.List;

/**
 * One shard as wired by {@link EngineWiring}: its ring, where publishers wait for space in it, its health, its
 * completion stage (which a close whose time ran out relieves of the slots it has not answered), its durability
 * handlers and its metrics. Each durability handler closes its stage itself when its thread stops; a start that
 * fails part way closes those whose thread never ran ({@link DurabilityHandler#closeIfNeverStarted}).
 */
record Shard(int index, Disruptor<CommandSlot> disruptor, RingBuffer<CommandSlot> ring, RingSpace space,
             ShardHealth health, CompletionHandler completion, List<DurabilityHandler> durability,
             ShardMetrics metrics) {
}
