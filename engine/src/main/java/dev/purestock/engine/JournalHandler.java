package dev.purestock.engine;

/** Stage 2a: makes each decided command durable in the shard's journal. */
final class JournalHandler extends DurabilityHandler {
    JournalHandler(int shard, ShardHealth health, DurabilityStage journal, ShardCounters.Durability times) {
        super("the journal of shard " + shard, shard, StageRole.JOURNAL, health, journal, times);
    }
}
