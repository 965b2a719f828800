package dev.purestock.journal;

import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.RejectionReason;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a journal directory holds, read in one checked pass.
 *
 * @param records        journal records
 * @param events         events in them
 * @param firstSequence  the first record's sequence, {@code -1} when empty
 * @param lastSequence   the last record's sequence, {@code -1} when empty
 * @param firstTime      the first record's time
 * @param lastTime       the last record's time
 * @param cycles         cycle files
 * @param bytes          the cycle files' length: Chronicle creates them at full size as sparse files, which take
 *                       less on disk
 * @param accepted       commands with no rejection among their events
 * @param rejected       commands with at least one rejection
 * @param rejections     rejection events by reason: the domain's {@link dev.purestock.domain.Reason}s and the
 *                       engine's {@link dev.purestock.engine.EngineRefusal}s
 * @param snapshots      snapshots the manifest lists, oldest first
 * @param epoch          the epoch the directory records ({@link JournalEpoch#read})
 * @param firstEpoch     the first record's epoch, {@code -1} when empty
 * @param lastEpoch      the last record's epoch, {@code -1} when empty
 */
public record JournalStats(long records, long events, long firstSequence, long lastSequence, long firstTime,
                           long lastTime, int cycles, long bytes, long accepted, long rejected,
                           Map<RejectionReason, Long> rejections, List<SnapshotInfo> snapshots, long epoch,
                           long firstEpoch, long lastEpoch) {
    /** Copies the map and the list. */
    public JournalStats {
        rejections = Map.copyOf(rejections);
        snapshots = List.copyOf(snapshots);
    }

    /** Reads the statistics of the journal in {@code dir}. */
    public static JournalStats of(Path dir) {
        long epoch = JournalEpoch.read(dir);
        try (JournalReader reader = JournalReader.open(dir)) {
            long[] n = {0, 0, -1, -1, 0, 0, 0, 0, -1, -1};
            Map<RejectionReason, Long> rejections = new HashMap<>();
            reader.read((index, record) -> {
                if (n[0]++ == 0) {
                    n[2] = record.sequence();
                    n[4] = record.time();
                    n[8] = record.epoch();
                }
                n[9] = record.epoch();
                n[3] = record.sequence();
                n[5] = record.time();
                n[1] += record.events().size();
                boolean rejected = Inventory.anyRejected(record.events());
                n[rejected ? 7 : 6]++;
                for (Event event : record.events()) {
                    if (event instanceof Event.Rejection rejection) {
                        rejections.merge(rejection.reason(), 1L, Long::sum);
                    }
                }
                return true;
            });
            return new JournalStats(n[0], n[1], n[2], n[3], n[4], n[5], reader.cycleCount(), cycleBytes(dir),
                    n[6], n[7], rejections, new SnapshotStore(dir).list(), epoch, n[8], n[9]);
        }
    }

    private static long cycleBytes(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            long total = 0;
            for (Path file : files.filter(f -> f.toString().endsWith(".cq4")).toList()) {
                total += Files.size(file);
            }
            return total;
        } catch (IOException e) {
            throw new JournalException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
