package dev.purestock.cli;

import dev.purestock.journal.JournalException;
import dev.purestock.journal.JournalLayout;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalReader;
import dev.purestock.journal.RecoveredState;
import dev.purestock.journal.ReplayProgress;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The journal a subcommand works on, as {@code --journal} and {@code --shard} name it: a one-shard directory
 * (the records directly in it), or the shards of a sharded one ({@code DIR/shard-N}, each a one-shard journal;
 * see {@link JournalLayout}). A one-shard directory is shard 0 of one, and is reported exactly as before sharding
 * existed; a sharded one is reported per shard, with totals.
 */
final class JournalTarget {
    private final Path dir;
    private final int shardCount;
    private final boolean sharded;
    private final List<Shard> shards;
    /** What {@link #openForReading} heard of a newest cycle file left unread, by shard number. */
    private final Map<Integer, String> notes = new HashMap<>();

    /**
     * One shard of the journal.
     *
     * @param index     its number
     * @param dir       its directory: the journal directory itself when it is not sharded
     * @param hasCycles whether it holds cycle files; without, it holds no record and is not opened
     */
    record Shard(int index, Path dir, boolean hasCycles) {
    }

    /** The work a subcommand does on one shard. */
    @FunctionalInterface
    interface ShardTask<T> {
        T run(Shard shard, ReplayProgress progress) throws Exception;
    }

    private JournalTarget(Path dir, int shardCount, boolean sharded, List<Shard> shards) {
        this.dir = dir;
        this.shardCount = shardCount;
        this.sharded = sharded;
        this.shards = List.copyOf(shards);
    }

    /**
     * As {@link #openUnchecked}, for the subcommands that only read: a newest cycle file with no header (a writer
     * stopped as it rolled into it, or the file zeroed) does not stop them. Their readers read every record before it,
     * without waiting for its header, when those records reach the journal's high-water mark, and refuse, naming the
     * file and the acknowledged records that may be in it, otherwise ({@link JournalReader#unreadNewestCycle}); such a
     * file is named on standard error ({@code note: }, with its shard when the directory is sharded) before they
     * answer, and kept for their answer ({@link #note}). A cycle file with no header before the newest is refused by
     * their readers, naming it.
     *
     * @throws JournalException when a selected shard's reader refuses to open its journal
     */
    static JournalTarget openForReading(Path dir, Integer shard, CommandSpec spec) {
        JournalTarget target = openUnchecked(dir, shard, spec);
        for (Shard one : target.shards()) {
            if (one.hasCycles()) {
                try {
                    JournalReader.unreadNewestCycleOf(one.dir()).ifPresent(note -> {
                        target.notes.put(one.index(), note);
                        spec.commandLine().getErr().println("note: " + (target.sharded() ? "shard " + one.index()
                                + ": " : "") + note);
                    });
                } catch (RuntimeException e) {
                    throw target.sharded() ? inShard(one, e) : e;
                }
            }
        }
        return target;
    }

    /**
     * Judges {@code dir} as {@link Cli#requireJournal} does, and each shard of a sharded one alike, leaving the cycle
     * files' headers to the caller: {@code status} shows what is wrong with one shard's journal beside what it knows of
     * the others; the subcommands that change the journal take its {@link #lock} first and then
     * {@link #requireCycleHeaders}.
     *
     * @param shard the one shard to work on ({@code --shard}), {@code null} for all
     * @throws ParameterException when {@code shard} is negative or not one of the directory's shards
     * @throws JournalException   when {@code dir} is not a journal, or a sharded one lacks a shard
     */
    static JournalTarget openUnchecked(Path dir, Integer shard, CommandSpec spec) {
        if (shard != null && shard < 0) {
            throw new ParameterException(spec.commandLine(), "--shard must be a shard number, at least 0, was "
                    + shard);
        }
        JournalLayout layout = Cli.layout(dir);
        if (shard != null && shard >= layout.shards()) {
            throw new ParameterException(spec.commandLine(), "--shard " + shard + " is out of range: journal " + dir
                    + (layout.isSharded() ? " holds " + layout.shards() + " shards (0.." + (layout.shards() - 1) + ")"
                    : " holds one shard (0)"));
        }
        if (!layout.isSharded()) {
            return new JournalTarget(dir, 1, false, List.of(new Shard(0, dir, Cli.requireJournal(dir))));
        }
        List<Shard> selected = new ArrayList<>();
        for (int i = 0; i < layout.shards(); i++) {
            if (shard == null || shard == i) {
                selected.add(new Shard(i, layout.shardDir(i), Cli.requireShard(dir, i, layout.shardDir(i))));
            }
        }
        return new JournalTarget(dir, layout.shards(), true, selected);
    }

