package dev.purestock.engine;

/** Stage 2b: hands each decided command to the shard's replication, in parallel with the journal. */
final class ReplicationHandler extends DurabilityHandler {
    ReplicationHandler(int shard, ShardHealth health, DurabilityStage replication, ShardCounters.Durability times) {
        super("the replication of shard " + shard, shard, StageRole.REPLICATE, health, replication, times);
    }
}
