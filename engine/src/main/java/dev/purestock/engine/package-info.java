/**
 * The purestock engine: a single-writer Disruptor ring per shard that sequences commands into the pure
 * domain, durability stages that make the decisions durable, and the completion stage that answers
 * callers, keeps the {@link dev.purestock.engine.ReadModel} and runs consumers. Start at
 * {@link dev.purestock.engine.PurestockEngine}; the stage graph is in {@code EngineWiring}.
 */
package dev.purestock.engine;