    /**
     * For the subcommands that change the journal, holding its {@link #lock}: fails when a cycle file of a selected
     * shard has no header, the newest too ({@link Cli#requireCycleHeaders}; an engine start sets such a newest one
     * aside). Checked under the lock, so that a cycle file an engine is rolling into that moment, its header not
     * written yet, is never named: the lock names the engine instead.
     *
     * @throws JournalException naming the cycle file with no header
     */
    void requireCycleHeaders() {
        for (Shard one : shards) {
            if (one.hasCycles()) {
                Cli.requireCycleHeaders(one.dir());
            }
        }
    }

    /**
     * What {@link #openForReading} named on standard error for {@code shard}: its newest cycle file, left unread
     * ({@link JournalReader#unreadNewestCycle}); empty when every cycle file is read. For an answer printed as
     * {@code key=value} lines or {@code --json}, which carries it as {@code journal-note}.
     */
    Optional<String> note(Shard shard) {
        return Optional.ofNullable(notes.get(shard.index()));
    }

    /**
     * {@code recoveryNotes}, the notes of a recovery of {@code shard} ({@link RecoveredState#notes}), less the one
     * {@link #openForReading} already named on standard error: the newest cycle file left unread, which the recovery's
     * reader names too.
     */
    List<String> notNamedYet(Shard shard, List<String> recoveryNotes) {
        String named = notes.get(shard.index());
        return named == null ? recoveryNotes : recoveryNotes.stream().filter(note -> !note.equals(named)).toList();
    }

    /** The directory {@code --journal} names. */
    Path dir() {
        return dir;
    }

    /** Whether the directory is sharded; when not, every report looks as it did before sharding. */
    boolean sharded() {
        return sharded;
    }

    /** How many shards the directory holds ({@code 1} when it is not sharded). */
    int shardCount() {
        return shardCount;
    }

    /** The shards to work on, in order: every one, or the one {@code --shard} names. */
    List<Shard> shards() {
        return shards;
    }

    /** The one shard to work on; only when the directory is not sharded or {@code --shard} named one. */
    Shard only() {
        if (shards.size() != 1) {
            throw new IllegalStateException("more than one shard: " + shards);
        }
        return shards.getFirst();
    }

