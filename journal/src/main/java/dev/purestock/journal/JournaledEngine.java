package dev.purestock.journal;

import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.PurestockEngine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Starts a one-shard {@link PurestockEngine} on a journal directory: recovers the state first (newest
 * snapshot, then the journal tail), then journals every command to the same directory and writes snapshots
 * there on the engine's policy and on {@link PurestockEngine#snapshot}.
 *
 * @param engine    the started engine; closing it closes the journal
 * @param recovered what recovery found
 */
public record JournaledEngine(PurestockEngine engine, RecoveredState recovered) implements AutoCloseable {

    /**
     * Recovers {@code dir} and starts an engine on it.
     *
     * @param dir           the journal directory (created when missing)
     * @param durability    when a record counts as written
     * @param snapshotEvery cut a snapshot every this many commands ({@code 0}: only on demand)
     * @param tuning        further engine settings (ring size, wait strategy, clock)
     * @param progress      hears the replay's progress
     */
    public static JournaledEngine start(Path dir, Durability durability, long snapshotEvery,
                                        Consumer<PurestockEngine.Builder> tuning, ReplayProgress progress) {
        return start(dir, durability, snapshotEvery, RetentionPolicy.KEEP_JOURNAL, tuning, progress);
    }

    /**
     * Recovers {@code dir} and starts an engine on it, first pruning as {@code retention} says.
     *
     * @throws UncheckedIOException when pruning fails
     */
    public static JournaledEngine start(Path dir, Durability durability, long snapshotEvery,
                                        RetentionPolicy retention, Consumer<PurestockEngine.Builder> tuning,
                                        ReplayProgress progress) {
        if (retention.pruneCyclesOnStart() && JournalQueues.hasJournal(dir)) {
            try {
                JournalPruner.prune(dir, retention.keepSnapshots());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prune journal " + dir, e);
            }
        }
        RecoveredState recovered = JournalRecovery.recover(dir, PrimitiveInventoryStore::new, progress);
        SnapshotStore snapshots = new SnapshotStore(dir, retention.keepSnapshots());
        PurestockEngine.Builder builder = PurestockEngine.builder()
                .shards(1)
                .initialState(shard -> recovered.toShardState())
                .journal(shard -> JournalWriter.open(dir, durability))
                .snapshotWriter(shard -> snapshots)
                .snapshotEvery(snapshotEvery);
        tuning.accept(builder);
        return new JournaledEngine(builder.build(), recovered);
    }

    @Override
    public void close() {
        engine.close();
    }
}
