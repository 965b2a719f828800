package dev.purestock.journal;

import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Rebuilds a shard's state from its journal directory: the newest snapshot that passes its checks and that
 * the journal reaches, then every later journal record. Records are replayed by folding their journaled
 * events with {@link Inventory#evolve} at the record's time; the journal holds what was decided, so replay
 * needs no decisions and gives exactly the live state (use {@link JournalVerifier} to re-decide and compare).
 *
 * <p>A checksum failure, an undecodable record or a sequence gap stops recovery with a
 * {@link JournalCorruptException} naming the record. A record a crashed writer left unfinished is not
 * visible and is simply not there; its caller was never answered.
 */
public final class JournalRecovery {
    private static final long PROGRESS_EVERY = 1 << 14;

    private JournalRecovery() {
    }

    /**
     * Recovers the state of the journal in {@code dir}; an absent or empty journal gives an empty store
     * from {@code stores} and sequence {@code 0}. A newest cycle file that its reader leaves unread
     * ({@link JournalReader#unreadNewestCycle}) is named first in the state's {@link RecoveredState#notes notes}, as
     * it is by {@link #recoverWithoutSnapshots} and {@link #recoverUntil}.
     *
     * @throws JournalDamagedException when {@code dir} holds no cycle file but its high-water mark says records
     *                                 were acknowledged (the cycle files were deleted, or not restored)
     */
    public static RecoveredState recover(Path dir, Supplier<? extends InventoryStore> stores, ReplayProgress progress) {
        if (!JournalQueues.hasJournal(dir)) {
            return nothingJournaled(dir, stores);
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            return recover(reader, new SnapshotStore(dir), stores, progress);
        }
    }

    /** Rebuilds the state of the journal in {@code dir} from its first record, ignoring snapshots. */
    public static RecoveredState recoverWithoutSnapshots(Path dir, Supplier<? extends InventoryStore> stores,
                                                         ReplayProgress progress) {
        try (JournalReader reader = JournalReader.open(dir)) {
            return recover(reader, null, stores, progress);
        }
    }

    /**
     * Rebuilds the state of the journal in {@code dir} as it was at a point in time: after every record whose
     * sequence is at most {@code untilSequence} and whose time is at most {@code untilTime}, and before any other
     * (the engine never stamps a time below its previous one, so both bounds cut the journal in one place). It
     * starts from the newest good snapshot at or before that point, or from the empty state when there is none
     * (or when {@code useSnapshots} is {@code false}); the journal is only read. {@link Long#MAX_VALUE} for both
     * bounds gives what {@link #recover} gives.
     *
     * @throws JournalCorruptException when the journal no longer holds the records between the snapshot used
     *                                 (or the start) and the point, or a record on the way fails its checks
     */
    public static RecoveredState recoverUntil(Path dir, long untilSequence, long untilTime, boolean useSnapshots,
                                              Supplier<? extends InventoryStore> stores, ReplayProgress progress) {
        if (!JournalQueues.hasJournal(dir)) {
            return nothingJournaled(dir, stores);
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            JournalBounds bounds = JournalBounds.of(reader);
            List<String> notes = readerNotes(reader);
            long last = Math.min(bounds.lastSequence(), untilSequence);
            Optional<SnapshotStore.Loaded> snapshot = useSnapshots
                    ? new SnapshotStore(dir).loadNewestUntil(last, untilTime, stores, notes) : Optional.empty();
            return replay(reader, bounds, snapshot, useSnapshots, stores, progress, notes, untilSequence, untilTime);
        }
    }

    /**
     * The state of a directory with no cycle file: empty, at sequence {@code 0}, unless its high-water mark says
     * records were acknowledged. Then the cycle files holding them are gone (deleted, or a restore without them), and
     * starting empty would lose every acknowledged record, and the snapshots, which a writer sets aside as ahead of the
     * empty journal.
     *
     * @throws JournalDamagedException when the high-water mark is at a record
     */
    private static RecoveredState nothingJournaled(Path dir, Supplier<? extends InventoryStore> stores) {
        requireNothingAcknowledged(dir);
        return new RecoveredState(stores.get(), 0, Long.MIN_VALUE, -1, 0, 0, List.of());
    }

    /** Fails when {@code dir}, which holds no cycle file, has a high-water mark at a record. */
    private static void requireNothingAcknowledged(Path dir) {
        long mark = JournalHighWaterMark.read(dir);
        if (mark != JournalHighWaterMark.NONE) {
            throw new JournalDamagedException("journal " + dir + " holds no cycle file (" + SingleChronicleQueue.SUFFIX
                    + "), yet the journal acknowledged records up to seq " + mark + ", so records 0.." + mark
                    + " are unreachable: its cycle files were deleted or not restored. Nothing was changed; restore "
                    + "them from a copy or a standby", -1, mark);
        }
    }

    /**
     * Prepares the journal in {@code dir} for a writer that holds its {@link JournalLock}, and recovers its
     * state: moves aside a newest cycle file whose header was never finished, unless acknowledged records may be in
     * it (see {@link JournalRepair#setAsideUnfinishedNewestCycle}), recovers, then moves aside a cycle file after the
     * last record that cannot be opened (a writer stopped as it created it, see
     * {@link JournalRepair#setAsideUnopenableTrailingCycles}), moves aside the snapshots the journal never reached
     * ({@link #removeSnapshotsAheadOfJournal}), and prunes as {@code retention} says.
     *
     * <p>The rule for a journal that cannot be read to its end ({@link JournalDamagedException}): when every
     * record behind the damage lies above the journal's high-water mark, none of them was ever acknowledged
     * (a crash or a power loss took them mid-write), so the journal is cut after its last readable record
     * ({@link JournalRepair#truncateAfter}, the damaged files kept aside) and recovery goes on, with a note
     * saying so. When acknowledged records may be behind it, nothing is changed and the exception is thrown:
     * an operator decides (restore a copy, or {@code purestock repair --truncate}).
     *
     * <p>What the directory's files alone refuse is refused first, before recovery reads, cuts, sets aside or prunes
     * anything ({@link #requireRecoverable}): its epoch file (the writer stamps the epoch on every record), its
     * high-water mark, {@code .cq4} files not named as its cycle files, a cycle file with no header before the newest.
     *
     * @throws JournalException        when the directory's epoch file holds no epoch it can have, or a {@code .cq4}
     *                                 file is not named as a cycle file, or a cycle file before the newest has no
     *                                 header, or a cycle file recovery read no longer opens as it decides what to set
     *                                 aside
     * @throws JournalCorruptException when its high-water mark is damaged
     * @throws JournalDamagedException when acknowledged records are unreachable
     * @throws UncheckedIOException    when setting aside stale snapshots, pruning or cutting fails
     */
    public static RecoveredState recoverForWriting(Path dir, RetentionPolicy retention,
                                                   Supplier<? extends InventoryStore> stores, ReplayProgress progress) {
        requireRecoverable(dir);
        try {
            return prepareAndRecover(dir, retention, stores, progress);
        } catch (JournalDamagedException damage) {
            if (damage.losesAcknowledged()) {
                throw damage;
            }
            List<String> notes = new ArrayList<>();
            notes.add("cut the journal after seq " + damage.lastReadableSequence() + ", its last readable record: "
                    + damage.getMessage());
            notes.addAll(JournalRepair.truncateAfter(dir, damage.lastReadableSequence()));
            return prepareAndRecover(dir, retention, stores, progress).withEarlierNotes(notes);
        }
    }

    /**
     * Refuses {@code dir} when its files alone, without reading a record, say that {@link #recoverForWriting} would:
     * an epoch file that holds no epoch ({@link JournalEpoch#read}), a damaged high-water mark, a high-water mark at a
     * record with no cycle file to hold it (or only a newest one whose header was never finished), a {@code .cq4} file
     * not named as the journal's cycle files are, a cycle file with no header before the newest. It reads and
     * changes nothing else, in the words recovery would use: a sharded engine checks every shard so before any shard's
     * recovery (in parallel, each on its own) cuts, sets aside, removes or prunes anything in its directory, so that
     * one shard's refusal leaves every shard as it was.
     *
     * @throws JournalException naming the file and what to do
     */
    static void requireRecoverable(Path dir) {
        JournalEpoch.read(dir);
        long mark = JournalHighWaterMark.read(dir);
        if (!JournalQueues.hasJournal(dir)) {
            requireNothingAcknowledged(dir);
            return;
        }
        // the names of every .cq4 file, and the header of every cycle file but the newest
        JournalQueues.forReading(dir).close();
        List<Path> cycles = JournalQueues.cycleFiles(dir);
        if (mark != JournalHighWaterMark.NONE && cycles.size() == 1) {
            String start = JournalQueues.headerMissing(cycles.getFirst());
            if (start != null) {
                throw JournalRepair.acknowledgedInUnfinishedNewest(dir, cycles.getFirst(), start, -1, mark);
            }
        }
    }

    private static RecoveredState prepareAndRecover(Path dir, RetentionPolicy retention,
                                                    Supplier<? extends InventoryStore> stores,
                                                    ReplayProgress progress) {
        // a newest cycle file whose header was never finished goes first: a reader would wait on it for ever. The
        // listing is rebuilt before: a start killed after a move aside and before its relist left it naming that file
        List<String> notes;
        try {
            JournalRepair.relistCycles(dir);
            notes = new ArrayList<>(JournalRepair.setAsideUnfinishedNewestCycle(dir));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set aside the unfinished newest cycle file of journal " + dir, e);
        }
        // recovery reads, with every check, to the end before anything is moved: snapshots above that end
        // (it loads none of them) go aside only once the journal is known to end there
        RecoveredState recovered = recover(dir, stores, progress);
        try {
            notes.addAll(JournalRepair.setAsideUnopenableTrailingCycles(dir, recovered.nextSequence() - 1));
            // a damaged manifest line it drops was named by the recovery that read the manifest just before: once
            removeSnapshotsAbove(dir, recovered.nextSequence() - 1).stream()
                    .filter(note -> !recovered.notes().contains(note)).forEach(notes::add);
            if (retention.pruneCyclesOnStart() && JournalQueues.hasJournal(dir)) {
                notes.addAll(JournalPruner.prune(dir, retention.keepSnapshots(), recovered.snapshotSequence())
                        .notes());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove stale snapshots of, or prune, journal " + dir, e);
        }
        return recovered.withEarlierNotes(notes);
    }

    /**
     * Takes out of the manifest every snapshot above the last sequence of the journal in {@code dir}, and moves its
     * file to {@code DIR/snapshots/ahead-<time>/}, never deleting it. Whatever is about to write to {@code dir} calls
     * it first, holding the directory's {@link JournalLock}: once new commands are journaled at those sequences, such
     * a snapshot would be taken for their state. A call killed half-way is finished by the next.
     *
     * <p>A damaged manifest line is taken out too, so that the writer starts from a manifest without one.
     *
     * @return a note per damaged manifest line taken out, then one per snapshot, naming where its file went:
     *     {@code moved snapshot-<seq>.bin to <folder>: ...}; none is logged, the caller reports them
     */
    public static List<String> removeSnapshotsAheadOfJournal(Path dir) throws IOException {
        long lastJournaled = -1;
        if (JournalQueues.hasJournal(dir)) {
            try (JournalReader reader = JournalReader.open(dir)) {
                lastJournaled = JournalBounds.of(reader).lastSequence();
            }
        } else {
            requireNothingAcknowledged(dir);
        }
        return removeSnapshotsAbove(dir, lastJournaled);
    }

    private static List<String> removeSnapshotsAbove(Path dir, long lastJournaled) throws IOException {
        String why = "the snapshot is ahead of the journal (last sequence " + lastJournaled + "), its newest commands "
                + "were never journaled; it is no longer listed";
        List<String> notes = new ArrayList<>();
        new SnapshotStore(dir).setAsideAbove(lastJournaled, why, notes, step -> { }).stream()
                .map(SnapshotStore.SetAside::note).forEach(notes::add);
        return notes;
    }

    static RecoveredState recover(JournalReader reader, SnapshotStore snapshots,
                                  Supplier<? extends InventoryStore> stores, ReplayProgress progress) {
        JournalBounds bounds = JournalBounds.of(reader);
        List<String> notes = readerNotes(reader);
        Optional<SnapshotStore.Loaded> snapshot = snapshots == null ? Optional.empty()
                : snapshots.loadNewest(bounds.lastSequence(), stores, notes);
        return replay(reader, bounds, snapshot, snapshots != null, stores, progress, notes, Long.MAX_VALUE,
                Long.MAX_VALUE);
    }

    /**
     * The notes a recovery through {@code reader} starts with: the newest cycle file it leaves unread
     * ({@link JournalReader#unreadNewestCycle}), so that a caller learns of it from the recovered state.
     */
    private static List<String> readerNotes(JournalReader reader) {
        List<String> notes = new ArrayList<>();
        reader.unreadNewestCycle().ifPresent(notes::add);
        return notes;
    }

    private static RecoveredState replay(JournalReader reader, JournalBounds bounds,
                                         Optional<SnapshotStore.Loaded> snapshot, boolean snapshotsUsed,
                                         Supplier<? extends InventoryStore> stores, ReplayProgress progress,
                                         List<String> notes, long untilSequence, long untilTime) {
        InventoryStore store = snapshot.map(SnapshotStore.Loaded::store).orElseGet(stores);
        long start = snapshot.map(s -> s.info().lastSequence() + 1).orElse(0L);
        long lastTime = snapshot.map(s -> s.info().time()).orElse(Long.MIN_VALUE);
        long end = Math.min(bounds.lastSequence(), untilSequence);
        if (bounds.isEmpty() || start > end) {
            if (start > bounds.lastSequence()) {
                // nothing to read after the snapshot: reading would have checked that the end reaches the mark
                reader.requireEndReachesMark();
            }
            progress.onProgress(0, 0);
            return new RecoveredState(store, start, lastTime, snapshot.map(s -> s.info().lastSequence()).orElse(-1L),
                    0, 0, notes);
        }
        if (!reader.seek(start)) {
            throw new JournalCorruptException("journal " + reader.dir() + " starts at sequence "
                    + bounds.firstSequence() + " but recovery needs sequence " + start + (snapshotsUsed
                    ? snapshot.isEmpty() ? " (no usable snapshot covers the commands before it)" : ""
                    : " (snapshots were not used, so it starts from the empty state, and the records before the "
                    + "journal's first were pruned: replay from a snapshot)") + "; run `purestock stats --journal "
                    + reader.dir() + "`");
        }
        long total = end - start + 1;
        long[] replayed = {0, 0, lastTime};
        reader.readEvents((sequence, time, events) -> {
            if (sequence > untilSequence || time > untilTime) {
                return false;
            }
            Inventory.evolveAll(store, time, events);
            replayed[1] += events.size();
            replayed[2] = time;
            if (++replayed[0] % PROGRESS_EVERY == 0) {
                progress.onProgress(replayed[0], total);
            }
            return true;
        });
        // a time bound may stop the replay before the records counted: the bar ends where the replay did
        progress.onProgress(replayed[0], untilTime != Long.MAX_VALUE && replayed[0] < total ? replayed[0] : total);
        return new RecoveredState(store, start + replayed[0], replayed[2],
                snapshot.map(s -> s.info().lastSequence()).orElse(-1L), replayed[0], replayed[1], notes);
    }
}
