package dev.purestock.engine;

import java.util.Map;

/**
 * One shard's {@link ShardMetrics} as a JMX MXBean, registered by {@link JmxMetrics} as
 * {@code dev.purestock:type=Engine,name=<engine>,shard=<N>}. Every attribute is read live. Latencies are in
 * nanoseconds and distributions cover everything since the engine started; a stage that is not wired reads
 * {@code -1} for its lag and {@code 0} for its latencies.
 */
public interface ShardMetricsMXBean {
    /** The shard's index. */
    int getShard();

    /**
     * {@code RUNNING}, {@code STOPPED} (a failure stopped it, or another shard's stopped the engine's intake:
     * {@link #getFailureMessage()} says which) or {@code CLOSED} ({@link ShardMetrics#health()}).
     */
    String getHealth();

    /** Why the shard stopped, or an empty string while it has not. */
    String getFailureMessage();

    /** {@link ShardMetrics#commandsSequenced()}. */
    long getCommandsSequenced();

    /** {@link ShardMetrics#commandsAccepted()}. */
    long getCommandsAccepted();

    /** {@link ShardMetrics#commandsRejected()}. */
    long getCommandsRejected();

    /** {@link ShardMetrics#rejectedByReason()}, keyed by the reason's name. */
    Map<String, Long> getRejectedByReason();

    /** {@link ShardMetrics#ringSize()}. */
    int getRingSize();

    /** {@link ShardMetrics#ringRemainingCapacity()}. */
    long getRingRemainingCapacity();

    /**
     * The slots submitted that the decision stage has not decided yet ({@link ShardMetrics#lag} of
     * {@link StageRole#DECIDE}).
     */
    long getDecisionBacklog();

    /** Slots the journal stage is behind the decision stage, or {@code -1} without a journal. */
    long getJournalLag();

    /** Slots the replication stage is behind the decision stage, or {@code -1} without replication. */
    long getReplicationLag();

    /** Slots the snapshot stage is behind the decision stage, or {@code -1} without a snapshot writer. */
    long getSnapshotLag();

    /** Slots the completion stage (the answers) is behind the decision stage. */
    long getCompletionLag();

    /** Batches the decision stage took ({@link ShardMetrics#batchSizes()}). */
    long getBatchCount();

    /** The median batch size of the decision stage, in slots. */
    long getBatchSizeP50();

    /** The 99th percentile batch size of the decision stage, in slots. */
    long getBatchSizeP99();

    /** The largest batch of the decision stage, in slots. */
    long getBatchSizeMax();

    /** Commands appended to the journal but the last of each batch ({@link ShardMetrics#appendLatency}). */
    long getJournalAppendCount();

    /** The median journal append, in nanoseconds. */
    long getJournalAppendP50Nanos();

    /** The 99th percentile journal append, in nanoseconds. */
    long getJournalAppendP99Nanos();

    /** The 99.9th percentile journal append, in nanoseconds. */
    long getJournalAppendP999Nanos();

    /** The longest journal append, in nanoseconds. */
    long getJournalAppendMaxNanos();

    /** Journal batches made durable ({@link ShardMetrics#syncLatency}). */
    long getJournalSyncCount();

    /** The median end-of-batch journal call (the last append and the sync), in nanoseconds. */
    long getJournalSyncP50Nanos();

    /** The 99th percentile end-of-batch journal call, in nanoseconds. */
    long getJournalSyncP99Nanos();

    /** The 99.9th percentile end-of-batch journal call, in nanoseconds. */
    long getJournalSyncP999Nanos();

    /** The longest end-of-batch journal call, in nanoseconds. */
    long getJournalSyncMaxNanos();

    /** Replication batches handed over ({@link ShardMetrics#syncLatency} of {@link StageRole#REPLICATE}). */
    long getReplicationSyncCount();

    /** The 99th percentile end-of-batch replication call, in nanoseconds. */
    long getReplicationSyncP99Nanos();

    /** The longest end-of-batch replication call, in nanoseconds. */
    long getReplicationSyncMaxNanos();

    /** {@link ShardMetrics#snapshotsWritten()}. */
    long getSnapshotsWritten();

    /** {@link ShardMetrics#snapshotsFailed()}. */
    long getSnapshotsFailed();

    /**
     * {@link ShardMetrics#snapshotsUnavailable()}: {@code true} once the shard's snapshots fail until the engine is
     * restarted, while the shard goes on answering.
     */
    boolean isSnapshotsUnavailable();

    /** {@link ShardMetrics#snapshotsUnavailableReason()}, or an empty string while snapshots are available. */
    String getSnapshotsUnavailableReason();

    /** {@link ShardMetrics#snapshotsSkipped()}. */
    long getSnapshotsSkipped();

    /** The median time a snapshot took to write, in nanoseconds. */
    long getSnapshotDurationP50Nanos();

    /** The longest time a snapshot took to write, in nanoseconds. */
    long getSnapshotDurationMaxNanos();

    /** {@link ShardMetrics#callbackFailures()}. */
    long getCallbackFailures();
}
