package dev.purestock.journal;

import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.StoreCapacity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A {@link PurestockEngine} on a journal directory, built with {@link #builder(Path)}: it takes the directory's
 * {@link JournalLock}, sets aside snapshots the journal never reached, recovers the state (newest snapshot, then the
 * journal tail), then journals every command to the directory and writes snapshots there on the engine's policy
 * and on {@link PurestockEngine#snapshot}. Closing it closes the engine and its journals, then releases the locks.
 *
 * <p><b>Shards.</b> With one shard (the default) the directory is one journal, as purestock always wrote it. With
 * {@link Builder#shards N} shards it is a sharded directory ({@link JournalLayout}): the shard count recorded in
 * {@code purestock-shards.properties} when the directory is created, and shard {@code i}'s journal, high-water
 * mark, snapshots and lock in {@code DIR/shard-i}, exactly as a one-shard directory holds them. The engine then
 * holds {@code DIR/purestock.lock} and every shard's lock, and recovers the shards in parallel, one thread each
 * ({@code purestock-shard-N-recovery}). A directory opened with another shard count than it records is a
 * {@link JournalException} naming both counts: resharding is not supported.
 *
 * <p><b>Epoch.</b> Each shard's writer stamps the epoch its directory records ({@link JournalEpoch}) on every record.
 * A directory whose last record is of a newer epoch than it records is refused: its records would go back in epoch.
 *
 * <p><b>Notes.</b> What recovery did to a shard's directory, or found wrong there (a snapshot set aside or passed over,
 * a cycle file moved aside, a torn tail cut), is a note: handed back in {@link #recovered(int)}'s
 * {@link RecoveredState#notes()}, and logged once at WARN as the shard's recovery ends ({@code recovery of DIR: note}),
 * so that a service embedding the engine learns of it from its log. The journal library under it does not log these
 * notes itself; a caller that reports them in its own way turns the log off with {@link Builder#logRecoveryNotes}.
 */
public final class JournaledEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JournaledEngine.class);
    private static final String RESERVED = "JournaledEngine sets shards, journal, initialState and snapshotWriter "
            + "itself, one of each per shard directory of its journal; remove it from the tuning, and set the shard "
            + "count with JournaledEngine.builder(dir).shards(n)";
    private final PurestockEngine engine;
    private final JournalLayout layout;
    private final List<RecoveredState> recovered;
    /** The directory's lock first, then each shard directory's own (none for a one-shard directory). */
    private final List<JournalLock> locks;

    private JournaledEngine(PurestockEngine engine, JournalLayout layout, List<RecoveredState> recovered,
                            List<JournalLock> locks) {
        this.engine = engine;
        this.layout = layout;
        this.recovered = List.copyOf(recovered);
        this.locks = List.copyOf(locks);
    }

    /**
     * A builder for a journaled engine on {@code dir} (created when missing) with the defaults: one shard,
     * {@link Durability#PAGE_CACHE}, snapshots only on demand, {@link RetentionPolicy#KEEP_JOURNAL}, the engine's
     * own defaults for everything else, and no progress report.
     */
    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** The started engine; closing this closes it. */
    public PurestockEngine engine() {
        return engine;
    }

    /** The layout of the journal directory: its shard count and each shard's directory. */
    public JournalLayout layout() {
        return layout;
    }

    /**
     * What recovery found for a one-shard engine, with a note for every snapshot set aside or skipped: its whole
     * state.
     *
     * @throws IllegalStateException on a sharded engine, whose state is its shards' together: ask each shard with
     *     {@link #recovered(int)} (answering with shard 0's alone would look like the whole state)
     */
    public RecoveredState recovered() {
        if (layout.isSharded()) {
            throw new IllegalStateException("this engine runs " + layout.shards() + " shards on " + layout.dir()
                    + ", each recovered from its own journal: ask each with recovered(shard)");
        }
        return recovered(0);
    }

    /**
     * What recovery found for shard {@code shard}, from its own journal: its state, its next sequence (each shard
     * numbers its commands itself), and a note for every snapshot set aside or skipped.
     *
     * @throws IndexOutOfBoundsException when the engine has no such shard
     */
    public RecoveredState recovered(int shard) {
        if (shard < 0 || shard >= recovered.size()) {
            throw new IndexOutOfBoundsException("shard " + shard + " of a journaled engine with " + recovered.size()
                    + " shard" + (recovered.size() == 1 ? "" : "s"));
        }
        return recovered.get(shard);
    }

    /**
     * Closes the engine ({@link PurestockEngine#close()}: its journals and snapshot writers too), then releases the
     * locks. The locks are released only once the engine has closed: when {@link PurestockEngine#close()} throws
     * (called on one of its stage threads, from a callback), nothing is closed and the directory stays locked, so
     * no second engine can open a journal this one still writes. Idempotent, also from two threads at once.
     *
     * @throws IllegalStateException when called on one of the engine's stage threads; nothing was closed
     */
    @Override
    public void close() {
        engine.close();
        release(locks);
    }

    /**
     * Closes the engine waiting at most {@code timeout} for the drain ({@link PurestockEngine#close(Duration)}), and
     * releases the locks if it drained. If it did not, a journal may still be writing (its stage was blocked when
     * time ran out), so the directory stays locked: until {@link #close()}, which waits for the journals to stop, or
     * until the process exits, which releases the locks with it.
     *
     * @return whether the engine drained in time, and the locks were released
     */
    public boolean close(Duration timeout) {
        if (!engine.close(timeout)) {
            return false;
        }
        release(locks);
        return true;
    }

    /** Releases {@code locks} newest first; the first failure is thrown once every lock was tried. */
    private static void release(List<JournalLock> locks) {
        RuntimeException failure = null;
        for (int i = locks.size() - 1; i >= 0; i--) {
            try {
                locks.get(i).close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * The settings of a journaled engine: what it owns (the directory, its shard count, durability, snapshots,
     * retention, recovery's progress report) here, everything else of the engine through {@link #engine}.
     */
    public static final class Builder {
        private final Path dir;
        private int shards = 1;
        private Durability durability = Durability.PAGE_CACHE;
        private long snapshotEvery;
        private boolean snapshotsOnDemand = true;
        private RetentionPolicy retention = RetentionPolicy.KEEP_JOURNAL;
        private Consumer<PurestockEngine.Builder> tuning = engine -> { };
        private ReplayProgress progress = ReplayProgress.NONE;
        private boolean logRecoveryNotes = true;

        private Builder(Path dir) {
            this.dir = Objects.requireNonNull(dir, "journal directory");
        }

        /**
         * How many shards the engine runs (default 1); warehouse {@code w} belongs to shard {@code w % shards}.
         * One shard keeps the directory a one-shard journal; two or more make it a sharded directory (see
         * {@link JournalLayout}). A directory keeps the count it was created with: starting it with another is a
         * {@link JournalException} naming both counts.
         *
         * @throws IllegalArgumentException when {@code count} is below 1 or above the engine's bound (65,536)
         */
        public Builder shards(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("a journaled engine runs at least one shard, got " + count);
            }
            PurestockEngine.builder().shards(count); // the engine's own bound, refused here rather than at start
            this.shards = count;
            return this;
        }

        /** When a record counts as written (default {@link Durability#PAGE_CACHE}), for every shard's journal. */
        public Builder durability(Durability durability) {
            this.durability = Objects.requireNonNull(durability, "durability");
            return this;
        }

        /**
         * Cut a snapshot of each shard every this many of its commands ({@code 0}, the default: only on demand);
         * see {@link PurestockEngine.Builder#snapshotEvery}.
         *
         * @throws IllegalArgumentException when {@code commands} is negative
         */
        public Builder snapshotEvery(long commands) {
            if (commands < 0) {
                throw new IllegalArgumentException("snapshotEvery must be >= 0, was " + commands);
            }
            this.snapshotEvery = commands;
            return this;
        }

        /**
         * Whether {@link PurestockEngine#snapshot} may cut a snapshot when none are cut periodically
         * ({@link #snapshotEvery} {@code 0}); default {@code true}. Being ready for one costs the snapshot stage:
         * a thread that applies every command's events to a second copy of the state, so that a snapshot is cut
         * from that copy and never stalls the decision stage (on dev-2core, 2026-11-29: 32 B of allocation a
         * command while the state grows, and 0.99-1.16x journaled throughput without it in three rounds; see
         * docs/performance.md). {@code false} leaves the stage out,
         * and the future {@code snapshot} returns then completes exceptionally with an
         * {@link IllegalStateException}; recovery replays the journal from
         * the snapshots the directory already has. With periodic snapshots (set here or through {@link #engine})
         * the stage is always there. Without the stage a {@link PurestockEngine.Builder#snapshotBacklogLimit} set
         * through {@link #engine} is never used, and is not weighed against the heap. Sets
         * {@link PurestockEngine.Builder#snapshotsOnDemand}, which {@link #engine} may set again.
         */
        public Builder snapshotsOnDemand(boolean onDemand) {
            this.snapshotsOnDemand = onDemand;
            return this;
        }

        /**
         * What each shard keeps (default {@link RetentionPolicy#KEEP_JOURNAL}): snapshots kept after each new one,
         * and whether covered cycle files are pruned when the engine starts, before its journals open.
         */
        public Builder retention(RetentionPolicy retention) {
            this.retention = Objects.requireNonNull(retention, "retention");
            return this;
        }

        /**
         * The rest of the engine's settings (ring size, wait strategy, clock, consumers, replication, reservation
         * expiry, order retention, store capacity: the recovered state is loaded into stores of
         * {@link PurestockEngine.Builder#storeCapacity}), applied by {@link #start()} after this builder's own
         * settings (so a {@code snapshotEvery} set here wins) and before the directory is touched. Setting the
         * shards, journal, initial state or snapshot writer, which the journaled engine owns, throws an
         * {@link IllegalArgumentException} naming the setting from {@link #start()}, and nothing is written; the
         * shard count is set with {@link #shards}.
         */
        public Builder engine(Consumer<PurestockEngine.Builder> tuning) {
            this.tuning = Objects.requireNonNull(tuning, "engine tuning");
            return this;
        }

        /**
         * Hears the recovery's progress (default: nothing). With several shards, recovered in parallel, it hears
         * their sum: records replayed by every shard so far out of the records every shard will apply, from the
         * recovery threads one call at a time, first once every shard knows its count, and once at the end, when
         * every shard has recovered.
         */
        public Builder progress(ReplayProgress progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /**
         * Whether each shard's recovery notes are logged at WARN as its recovery ends (default {@code true}; see the
         * class comment). {@code false} for a caller that reports {@link JournaledEngine#recovered(int)}'s notes
         * itself, as the {@code purestock} command line prints them as {@code note:} lines: logged too, each would
         * reach its reader twice. A start that fails after a shard recovered (another shard's recovery, or a later
         * step, failed) hands its caller no notes, so it logs those of every shard that recovered all the same.
         */
        public Builder logRecoveryNotes(boolean log) {
            this.logRecoveryNotes = log;
            return this;
        }

        /**
         * Recovers the directory and starts the engine on it, first pruning each shard as the retention policy
         * says.
         *
         * @throws JournalException         when another process (or another engine in this one) uses the directory
         *                                  or one of its shards, or the directory records another shard count, or a
         *                                  shard's files alone refuse it: its epoch file holds no epoch
         *                                  ({@link JournalEpoch#read}), its high-water mark is damaged or at a record
         *                                  no cycle file holds, a {@code .cq4} file is not named as its cycle files
         *                                  are, a cycle file before its newest has no header (all refused before any
         *                                  shard recovers, so that the refusal changes no shard); or a shard's
         *                                  journal ends in a newer epoch than the shard records, or holds stock at
         *                                  a warehouse of another shard (shard directories in each other's places)
         * @throws JournalDamagedException  when a shard's journal cannot be read to its end and acknowledged records
         *                                  are behind the damage (an unreadable tail of unacknowledged records is
         *                                  cut, see {@link JournalRecovery#recoverForWriting}), or its high-water
         *                                  mark is at a record no cycle file can hold (refused before any shard
         *                                  recovers, naming the shard's directory); with several shards a refusal
         *                                  met in a shard's recovery starts with the shard
         * @throws UncheckedIOException     when setting aside stale snapshots, pruning or cutting fails
         * @throws IllegalArgumentException when the {@link #engine} tuning sets what the journaled engine owns, or
         *                                  the engine refuses a setting; nothing is written then
         */
        public JournaledEngine start() {
            AtomicReferenceArray<RecoveredState> recovered = new AtomicReferenceArray<>(shards);
            AtomicReferenceArray<SnapshotStore> snapshots = new AtomicReferenceArray<>(shards);
            AtomicReferenceArray<JournalWriter> writers = new AtomicReferenceArray<>(shards);
            AtomicReference<JournalLayout> layout = new AtomicReference<>();
            PurestockEngine.Builder builder = PurestockEngine.builder()
                    .shards(shards)
                    .initialState(shard -> recovered.get(shard).toShardState())
                    .initialStoresSizedByCapacity() // recovery makes them, below, once validate() let them pass
                    .journal(shard -> {
                        JournalWriter opened = JournalWriter.open(layout.get().shardDir(shard), durability, shard);
                        writers.set(shard, opened);
                        return opened;
                    });
            // asked when the engine is built, after the tuning, which may set snapshotEvery too; the engine asks it
            // only where snapshots may be cut, and without them weighs no backlog limit against the heap
            builder.snapshotWriter(snapshots::get)
                    .snapshotsOnDemand(snapshotsOnDemand)
                    .snapshotEvery(snapshotEvery)
                    .reserveStorageSettings(RESERVED);
            tuning.accept(builder);
            builder.validate(); // refused settings are refused before the directory is touched
            List<JournalLock> locks = new ArrayList<>(shards + 1);
            List<RecoveredState> states = List.of();
            locks.add(JournalLock.acquire(dir));
            try {
                JournalLayout created = JournalLayout.create(dir, shards);
                layout.set(created);
                if (created.isSharded()) {
                    for (Path shardDir : created.shardDirs()) {
                        locks.add(JournalLock.acquire(shardDir));
                    }
                }
                // what every shard's files alone refuse, before any shard's recovery (in parallel, each on its own)
                // cuts, sets aside, removes or prunes anything: a refused start changes no shard. One shard's own
                // recovery checks the same first (recoverForWriting)
                if (created.isSharded()) {
                    for (Path shardDir : created.shardDirs()) {
                        JournalRecovery.requireRecoverable(shardDir);
                    }
                }
                StoreCapacity capacity = builder.storeCapacity();
                states = recoverAll(created, retention, () -> new PrimitiveInventoryStore(capacity), progress,
                        logRecoveryNotes);
                for (Path shardDir : created.shardDirs()) {
                    JournalEpoch.requireRecordedCoversJournal(shardDir);
                }
                requireOwnStock(created, states);
                for (int shard = 0; shard < shards; shard++) {
                    recovered.set(shard, states.get(shard));
                    long recoveredEnd = states.get(shard).nextSequence() - 1;
                    int index = shard;
                    snapshots.set(shard, new SnapshotStore(created.shardDir(shard), retention.keepSnapshots(),
                            () -> {
                                JournalWriter current = writers.get(index);
                                return Math.max(recoveredEnd,
                                        current == null ? Long.MIN_VALUE : current.lastSequenceWritten());
                            }));
                }
                PurestockEngine engine = build(builder, writers);
                return new JournaledEngine(engine, created, states, locks);
            } catch (RuntimeException | Error e) {
                if (!logRecoveryNotes) {
                    // recovered, but the caller that would report the notes gets no engine: logged, once, instead
                    for (int shard = 0; shard < states.size(); shard++) {
                        logNotes(layout.get().shardDir(shard), states.get(shard));
                    }
                }
                try {
                    release(locks);
                } catch (RuntimeException notReleased) {
                    e.addSuppressed(notReleased);
                }
                throw e;
            }
        }

        /** Builds the engine; if that fails, closes the journals it opened before failing. */
        private static PurestockEngine build(PurestockEngine.Builder builder,
                                             AtomicReferenceArray<JournalWriter> writers) {
            try {
                return builder.build();
            } catch (RuntimeException | Error e) {
                for (int shard = 0; shard < writers.length(); shard++) {
                    JournalWriter opened = writers.get(shard);
                    if (opened != null) {
                        try {
                            opened.close();
                        } catch (RuntimeException notClosed) {
                            e.addSuppressed(notClosed);
                        }
                    }
                }
                throw e;
            }
        }
    }

    /**
     * Refuses a shard whose recovered stock lies at a warehouse of another shard: its directory holds another shard's
     * journal (shard directories restored into each other's places) or one of a journal with another shard count.
     * Started so, the router would send that warehouse's commands to the other shard, which never held its stock.
     * Refused here, as a journal's refusal naming the shard's directory, rather than by the engine's build, which
     * names neither the directory nor what to do.
     *
     * @throws JournalException naming the shard, its directory, the warehouse and the shard it belongs to
     */
    private static void requireOwnStock(JournalLayout layout, List<RecoveredState> states) {
        int shards = layout.shards();
        for (int shard = 0; shard < shards; shard++) {
            String misplaced = JournalLayout.stockOfAnotherShard(states.get(shard).store(), shard, shards);
            if (misplaced != null) {
                throw new JournalException("shard " + shard + " of " + shards + " (" + layout.shardDir(shard)
                        + "): its journal holds " + misplaced + ": " + JournalLayout.ANOTHER_SHARDS_JOURNAL
                        + "; the engine was not started");
            }
        }
    }

    /** Recovers the shard in {@code shardDir} for writing, logging its notes at WARN when {@code logNotes}. */
    private static RecoveredState recover(Path shardDir, RetentionPolicy retention,
                                          Supplier<PrimitiveInventoryStore> stores, ReplayProgress progress,
                                          boolean logNotes) {
        RecoveredState state = JournalRecovery.recoverForWriting(shardDir, retention, stores, progress);
        if (logNotes) {
            logNotes(shardDir, state);
        }
        return state;
    }

    /** Logs each of {@code state}'s notes once at WARN, naming {@code shardDir}. */
    private static void logNotes(Path shardDir, RecoveredState state) {
        state.notes().forEach(note -> LOG.warn("recovery of {}: {}", shardDir, note));
    }

    /**
     * Recovers every shard of {@code layout} for writing: a one-shard directory on this thread, several shards in
     * parallel, one thread each, waiting for all of them. A shard's failure is thrown once every shard has stopped,
     * naming the shard; the lowest failing shard's, with the others suppressed. Each shard's notes are logged as
     * its recovery ends, when {@code logNotes}, and otherwise those of each shard that recovered when another fails:
     * a shard that recovered has changed its directory even when another fails.
     */
    private static List<RecoveredState> recoverAll(JournalLayout layout, RetentionPolicy retention,
                                                   Supplier<PrimitiveInventoryStore> stores,
                                                   ReplayProgress progress, boolean logNotes) {
        int shards = layout.shards();
        CombinedProgress combined = new CombinedProgress(shards, progress);
        if (shards == 1) {
            RecoveredState state = recover(layout.shardDir(0), retention, stores, combined.shard(0), logNotes);
            combined.finished();
            return List.of(state);
        }
        List<FutureTask<RecoveredState>> tasks = new ArrayList<>(shards);
        for (int shard = 0; shard < shards; shard++) {
            int index = shard;
            FutureTask<RecoveredState> task = new FutureTask<>(() -> {
                RecoveredState state = recover(layout.shardDir(index), retention, stores, combined.shard(index),
                        logNotes);
                combined.finished();
                return state;
            });
            tasks.add(task);
            Thread thread = new Thread(task, "purestock-shard-" + shard + "-recovery");
            thread.setDaemon(true);
            thread.start();
        }
        List<RecoveredState> states = new ArrayList<>(shards);
        Throwable failure = null;
        boolean interrupted = false;
        for (int shard = 0; shard < shards; shard++) {
            while (true) {
                try {
                    states.add(tasks.get(shard).get());
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable named = inShard(e.getCause(), shard, layout);
                    if (failure == null) {
                        failure = named;
                    } else {
                        failure.addSuppressed(named);
                    }
                    states.add(null);
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null && !logNotes) {
            // the caller that would report them gets no engine: logged, so that what recovery changed is said
            for (int shard = 0; shard < shards; shard++) {
                if (states.get(shard) != null) {
                    logNotes(layout.shardDir(shard), states.get(shard));
                }
            }
        }
        if (failure instanceof Error error) {
            throw error;
        }
        if (failure != null) {
            throw (RuntimeException) failure;
        }
        return states;
    }

    /**
     * {@code cause}, of the same kind, with a message that starts with the shard it failed in; an {@link Error} as
     * it is.
     */
    private static Throwable inShard(Throwable cause, int shard, JournalLayout layout) {
        String prefix = "shard " + shard + " of " + layout.shards() + " (" + layout.shardDir(shard) + "): ";
        RuntimeException named;
        if (cause instanceof JournalDamagedException damaged) {
            named = new JournalDamagedException(prefix + damaged.getMessage(), damaged.lastReadableSequence(),
                    damaged.highWaterMark());
            named.initCause(damaged);
        } else if (cause instanceof JournalCorruptException corrupt) {
            named = new JournalCorruptException(prefix + corrupt.getMessage());
            named.initCause(corrupt);
        } else if (cause instanceof UncheckedIOException io) {
            named = new UncheckedIOException(prefix + io.getMessage(), io.getCause());
        } else if (cause instanceof Error error) {
            return error;
        } else {
            named = new JournalException(prefix + "recovery failed: " + cause.getMessage(), cause);
        }
        return named;
    }

    /**
     * The progress of every shard's recovery as one: the sum of what each shard replayed out of the sum of what each
     * will apply, reported once every shard knows its count, and once at the end.
     */
    private static final class CombinedProgress {
        private final ReplayProgress target;
        private final long[] done;
        private final long[] total;
        private final boolean[] counted;
        private int shardsCounted;
        private int shardsFinished;

        CombinedProgress(int shards, ReplayProgress target) {
            this.target = target;
            this.done = new long[shards];
            this.total = new long[shards];
            this.counted = new boolean[shards];
        }

        ReplayProgress shard(int shard) {
            return (replayed, records) -> onProgress(shard, replayed, records);
        }

        private synchronized void onProgress(int shard, long replayed, long records) {
            done[shard] = replayed;
            total[shard] = records;
            if (!counted[shard]) {
                counted[shard] = true;
                shardsCounted++;
            }
            long sumDone = sum(done);
            long sumTotal = sum(total);
            if (shardsCounted == done.length && sumDone < sumTotal) {
                target.onProgress(sumDone, sumTotal);
            }
        }

        synchronized void finished() {
            if (++shardsFinished == done.length) {
                target.onProgress(sum(done), sum(total));
            }
        }

        private static long sum(long[] values) {
            long sum = 0;
            for (long value : values) {
                sum += value;
            }
            return sum;
        }
    }
}
