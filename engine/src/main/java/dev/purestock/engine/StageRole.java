package dev.purestock.engine;

import java.util.Locale;

/**
 * What one of the engine's threads does, as a {@link StageThreadListener} is told; the thread is named after it
 * ({@link #threadName}). A stage that is not configured has no thread (see {@link PurestockEngine}). The roles
 * that read the ring ({@link #DECIDE}, {@link #JOURNAL}, {@link #REPLICATE}, {@link #APPLY}, {@link #COMPLETE},
 * in the order a command passes them) also name the pipeline stages whose lag {@link ShardMetrics#lag} reports.
 */
public enum StageRole {
    /**
     * Decides each command and applies its events: the shard's single writer ({@code purestock-shard-N-decide}).
     */
    DECIDE,
    /** Hands decided commands to the shard's journal ({@code -journal}); only with {@code Builder.journal}. */
    JOURNAL,
    /**
     * Hands decided commands to the shard's replication ({@code -replicate}); only with {@code Builder.replication}.
     */
    REPLICATE,
    /** Keeps the snapshot stage's copy of the state ({@code -apply}); only with {@code Builder.snapshotWriter}. */
    APPLY,
    /** Writes snapshots from that copy ({@code -snapshot}); only with {@code Builder.snapshotWriter}. */
    SNAPSHOT,
    /** Updates the read model, answers callers and runs consumers ({@code -complete}). */
    COMPLETE,
    /**
     * The reservation expiry timer, one for the whole engine ({@code purestock-expire-reservations}, shard
     * {@link StageThreadListener#ALL_SHARDS}); none when {@code expireReservationsEvery(Duration.ZERO)}.
     */
    EXPIRE_RESERVATIONS;

    /** The name of the thread that plays this role for {@code shard} ({@code purestock-shard-0-decide}). */
    public String threadName(int shard) {
        if (this == EXPIRE_RESERVATIONS) {
            return ExpiryTimer.THREAD_NAME;
        }
        return "purestock-shard-" + shard + "-" + name().toLowerCase(Locale.ROOT);
    }
}
