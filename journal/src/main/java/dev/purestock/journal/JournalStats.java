package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.EventSink;
import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
 * @param cycles         cycle files read: a newest one left unread ({@link JournalReader#unreadNewestCycle}) is
 *                       not counted
 * @param bytes          those cycle files' length: Chronicle creates them at full size as sparse files, which take
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

    /**
     * Reads the statistics of the journal in {@code dir}: every record checked as {@link JournalReader#readEvents}
     * checks it, its events decoded into the reader's buffer and counted there, so that a journal of any length is
     * read without garbage per record.
     */
    public static JournalStats of(Path dir) {
        long epoch = JournalEpoch.read(dir);
        try (JournalReader reader = JournalReader.open(dir)) {
            Tally tally = new Tally();
            reader.readEvents((sequence, time, events) -> {
                tally.add(sequence, time, reader.recordEpoch(), events);
                return true;
            });
            return new JournalStats(tally.records, tally.events, tally.firstSequence, tally.lastSequence,
                    tally.firstTime, tally.lastTime, reader.cycleCount(),
                    cycleBytes(dir, reader.unreadNewestCycleFile()), tally.accepted,
                    tally.rejected, tally.rejections(), new SnapshotStore(dir).list(), epoch, tally.firstEpoch,
                    tally.lastEpoch);
        }
    }

    /**
     * The counts of one read, kept in fields and in arrays that grow only with the distinct rejection reasons met.
     * The events of a record with a rejection are written through it ({@link EventBuffer#writeTo}) to count its
     * rejections by reason; of the other events it needs only their number, the buffer's size.
     */
    private static final class Tally implements EventSink {
        long records;
        long events;
        long firstSequence = -1;
        long lastSequence = -1;
        long firstTime;
        long lastTime;
        long accepted;
        long rejected;
        long firstEpoch = -1;
        long lastEpoch = -1;
        /** The reasons met so far, in the order met, and how many rejection events gave each. */
        private RejectionReason[] reasons = new RejectionReason[8];
        private long[] reasonCounts = new long[8];
        private int reasonsMet;

        void add(long sequence, long time, long epoch, EventBuffer recordEvents) {
            if (records++ == 0) {
                firstSequence = sequence;
                firstTime = time;
                firstEpoch = epoch;
            }
            lastSequence = sequence;
            lastTime = time;
            lastEpoch = epoch;
            events += recordEvents.size();
            if (recordEvents.firstRejection() < 0) {
                accepted++;
            } else {
                rejected++;
                recordEvents.writeTo(this);
            }
        }

        @Override
        public void rejected(RejectionReason reason, long ref) {
            count(reason);
        }

        @Override
        public void batchAborted(int index, Reason reason, long ref) {
            count(reason);
        }

        private void count(RejectionReason reason) {
            for (int i = 0; i < reasonsMet; i++) {
                if (reasons[i].equals(reason)) {
                    reasonCounts[i]++;
                    return;
                }
            }
            if (reasonsMet == reasons.length) {
                reasons = Arrays.copyOf(reasons, reasonsMet * 2);
                reasonCounts = Arrays.copyOf(reasonCounts, reasonsMet * 2);
            }
            reasons[reasonsMet] = reason;
            reasonCounts[reasonsMet++] = 1;
        }

        @Override
        public void productListed(long sku, long perCustomerLimit, boolean countsCustomers) {
        }

        @Override
        public void stockReceived(long movementId, long sku, int warehouse, long quantity, long available,
                                  long fingerprint) {
        }

        @Override
        public void stockWrittenOff(long movementId, long sku, int warehouse, long quantity, long available,
                                    long fingerprint) {
        }

        @Override
        public void purchaseAccepted(long orderId, long customer, long fingerprint) {
        }

        @Override
        public void stockReserved(long orderId, long customer, long expiresAt, long fingerprint) {
        }

        @Override
        public void reservationConfirmed(long orderId) {
        }

        @Override
        public void reservationReleased(long orderId) {
        }

        @Override
        public void reservationExpired(long orderId) {
        }

        @Override
        public void purchaseCancelled(long orderId) {
        }

        @Override
        public void lineChange(long sku, int warehouse, long quantity, long available, long customerUnits) {
        }

        @Override
        public void orderForgotten(long orderId) {
        }

        @Override
        public void commandHeld(long holdId, long at, Command command) {
        }

        @Override
        public void holdReleased(long holdId) {
        }

        @Override
        public void holdCancelled(long holdId) {
        }

        @Override
        public void alreadyApplied(long id) {
        }

        Map<RejectionReason, Long> rejections() {
            Map<RejectionReason, Long> byReason = new HashMap<>();
            for (int i = 0; i < reasonsMet; i++) {
                byReason.put(reasons[i], reasonCounts[i]);
            }
            return byReason;
        }
    }

    /** The length of the cycle files of {@code dir} but {@code unread} ({@code null}: none left out). */
    private static long cycleBytes(Path dir, Path unread) {
        try (Stream<Path> files = Files.list(dir)) {
            long total = 0;
            for (Path file : files.filter(f -> f.toString().endsWith(".cq4") && !f.equals(unread)).toList()) {
                total += Files.size(file);
            }
            return total;
        } catch (IOException e) {
            throw new JournalException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
