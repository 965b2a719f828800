package dev.purestock.journal;

import dev.purestock.domain.DecisionScratch;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.EngineRefusal;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Re-decides every journaled command with the pure domain and compares the result with the journaled
 * events: a proof that the run was deterministic and a guard when the domain code changes. It starts from
 * the empty state when the journal starts at sequence 0, and otherwise (the older cycles were pruned) from
 * the oldest usable snapshot the journal reaches back to (one at or after the sequence before its first record),
 * passing over an unusable one as recovery does. Checksums and sequence continuity are checked on the way, those of
 * the records before that snapshot too, which are read but not decided again.
 *
 * <p>Each later listed snapshot at or below the journal's last sequence is compared, as verification passes its
 * sequence, with the state decided again up to there ({@link StateDigest}): a snapshot that differs is the
 * divergence, named with its sequence, since a recovery from it would not give the journal's state. Each is loaded
 * into a store of its own and dropped after the comparison. One that does not pass its checks is passed over and
 * noted ({@link Result#notes}), as one a running engine's retention removed while verification ran is, in words of
 * its own; a format-1 snapshot, which holds no order of last changes
 * ({@link SnapshotFile}), is not compared: verification goes on from its state, as an engine restarted from it did.
 *
 * <p>A command whose {@code decide} threw was journaled as the engine answered it, a single
 * {@code Rejected(INTERNAL_ERROR)} ({@link EngineRefusal#INTERNAL_ERROR}); re-deciding it agrees when
 * {@code decide} throws again, and diverges when it now decides (the domain changed for that input).
 *
 * <p>Epochs ({@link JournalEpoch}) are checked on the way too: a record of an older epoch than the record before it
 * (two primaries wrote one history), or of a newer epoch than the directory records, stops verification with a
 * {@link JournalCorruptException} naming the record.
 */
public final class JournalVerifier {
    private JournalVerifier() {
    }

    /**
     * The outcome of a verification.
     *
     * @param records    records re-decided
     * @param startedAt  {@code "empty"} or {@code "snapshot@<sequence>"}
     * @param divergence the first difference, a record's or a snapshot's, or {@code null} when everything matched
     * @param epoch      the epoch the directory records ({@link JournalEpoch#read})
     * @param snapshotsChecked the snapshots after the one verification started from that it compared with the state it
     *                         decided again, at their sequences, and found equal
     * @param notes      what verification passed over, one line each: a snapshot that is unusable (as recovery passes
     *                   it over), removed while verification ran (a running engine's retention), ahead of the journal
     *                   or older than its first record, a damaged manifest line
     */
    public record Result(long records, String startedAt, String divergence, long epoch, long snapshotsChecked,
                         List<String> notes) {
        /** Copies the notes. */
        public Result {
            notes = List.copyOf(notes);
        }

        /** A result that checked no snapshot and has no note. */
        public Result(long records, String startedAt, String divergence, long epoch) {
            this(records, startedAt, divergence, epoch, 0, List.of());
        }

        /** A result for a journal in epoch {@link JournalEpoch#INITIAL}. */
        public Result(long records, String startedAt, String divergence) {
            this(records, startedAt, divergence, JournalEpoch.INITIAL);
        }

        /** Whether every record matched. */
        public boolean matches() {
            return divergence == null;
        }
    }

    /**
     * Verifies the journal in {@code dir}.
     *
     * @throws JournalCorruptException at a checksum failure, a gap, or an epoch that goes down or passes the one the
     *                                 directory records, which are reported by name
     */
    public static Result verify(Path dir, Supplier<? extends InventoryStore> stores, ReplayProgress progress) {
        return verifyRecords(dir, stores, progress).result();
    }

    /**
     * Verifies the journal in {@code dir} as shard {@code shard} of a sharded journal of {@code shards}: as
     * {@link #verify(Path, Supplier, ReplayProgress)}, and then that the state it decided holds stock only at the
     * shard's own warehouses (warehouse {@code w} belongs to shard {@code w % shards}). One that holds another shard's
     * is a divergence: the directory holds another shard's journal (shard directories restored into each other's
     * places) or one of a journal with another shard count, every record of which verifies on its own, and on which
     * the engine refuses to start.
     *
     * @throws JournalCorruptException as {@link #verify(Path, Supplier, ReplayProgress)} does
     */
    public static Result verify(Path dir, Supplier<? extends InventoryStore> stores, ReplayProgress progress,
                                int shard, int shards) {
        Verified verified = verifyRecords(dir, stores, progress);
        Result result = verified.result();
        String misplaced = result.matches() && verified.state() != null
                ? JournalLayout.stockOfAnotherShard(verified.state(), shard, shards) : null;
        if (misplaced == null) {
            return result;
        }
        return new Result(result.records(), result.startedAt(), "shard " + shard + " of " + shards + " holds "
                + misplaced + ": " + JournalLayout.ANOTHER_SHARDS_JOURNAL + "; the engine refuses to start on it",
                result.epoch(), result.snapshotsChecked(), result.notes());
    }

    /** What {@link #verifyRecords} found, and the state the records decided ({@code null} for an empty journal). */
    private record Verified(Result result, InventoryStore state) {
    }

    private static Verified verifyRecords(Path dir, Supplier<? extends InventoryStore> stores,
                                          ReplayProgress progress) {
        long recordedEpoch = JournalEpoch.read(dir);
        try (JournalReader reader = JournalReader.open(dir)) {
            JournalBounds bounds = JournalBounds.of(reader);
            if (bounds.isEmpty()) {
                return new Verified(new Result(0, "empty", null, recordedEpoch), null);
            }
            List<String> notes = new ArrayList<>();
            List<SnapshotInfo> snapshots = reachable(dir, bounds, notes);
            // the state decided so far; replaced only by a format-1 snapshot passed on the way (see SnapshotChecks)
            InventoryStore[] state = new InventoryStore[1];
            long start;
            String startedAt;
            long[] lastEpoch = {JournalEpoch.INITIAL, -1};
            if (bounds.firstSequence() == 0) {
                state[0] = stores.get();
                start = 0;
                startedAt = "empty";
            } else {
                SnapshotStore.Loaded loaded = loadOldest(dir, snapshots, stores, notes)
                        .orElseThrow(() -> new JournalCorruptException("journal " + dir + " starts at sequence "
                                + bounds.firstSequence() + " and no usable snapshot covers the commands before it"));
                state[0] = loaded.store();
                start = loaded.info().lastSequence() + 1;
                startedAt = "snapshot@" + loaded.info().lastSequence();
                // the records the snapshot covers are not decided again, but checked as every record is: recovery
                // replays them when it falls back to an older snapshot
                long snapshotEnd = loaded.info().lastSequence();
                reader.read((index, record) -> {
                    checkEpoch(dir, index, record, lastEpoch, recordedEpoch);
                    return record.sequence() < snapshotEnd;
                });
                if (start > bounds.lastSequence()) {
                    reader.requireEndReachesMark();
                    return new Verified(new Result(0, startedAt, null, recordedEpoch, 0, notes), state[0]);
                }
            }
            snapshots.removeIf(s -> s.lastSequence() < start);
            if (!reader.seek(start)) {
                throw new JournalCorruptException("journal " + dir + " does not hold sequence " + start);
            }
            long total = bounds.lastSequence() - start + 1;
            SnapshotChecks checks = new SnapshotChecks(dir, snapshots, stores, notes);
            long[] done = {0};
            String[] divergence = {null};
            // reused from record to record: the decision and a time command's room
            EventBuffer decided = new EventBuffer();
            DecisionScratch scratch = new DecisionScratch();
            reader.read((index, record) -> {
                checkEpoch(dir, index, record, lastEpoch, recordedEpoch);
                RuntimeException failure = null;
                decided.clear();
                try {
                    Inventory.decide(record.command(), record.time(), state[0], decided, scratch);
                } catch (RuntimeException e) {
                    failure = e;
                    decided.clear();
                    decided.rejected(EngineRefusal.INTERNAL_ERROR, record.command().ref());
                }
                EventBuffer journaled = reader.recordEvents(); // the record's events as the reader decoded them
                if (!decided.sameEvents(journaled)) {
                    divergence[0] = "journal record seq " + record.sequence() + " (queue index 0x"
                            + Long.toHexString(index) + ") diverges: "
                            + (failure == null ? "it decides to " + decided.toEvents()
                                    : "deciding it throws " + failure)
                            + " but was journaled as " + RecordFormat.text(index, record);
                    return false;
                }
                Inventory.evolveAll(state[0], record.time(), journaled);
                if (++done[0] % (1 << 14) == 0) {
                    progress.onProgress(done[0], total);
                }
                divergence[0] = checks.at(record.sequence(), state);
                return divergence[0] == null;
            });
            progress.onProgress(done[0], total);
            return new Verified(new Result(done[0], startedAt, divergence[0], recordedEpoch, checks.checked, notes),
                    state[0]);
        }
    }

    /**
     * The listed snapshots the journal reaches back to, oldest first: those at or after the sequence before its first
     * record (so every record after them is there) and at or below its last. Each other one is described in
     * {@code notes}, as is each damaged manifest line.
     */
    private static List<SnapshotInfo> reachable(Path dir, JournalBounds bounds, List<String> notes) {
        List<SnapshotInfo> reachable = new ArrayList<>();
        for (SnapshotInfo info : new SnapshotStore(dir).list(notes)) {
            if (info.lastSequence() > bounds.lastSequence()) {
                notes.add("snapshot at sequence " + info.lastSequence() + " is ahead of the journal (last sequence "
                        + bounds.lastSequence() + "): its newest commands were never journaled; not checked");
            } else if (info.lastSequence() < bounds.firstSequence() - 1) {
                notes.add("snapshot at sequence " + info.lastSequence() + " is older than the journal's first record "
                        + "(seq " + bounds.firstSequence() + "): records after it were pruned; not checked");
            } else {
                reachable.add(info);
            }
        }
        return reachable;
    }

    /**
     * Loads the oldest of {@code snapshots} that passes its checks, passing over (and describing in {@code notes})
     * each one before it that does not, as recovery passes over an unusable snapshot.
     */
    private static Optional<SnapshotStore.Loaded> loadOldest(Path dir, List<SnapshotInfo> snapshots,
                                                           Supplier<? extends InventoryStore> stores,
                                                           List<String> notes) {
        for (SnapshotInfo info : snapshots) {
            InventoryStore store = stores.get();
            try {
                SnapshotStore.loadListed(info, store);
                return Optional.of(new SnapshotStore.Loaded(store, info));
            } catch (IOException | RuntimeException e) {
                notes.add(unusable(dir, info, e));
            }
        }
        return Optional.empty();
    }

    /**
     * The note on a snapshot that did not load. One whose file is missing and that the manifest, read again, no longer
     * lists was removed while verification ran: a running engine keeps only its newest snapshots (retention takes each
     * older one out of the manifest, then deletes its file), which is no fault. One the manifest still lists is
     * unusable, as recovery finds it.
     */
    private static String unusable(Path dir, SnapshotInfo info, Exception e) {
        if (e instanceof NoSuchFileException
                && new SnapshotStore(dir).listAgain().stream().noneMatch(listed -> listed.file().equals(info.file()))) {
            return "snapshot " + info.file() + " was removed while verify ran (a running engine keeps only its newest "
                    + "snapshots); not checked";
        }
        return "snapshot " + info.file() + " is unusable (" + SnapshotStore.describe(e) + "); passed over, as "
                + "recovery passes it over";
    }

    /**
     * The snapshots verification compares with the state it decides again, each as it passes the snapshot's sequence,
     * oldest first: each is loaded into a store of its own, compared by {@link StateDigest} and dropped, so at most one
     * store is held beside the decided state.
     */
    private static final class SnapshotChecks {
        private final Path dir;
        private final List<SnapshotInfo> snapshots;
        private final Supplier<? extends InventoryStore> stores;
        private final List<String> notes;
        private int next;
        private long nextSequence;
        /** The snapshots compared and found equal. */
        private long checked;

        SnapshotChecks(Path dir, List<SnapshotInfo> snapshots, Supplier<? extends InventoryStore> stores,
                       List<String> notes) {
            this.dir = dir;
            this.snapshots = snapshots;
            this.stores = stores;
            this.notes = notes;
            this.nextSequence = snapshots.isEmpty() ? Long.MAX_VALUE : snapshots.getFirst().lastSequence();
        }

        /**
         * Compares each snapshot at {@code sequence} with {@code state[0]}, the state after that sequence; returns
         * the first difference, or {@code null} (at once for a sequence no snapshot is at).
         */
        String at(long sequence, InventoryStore[] state) {
            while (sequence == nextSequence) {
                SnapshotInfo info = snapshots.get(next++);
                nextSequence = next < snapshots.size() ? snapshots.get(next).lastSequence() : Long.MAX_VALUE;
                String difference = check(info, state);
                if (difference != null) {
                    return difference;
                }
            }
            return null;
        }

        private String check(SnapshotInfo info, InventoryStore[] state) {
            InventoryStore held = stores.get();
            SnapshotFile.Header header;
            try {
                header = SnapshotStore.loadListed(info, held);
            } catch (IOException | RuntimeException e) {
                notes.add(unusable(dir, info, e));
                return null;
            }
            if (header.format() == SnapshotFile.FORMAT_WITHOUT_LAST_CHANGES) {
                // its orders load as changed at its time, where the records decide their real last changes
                notes.add("snapshot " + info.file() + " at sequence " + info.lastSequence() + " is of format 1, which "
                        + "holds no order of last changes: not compared; verify goes on from its state, as an engine "
                        + "restarted from it did");
                state[0] = held;
                return null;
            }
            long decided = StateDigest.of(state[0]);
            long snapshot = StateDigest.of(held);
            if (decided == snapshot) {
                checked++;
                return null;
            }
            return "snapshot " + info.file() + " at sequence " + info.lastSequence() + " differs from the journal's "
                    + "state at that sequence: it holds state-hash " + StateDigest.format(snapshot) + " where the "
                    + "records decide " + StateDigest.format(decided) + ", so a recovery from it would not give the "
                    + "journal's state";
        }
    }

    /**
     * Refuses a record of an older epoch than the one before it, or of a newer epoch than the directory records.
     *
     * @param last the epoch and sequence of the record before, the sequence {@code -1} before the first
     */
    private static void checkEpoch(Path dir, long index, JournalRecord record, long[] last, long recorded) {
        if (record.epoch() < last[0]) {
            throw new JournalCorruptException(where(dir, index, record) + " is of epoch " + record.epoch()
                    + ", older than epoch " + last[0] + " of seq " + last[1] + " before it: a primary of an older "
                    + "epoch wrote after a newer one, so the history forked; cut the journal after seq " + last[1]
                    + " with `purestock truncate --journal " + dir + " --after-seq " + last[1] + " --confirm` only "
                    + "if the records after it were never acknowledged, or restore it from the current primary");
        }
        if (record.epoch() > recorded) {
            throw new JournalCorruptException(where(dir, index, record) + " is of epoch " + record.epoch()
                    + ", newer than epoch " + recorded + " the directory records (" + JournalEpoch.FILE_NAME
                    + "): the file was lost or is from an older copy; restore it, or start a newer epoch with "
                    + "`purestock promote --journal " + dir + "`");
        }
        last[0] = record.epoch();
        last[1] = record.sequence();
    }

    /** Names a record for an error: built only when there is one, not for every record checked. */
    private static String where(Path dir, long index, JournalRecord record) {
        return "journal record seq " + record.sequence() + " (queue index 0x" + Long.toHexString(index) + ") in "
                + dir;
    }
}
