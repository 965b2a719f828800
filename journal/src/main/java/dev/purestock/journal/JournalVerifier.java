package dev.purestock.journal;

import dev.purestock.domain.DecisionScratch;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import dev.purestock.engine.EngineRefusal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.function.Supplier;

/**
 * Re-decides every journaled command with the pure domain and compares the result with the journaled
 * events: a proof that the run was deterministic and a guard when the domain code changes. It starts from
 * the empty state when the journal starts at sequence 0, and otherwise (the older cycles were pruned) from
 * the newest usable snapshot the journal reaches. Checksums and sequence continuity are checked on the way, those of
 * the records before that snapshot too, which are read but not decided again.
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
     * @param divergence the first difference, or {@code null} when every record matched
     * @param epoch      the epoch the directory records ({@link JournalEpoch#read})
     */
    public record Result(long records, String startedAt, String divergence, long epoch) {
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
        long recordedEpoch = JournalEpoch.read(dir);
        try (JournalReader reader = JournalReader.open(dir)) {
            JournalBounds bounds = JournalBounds.of(reader);
            if (bounds.isEmpty()) {
                return new Result(0, "empty", null, recordedEpoch);
            }
            InventoryStore store;
            long start;
            String startedAt;
            long[] lastEpoch = {JournalEpoch.INITIAL, -1};
            if (bounds.firstSequence() == 0) {
                store = stores.get();
                start = 0;
                startedAt = "empty";
            } else {
                SnapshotStore.Loaded loaded = new SnapshotStore(dir)
                        .loadNewest(bounds.lastSequence(), stores, new ArrayList<>())
                        .orElseThrow(() -> new JournalCorruptException("journal " + dir + " starts at sequence "
                                + bounds.firstSequence() + " and no usable snapshot covers the commands before it"));
                store = loaded.store();
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
                    return new Result(0, startedAt, null, recordedEpoch);
                }
            }
            if (!reader.seek(start)) {
                throw new JournalCorruptException("journal " + dir + " does not hold sequence " + start);
            }
            long total = bounds.lastSequence() - start + 1;
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
                    Inventory.decide(record.command(), record.time(), store, decided, scratch);
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
                Inventory.evolveAll(store, record.time(), journaled);
                if (++done[0] % (1 << 14) == 0) {
                    progress.onProgress(done[0], total);
                }
                return true;
            });
            progress.onProgress(done[0], total);
            return new Result(done[0], startedAt, divergence[0], recordedEpoch);
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