    /**
     * Runs {@code task} on every shard, in parallel, behind one progress bar for them all; the results in shard
     * order. A failure is rethrown once every shard is done, the first in shard order, its message starting
     * with the shard ({@code shard 1: ...}) when the directory is sharded.
     */
    <T> List<T> each(PrintWriter err, String label, ShardTask<T> task) throws Exception {
        ShardProgress progress = new ShardProgress(new ProgressBar(err, label), shards);
        if (shards.size() == 1) {
            Shard shard = shards.getFirst();
            try {
                return List.of(task.run(shard, progress.of(0)));
            } catch (Exception e) {
                throw sharded ? inShard(shard, e) : e;
            }
        }
        AtomicInteger threads = new AtomicInteger();
        int parallelism = Math.min(shards.size(), Math.max(1, Runtime.getRuntime().availableProcessors()));
        List<Future<T>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(parallelism,
                work -> new Thread(work, "purestock-" + label + "-" + threads.getAndIncrement()))) {
            for (int i = 0; i < shards.size(); i++) {
                Shard shard = shards.get(i);
                ReplayProgress heard = progress.of(i);
                futures.add(pool.submit(() -> task.run(shard, heard)));
            }
        }
        List<T> results = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            try {
                results.add(futures.get(i).get());
            } catch (ExecutionException e) {
                throw inShard(shards.get(i), e.getCause());
            }
        }
        return results;
    }

    /**
     * For the subcommands whose work changes each shard as it goes, on the shards in parallel ({@code prune},
     * {@code snapshot}): opens every shard's journal, as that work first does, before any shard's work begins, so
     * that what one shard refuses on opening (a stray {@code .cq4} file, a damaged high-water mark, cycle files gone
     * below it, damage at its end) leaves every shard as it was. The refusal starts with the shard, as one from
     * {@link #each} does. Call it holding {@link #lock}.
     */
    void requireEveryShardOpens() {
        if (shards.size() < 2) {
            return;
        }
        for (Shard shard : shards) {
            try {
                if (shard.hasCycles()) {
                    JournalReader.open(shard.dir()).close();
                } else {
                    Cli.requireNothingAcknowledged(shard.dir());
                }
            } catch (RuntimeException e) {
                throw inShard(shard, e);
            }
        }
    }

    /**
     * Takes the lock of the whole directory and, when it is sharded, the lock of every shard as well, as an
     * engine would: the writing subcommands hold them while they change anything.
     *
     * @throws JournalException when an engine or another command holds one; the locks taken are released
     */
    Locks lock() {
        List<JournalLock> taken = new ArrayList<>();
        try {
            taken.add(JournalLock.acquire(dir));
            if (sharded) {
                for (Shard shard : shards) {
                    taken.add(JournalLock.acquire(shard.dir()));
                }
            }
            return new Locks(taken);
        } catch (RuntimeException e) {
            new Locks(taken).close();
            throw e;
        }
    }

    /** The locks {@link #lock} took; closing releases them, the whole directory's last. */
    record Locks(List<JournalLock> locks) implements AutoCloseable {
        @Override
        public void close() {
            for (JournalLock lock : locks.reversed()) {
                lock.close();
            }
        }
    }

    private static JournalException inShard(Shard shard, Throwable cause) {
        String message = cause.getMessage() == null || cause.getMessage().isBlank()
                ? cause.getClass().getSimpleName() : cause.getMessage();
        return new JournalException("shard " + shard.index() + ": " + message, cause);
    }

    /** One progress bar for the shards read at once: it shows their sum once each has said how much it has. */
    private static final class ShardProgress {
        private final ReplayProgress bar;
        private final long[] done;
        private final long[] total;
        private final boolean[] heard;
        private int unheard;

        ShardProgress(ReplayProgress bar, List<Shard> shards) {
            this.bar = bar;
            this.done = new long[shards.size()];
            this.total = new long[shards.size()];
            this.heard = new boolean[shards.size()];
            for (int i = 0; i < shards.size(); i++) {
                heard[i] = !shards.get(i).hasCycles();
                unheard += heard[i] ? 0 : 1;
            }
        }

        ReplayProgress of(int position) {
            return (doneHere, totalHere) -> onProgress(position, doneHere, totalHere);
        }

        private synchronized void onProgress(int position, long doneHere, long totalHere) {
            done[position] = doneHere;
            total[position] = totalHere;
            if (!heard[position]) {
                heard[position] = true;
                unheard--;
            }
            if (unheard == 0) {
                long allDone = 0;
                long all = 0;
                for (int i = 0; i < done.length; i++) {
                    allDone += done[i];
                    all += total[i];
                }
                bar.onProgress(allDone, all);
            }
        }
    }
}
