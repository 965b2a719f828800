package dev.purestock.engine;

/**
 * The stages of a shard's pipeline, in the order a command passes them. The journal, replication and snapshot
 * stages run in parallel after the decision stage, each only when configured.
 */
public enum PipelineStage {
    /** Sequences and decides each command, and applies its events to the shard's state. */
    DECISION,
    /** Makes each decided command durable in the shard's journal ({@link PurestockEngine.Builder#journal}). */
    JOURNAL,
    /** Hands each decided command to the shard's replication ({@link PurestockEngine.Builder#replication}). */
    REPLICATION,
    /** Applies each decided command to the snapshot copy of the state ({@link PurestockEngine.Builder#snapshotWriter}). */
    SNAPSHOT,
    /** Updates the read model and answers the caller, once every stage before it has passed the command. */
    COMPLETION
}
