package dev.purestock.journal;

import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.StoreCapacity;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A one-shard {@link PurestockEngine} on a journal directory: it takes the directory's {@link JournalLock},
 * removes snapshots the journal never reached, recovers the state (newest snapshot, then the journal tail),
 * then journals every command to the same directory and writes snapshots there on the engine's policy and on
 * {@link PurestockEngine#snapshot}. Closing it closes the engine and its journal, then releases the lock.
 */
public final class JournaledEngine implements AutoCloseable {
    private static final String RESERVED = "JournaledEngine runs one shard on its journal directory and sets "
            + "shards, journal, initialState and snapshotWriter itself (a second shard would write its records "
            + "into the same journal); remove it from the tuning, and run one JournaledEngine per directory for "
            + "more shards";
    private final PurestockEngine engine;
    private final RecoveredState recovered;
    private final JournalLock lock;

    private JournaledEngine(PurestockEngine engine, RecoveredState recovered, JournalLock lock) {
        this.engine = engine;
        this.recovered = recovered;
        this.lock = lock;
    }

    /**
     * Recovers {@code dir} and starts an engine on it.
     *
     * @param dir           the journal directory (created when missing)
     * @param durability    when a record counts as written
     * @param snapshotEvery cut a snapshot every this many commands ({@code 0}: only on demand)
     * @param tuning        further engine settings (ring size, wait strategy, clock, consumers, replication,
     *                      reservation expiry, order retention, store capacity: the recovered state is loaded
     *                      into stores of {@link PurestockEngine.Builder#storeCapacity}); applied before the
     *                      directory is touched. Setting the shards,
     *                      journal, initial state or snapshot writer, which the journaled engine owns, throws an
     *                      {@link IllegalArgumentException} naming the setting, and nothing is written
     * @param progress      hears the replay's progress
     * @throws JournalException when another process (or another engine in this one) uses {@code dir}
     */
    public static JournaledEngine start(Path dir, Durability durability, long snapshotEvery,
                                        Consumer<PurestockEngine.Builder> tuning, ReplayProgress progress) {
        return start(dir, durability, snapshotEvery, RetentionPolicy.KEEP_JOURNAL, tuning, progress);
    }

    /**
     * Recovers {@code dir} and starts an engine on it, first pruning as {@code retention} says.
     *
     * @throws JournalException         when another process (or another engine in this one) uses {@code dir}
     * @throws JournalDamagedException  when the journal cannot be read to its end and acknowledged records are
     *                                  behind the damage (an unreadable tail of unacknowledged records is cut,
     *                                  see {@link JournalRecovery#recoverForWriting})
     * @throws UncheckedIOException     when removing stale snapshots, pruning or cutting fails
     * @throws IllegalArgumentException when {@code tuning} sets what the journaled engine owns (see
     *                                  {@link #start(Path, Durability, long, Consumer, ReplayProgress)})
     */
    public static JournaledEngine start(Path dir, Durability durability, long snapshotEvery,
                                        RetentionPolicy retention, Consumer<PurestockEngine.Builder> tuning,
                                        ReplayProgress progress) {
        AtomicReference<RecoveredState> recovered = new AtomicReference<>();
        AtomicReference<SnapshotStore> snapshots = new AtomicReference<>();
        AtomicReference<JournalWriter> writer = new AtomicReference<>();
        PurestockEngine.Builder builder = PurestockEngine.builder()
                .shards(1)
                .initialState(shard -> recovered.get().toShardState())
                .journal(shard -> {
                    JournalWriter opened = JournalWriter.open(dir, durability, shard);
                    writer.set(opened);
                    return opened;
                })
                .snapshotWriter(shard -> snapshots.get())
                .snapshotEvery(snapshotEvery)
                .reserveStorageSettings(RESERVED);
        tuning.accept(builder);
        JournalLock lock = JournalLock.acquire(dir);
        try {
            StoreCapacity capacity = builder.storeCapacity();
            recovered.set(JournalRecovery.recoverForWriting(dir, retention,
                    () -> new PrimitiveInventoryStore(capacity), progress));
            long recoveredEnd = recovered.get().nextSequence() - 1;
            snapshots.set(new SnapshotStore(dir, retention.keepSnapshots(), () -> {
                JournalWriter current = writer.get();
                return Math.max(recoveredEnd, current == null ? Long.MIN_VALUE : current.lastSequenceWritten());
            }));
            return new JournaledEngine(builder.build(), recovered.get(), lock);
        } catch (RuntimeException | Error e) {
            lock.close();
            throw e;
        }
    }

    /** The started engine; closing this closes it. */
    public PurestockEngine engine() {
        return engine;
    }

    /** What recovery found, with a note for every snapshot removed or skipped. */
    public RecoveredState recovered() {
        return recovered;
    }

    /**
     * Closes the engine ({@link PurestockEngine#close()}: its journal and snapshot writer too), then releases the
     * lock.
     */
    @Override
    public void close() {
        try {
            engine.close();
        } finally {
            lock.close();
        }
    }

    /**
     * Closes the engine waiting at most {@code timeout} for the drain ({@link PurestockEngine#close(Duration)}), and
     * releases the lock if it drained. If it did not, the journal may still be writing (its stage was blocked when
     * time ran out), so the directory stays locked: until {@link #close()}, which waits for the journal to stop, or
     * until the process exits, which releases the lock with it.
     *
     * @return whether the engine drained in time, and the lock was released
     */
    public boolean close(Duration timeout) {
        if (!engine.close(timeout)) {
            return false;
        }
        lock.close();
        return true;
    }
}
