package dev.purestock.journal;

import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Deletes what recovery no longer needs: all but the newest snapshots, and every journal cycle file whose
 * records all lie at or before the oldest snapshot kept (so falling back to that snapshot still works). The
 * current cycle is never deleted. Run it while no engine writes to the directory: from {@code purestock
 * prune}, or before an engine starts.
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
     */
    public record Result(List<SnapshotInfo> snapshotsKept, List<Path> cyclesDeleted, long firstSequence) {
        public Result {
            snapshotsKept = List.copyOf(snapshotsKept);
            cyclesDeleted = List.copyOf(cyclesDeleted);
        }
    }

    /** Prunes the journal in {@code dir}, keeping the newest {@code keepSnapshots} snapshots. */
    public static Result prune(Path dir, int keepSnapshots) throws IOException {
        JournalQueues.requireJournal(dir);
        List<SnapshotInfo> kept = new SnapshotStore(dir).prune(keepSnapshots);
        List<Path> deletable = new ArrayList<>();
        long firstSequence;
        try (SingleChronicleQueue queue = JournalQueues.forReading(dir);
             ExcerptTailer tailer = queue.createTailer()) {
            List<long[]> cycles = new ArrayList<>();
            List<File> files = new ArrayList<>();
            for (Long cycle : queue.listCyclesBetween(queue.firstCycle(), queue.lastCycle())) {
                if (tailer.moveToCycle(cycle.intValue())) {
                    try (DocumentContext document = tailer.readingDocument()) {
                        if (document.isPresent()) {
                            byte[] header = new byte[JournalRecordDescriptor.HEADER_LENGTH];
                            document.wire().bytes().read(header);
                            cycles.add(new long[]{cycle, JournalRecordCodec.sequenceOf(header, 0, header.length)});
                            files.add(tailer.currentFile());
                        }
                    }
                }
            }
            long covered = kept.isEmpty() ? -1 : kept.get(0).lastSequence();
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
        return new Result(kept, deletable, firstSequence);
    }
}
