package dev.purestock.journal;

import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Re-decides every journaled command with the pure domain and compares the result with the journaled
 * events: a proof that the run was deterministic and a guard when the domain code changes. It starts from
 * the empty state when the journal starts at sequence 0, and otherwise (the older cycles were pruned) from
 * the newest usable snapshot the journal reaches. Checksums and sequence continuity are checked on the way.
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
     */
    public record Result(long records, String startedAt, String divergence) {
        /** Whether every record matched. */
        public boolean matches() {
            return divergence == null;
        }
    }

    /**
     * Verifies the journal in {@code dir}.
     *
     * @throws JournalCorruptException at a checksum failure or a gap, which are reported by name
     */
    public static Result verify(Path dir, Supplier<? extends InventoryStore> stores, ReplayProgress progress) {
        try (JournalReader reader = JournalReader.open(dir)) {
            JournalBounds bounds = JournalBounds.of(reader);
            if (bounds.isEmpty()) {
                return new Result(0, "empty", null);
            }
            InventoryStore store;
            long start;
            String startedAt;
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
                if (start > bounds.lastSequence()) {
                    return new Result(0, startedAt, null);
                }
            }
            if (!reader.seek(start)) {
                throw new JournalCorruptException("journal " + dir + " does not hold sequence " + start);
            }
            long total = bounds.lastSequence() - start + 1;
            long[] done = {0};
            String[] divergence = {null};
            reader.read((index, record) -> {
                List<Event> decided = Inventory.decide(record.command(), record.time(), store);
                if (!decided.equals(record.events())) {
                    divergence[0] = "journal record seq " + record.sequence() + " (queue index 0x"
                            + Long.toHexString(index) + ") diverges: it decides to " + decided
                            + " but was journaled as " + RecordFormat.text(index, record);
                    return false;
                }
                Inventory.evolveAll(store, record.time(), record.events());
                if (++done[0] % (1 << 14) == 0) {
                    progress.onProgress(done[0], total);
                }
                return true;
            });
            progress.onProgress(done[0], total);
            return new Result(done[0], startedAt, divergence[0]);
        }
    }
}
