package dev.purestock.journal;

import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Deletes what recovery no longer needs: all but the newest snapshots, and every journal cycle file whose records all
 * lie at or before the oldest kept snapshot that recovery could use (so falling back to it still works). Only a
 * snapshot at or below the journal's last sequence that passes its checksum counts: snapshots ahead of the journal are
 * set aside first (to {@code DIR/snapshots/ahead-<time>/}, see {@link JournalRecovery#removeSnapshotsAheadOfJournal};
 * pruning never deletes such a folder), and with no usable snapshot no cycle is deleted. When none of the newest
 * snapshots is usable, the newest usable older one is kept as well. The current cycle is never deleted. Run it holding
 * the directory's {@link JournalLock}: from {@code purestock prune}, or as a {@link JournaledEngine} starts.
 */
public final class JournalPruner {
    private JournalPruner() {
    }

    /**
     * What pruning removed and kept.
     *
     * @param snapshotsKept   the snapshots that remain, oldest first
     * @param cyclesDeleted   the cycle files deleted
     * @param firstSequence   the first sequence the journal now holds, {@code -1} when empty
     * @param notes           snapshots set aside for being ahead of the journal, found unusable, or not loaded as
     *                        the journal was recovered, and why
     */
    public record Result(List<SnapshotInfo> snapshotsKept, List<Path> cyclesDeleted, long firstSequence,
                         List<String> notes) {
        public Result {
            snapshotsKept = List.copyOf(snapshotsKept);
            cyclesDeleted = List.copyOf(cyclesDeleted);
            notes = List.copyOf(notes);
        }
    }

    /** Prunes the journal in {@code dir}, keeping the newest {@code keepSnapshots} snapshots. */
    public static Result prune(Path dir, int keepSnapshots) throws IOException {
        return prune(dir, keepSnapshots, Long.MAX_VALUE);
    }

    /**
     * Prunes as {@link #prune(Path, int)}, right after recovery loaded the snapshot of {@code loaded} ({@code -1}:
     * none): recovery tries the newest first, so every snapshot past it failed its load and none counts as usable,
     * however well its header and checksum read; the one it loaded is kept, and so is the journal after it.
     */
    static Result prune(Path dir, int keepSnapshots, long loaded) throws IOException {
        JournalQueues.requireJournal(dir);
        List<String> notes = new ArrayList<>(JournalRecovery.removeSnapshotsAheadOfJournal(dir));
        SnapshotStore snapshots = new SnapshotStore(dir);
        List<SnapshotInfo> listed = snapshots.list(notes);
        List<SnapshotInfo> usable = new ArrayList<>();
        for (SnapshotInfo info : listed) {
            if (info.lastSequence() > loaded) {
                notes.add("snapshot " + info.file() + " did not load as the journal was recovered: it does not count "
                        + "as usable, and pruning keeps what recovery used instead");
            } else if (snapshots.isUsable(info, notes)) {
                usable.add(info);
            }
        }
        List<SnapshotInfo> newest = listed.subList(Math.max(0, listed.size() - Math.max(1, keepSnapshots)),
                listed.size());
        List<SnapshotInfo> keep = new ArrayList<>(newest);
        if (!usable.isEmpty() && newest.stream().noneMatch(usable::contains)) {
            keep.add(usable.get(usable.size() - 1));
        }
        List<SnapshotInfo> kept = snapshots.retain(keep);
        long covered = kept.stream().filter(usable::contains).mapToLong(SnapshotInfo::lastSequence).min().orElse(-1);
        List<Path> deletable = new ArrayList<>();
        long firstSequence;
        try (SingleChronicleQueue queue = JournalQueues.forReading(dir);
             ExcerptTailer tailer = queue.createTailer()) {
            RollCycle rollCycle = queue.rollCycle();
            List<long[]> cycles = new ArrayList<>();
            List<File> files = new ArrayList<>();
            for (Long cycle : JournalQueues.cycles(queue)) {
                if (tailer.moveToCycle(cycle.intValue())) {
                    try (DocumentContext document = tailer.readingDocument()) {
                        // an empty cycle file (a writer killed as it rolled into it) has the tailer read on into
                        // the next one: taken for it, that next file would be deleted with what it holds
                        if (document.isPresent() && rollCycle.toCycle(document.index()) == cycle) {
                            cycles.add(new long[]{cycle, JournalReader.firstSequenceOf(document.wire().bytes())});
                            files.add(tailer.currentFile());
                        }
                    }
                }
            }
            int firstKept = 0;
            for (int i = 0; i + 1 < cycles.size(); i++) {
                long lastInCycle = cycles.get(i + 1)[1] - 1;
                if (lastInCycle > covered) {
                    break;
                }
                deletable.add(files.get(i).toPath());
                firstKept = i + 1;
            }
            firstSequence = cycles.isEmpty() ? -1 : cycles.get(firstKept)[1];
        }
        for (Path file : deletable) {
            Files.deleteIfExists(file);
        }
        if (!deletable.isEmpty()) {
            try (SingleChronicleQueue queue = JournalQueues.forWriting(dir, Durability.PAGE_CACHE,
                    JournalQueues.DEFAULT_ROLL_CYCLE)) {
                queue.refreshDirectoryListing();
            }
        }
        return new Result(kept, deletable, firstSequence, notes);
    }
}
