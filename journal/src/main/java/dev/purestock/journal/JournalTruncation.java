package dev.purestock.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Cuts the tail of a healthy journal after a given sequence: what an old primary does before it rejoins as a
 * standby of the new one, dropping the records it wrote that the new primary never received (in {@code SYNC}
 * replication none of them was acknowledged). Chronicle Queue cannot delete records in place, so the cut is the
 * one {@link JournalRepair} makes: the records of the cycle file holding the last kept sequence are copied, up to
 * it, into a fresh queue beside the journal, and that file replaces the original in one rename; the original and
 * every later cycle file are moved to {@code DIR/truncated-<time>/}, kept, never deleted. The high-water mark is
 * then set to the last record kept.
 *
 * <p><b>Order, and a crash at any point.</b> Snapshots above the cut are taken out of the manifest first, their files
 * moved to {@code DIR/snapshots/ahead-<time>/}, never deleted (their state includes records that are about to go;
 * killed before the manifest is rewritten, the next run finds the files there and finishes); then the later cycle files
 * move aside, newest first; then the rewritten file replaces the one holding the cut; then the queue's directory
 * listing is rebuilt; the mark moves last. Killed at any step, the directory holds every record up to the cut, and
 * perhaps some after it; running the same truncation again finishes it (it reads the directory as it finds it, and a
 * cut already done is done again at no loss). Until then the journal may read as damaged (its mark above its end): an
 * engine refuses to start on it.
 *
 * <p>The caller holds the directory's {@link JournalLock}, as {@code purestock truncate} does: nothing may write
 * to the journal meanwhile. The epoch ({@link JournalEpoch}) is left as it is: the records the standby receives
 * afterwards raise it.
 */
public final class JournalTruncation {
    private JournalTruncation() {
    }

    /**
     * What {@link #truncateAfter} did.
     *
     * @param lastKept         the last sequence kept ({@code -1}: none)
     * @param recordsDropped   records moved aside with the cut ({@code 0}: the journal ended there already); behind
     *                         damage, counted up to the high-water mark
     * @param snapshotsDropped the snapshots set aside, above the cut, by the sequence each was cut at, oldest first
     * @param notes            one line per thing done
     */
    public record Result(long lastKept, long recordsDropped, List<Long> snapshotsDropped, List<String> notes) {
        /** Copies the lists. */
        public Result {
            snapshotsDropped = List.copyOf(snapshotsDropped);
            notes = List.copyOf(notes);
        }
    }

    /**
     * Keeps the records of the journal in {@code dir} up to {@code lastKept}, moves the rest aside and sets aside the
     * snapshots above it. A journal that already ends at or before {@code lastKept} is left as it is (its snapshots
     * above it are still set aside).
     *
     * @param lastKept the last sequence to keep, {@code -1} to keep none (a journal whose cycles were never pruned)
     * @throws JournalException        when the journal cannot be read up to {@code lastKept} (damaged before it),
     *                                 or starts after it (its older cycles were pruned)
     * @throws IllegalArgumentException when {@code lastKept} is below {@code -1}
     * @throws UncheckedIOException    when a file cannot be moved, written or removed; run it again
     */
    public static Result truncateAfter(Path dir, long lastKept) {
        return truncateAfter(dir, lastKept, step -> { });
    }

    static Result truncateAfter(Path dir, long lastKept, JournalRepair.Steps steps) {
        if (lastKept < -1) {
            throw new IllegalArgumentException("the last sequence to keep is at least -1 (keep none), was " + lastKept);
        }
        if (!Files.isDirectory(dir)) {
            JournalQueues.requireJournal(dir);
        }
        JournalRepair.Diagnosis found = JournalQueues.hasJournal(dir) ? JournalRepair.diagnose(dir)
                : new JournalRepair.Diagnosis(-1, 0, JournalHighWaterMark.NONE, Optional.empty());
        requireCuttable(dir, found, lastKept);
        try {
            List<String> notes = new ArrayList<>();
            steps.before("remove the snapshots above seq " + lastKept);
            List<Long> dropped = new ArrayList<>();
            for (SnapshotStore.SetAside snapshot : new SnapshotStore(dir).setAsideAbove(lastKept,
                    "the snapshot is above the cut; it is no longer listed", notes, steps)) {
                dropped.add(snapshot.lastSequence());
                notes.add(snapshot.note());
            }
            if (found.damage().isEmpty() && found.lastGoodSequence() <= lastKept) {
                notes.add(found.records() == 0 ? "the journal holds no record: nothing to cut"
                        : "the journal ends at seq " + found.lastGoodSequence() + ", at or before seq " + lastKept
                        + ": nothing to cut");
                if (!JournalQueues.hasJournal(dir) && JournalHighWaterMark.read(dir) > lastKept) {
                    // a cut of every cycle file stopped before its last step: the mark still covers them
                    steps.before("set the high-water mark");
                    try (JournalHighWaterMark mark = JournalHighWaterMark.open(dir)) {
                        mark.reset(lastKept);
                    }
                    notes.add("the journal now ends at seq " + lastKept);
                }
                return new Result(lastKept, 0, dropped, notes);
            }
            found.damage().ifPresent(damage -> notes.add("the journal could not be read past seq "
                    + found.lastGoodSequence() + " (" + damage.getMessage() + "); what lay behind the damage, up to "
                    + "seq " + lastWritten(found) + ", is moved aside with the rest"));
            notes.addAll(JournalRepair.cut(dir, lastKept, "truncated", steps));
            return new Result(lastKept, Math.max(0, lastWritten(found) - lastKept), dropped, notes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot truncate journal " + dir + " after seq " + lastKept + ": "
                    + e.getMessage() + "; run the truncation again", e);
        }
    }

    /**
     * Refuses a cut after {@code lastKept} that {@link #truncateAfter} would refuse, with the same words, so that a
     * report made before cutting ({@code purestock truncate} without {@code --confirm}) never offers a cut that is
     * then refused.
     *
     * @param found the journal's diagnosis ({@link JournalRepair#diagnose})
     * @throws JournalException when the journal cannot be read up to {@code lastKept} (damaged before it), or starts
     *                          after it (its older cycles were pruned)
     */
    public static void requireCuttable(Path dir, JournalRepair.Diagnosis found, long lastKept) {
        if (found.lastGoodSequence() < lastKept && found.damage().isPresent()) {
            throw new JournalException("journal " + dir + " reads only up to seq " + found.lastGoodSequence()
                    + ", before seq " + lastKept + ", the last to keep (" + found.damage().get().getMessage()
                    + "); repair it first with `purestock repair --journal " + dir + "`");
        }
        long first = firstSequence(found);
        if (first > 0 && lastKept < first) {
            throw new JournalException("journal " + dir + " starts at seq " + first + " (its older cycles were pruned);"
                    + " it cannot be cut after seq " + lastKept + ", before its first record");
        }
    }

    /**
     * The last sequence the journal was written up to, as far as anything tells: its last readable record, or, when
     * it cannot be read to its end, its high-water mark if that lies further (the records behind the damage).
     */
    public static long lastWritten(JournalRepair.Diagnosis found) {
        return found.damage().isPresent() ? Math.max(found.lastGoodSequence(), found.highWaterMark())
                : found.lastGoodSequence();
    }

    /** The sequence of the journal's first record, {@code -1} when it holds none it can read. */
    private static long firstSequence(JournalRepair.Diagnosis found) {
        if (found.records() == 0) {
            return -1;
        }
        return found.lastGoodSequence() - found.records() + 1;
    }
}
