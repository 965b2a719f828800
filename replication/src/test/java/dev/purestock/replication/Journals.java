package dev.purestock.replication;

import dev.purestock.domain.Event;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.LineChange;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.journal.JournalReader;
import dev.purestock.journal.JournalRecord;
import dev.purestock.journal.JournalRecovery;
import dev.purestock.journal.JournalVerifier;
import dev.purestock.journal.RecoveredState;
import dev.purestock.journal.ReplayProgress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads journals whole, for comparing a standby's with its primary's. */
final class Journals {
    private Journals() {
    }

    /** Every record's bytes, in order. */
    static List<byte[]> raw(Path dir) {
        List<byte[]> records = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            reader.readRaw((index, bytes, offset, length) -> records.add(Arrays.copyOfRange(bytes, offset,
                    offset + length)));
        }
        return records;
    }

    /** Every record, decoded and checked. */
    static List<JournalRecord> decoded(Path dir) {
        List<JournalRecord> records = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            reader.read((index, record) -> records.add(record));
        }
        return records;
    }

    /**
     * Asserts that the standby's journal is a prefix of the primary's, record for record (decoded) and byte for
     * byte, and that it holds at least {@code atLeast} records.
     */
    static void assertPrefix(Path primary, Path standby, int atLeast) {
        List<JournalRecord> primaryRecords = decoded(primary);
        List<JournalRecord> standbyRecords = decoded(standby);
        assertTrue(standbyRecords.size() >= atLeast, "the standby holds " + standbyRecords.size()
                + " records, expected at least " + atLeast);
        assertTrue(standbyRecords.size() <= primaryRecords.size(), "the standby holds more records ("
                + standbyRecords.size() + ") than the primary (" + primaryRecords.size() + ")");
        assertEquals(primaryRecords.subList(0, standbyRecords.size()), standbyRecords);
        List<byte[]> primaryBytes = raw(primary);
        List<byte[]> standbyBytes = raw(standby);
        assertEquals(standbyRecords.size(), standbyBytes.size());
        for (int i = 0; i < standbyBytes.size(); i++) {
            assertArrayEquals(primaryBytes.get(i), standbyBytes.get(i), "record " + i + " differs in its bytes");
        }
    }

    /** The order id of every accepted purchase in {@code records}, with the sequence of its record. */
    static Map<Long, Long> acceptedPurchases(List<JournalRecord> records) {
        Map<Long, Long> accepted = new HashMap<>();
        for (JournalRecord record : records) {
            for (Event event : record.events()) {
                if (event instanceof Event.PurchaseAccepted purchase) {
                    accepted.put(purchase.orderId(), record.sequence());
                }
            }
        }
        return accepted;
    }

    /**
     * Asserts, position by position, that no accepted purchase took units the position had not received: each line's
     * remaining stock is what was received less what was sold before it, never below zero.
     */
    static void assertNothingOversold(List<JournalRecord> records) {
        Map<String, long[]> receivedAndSold = new HashMap<>();
        for (JournalRecord record : records) {
            for (Event event : record.events()) {
                if (event instanceof Event.StockReceived received) {
                    receivedAndSold.computeIfAbsent(received.sku() + "@" + received.warehouse(),
                            k -> new long[2])[0] += received.quantity();
                } else if (event instanceof Event.PurchaseAccepted purchase) {
                    for (LineChange line : purchase.lines()) {
                        long[] position = receivedAndSold.computeIfAbsent(line.sku() + "@" + line.warehouse(),
                                k -> new long[2]);
                        position[1] += line.quantity();
                        assertTrue(position[1] <= position[0], "seq " + record.sequence() + " sells unit " + position[1]
                                + " of sku " + line.sku() + " at warehouse " + line.warehouse() + ", which received "
                                + position[0]);
                        assertEquals(position[0] - position[1], line.available(), "stock left after seq "
                                + record.sequence());
                    }
                }
            }
        }
    }

    /**
     * Asserts that the state a (closed) standby built record by record as it received them has the digest of a replay
     * of its journal, and that the journal re-decides to the events it holds ({@code purestock verify}).
     *
     * @return the number of records
     */
    static long assertStateIsAReplayOfItsJournal(Standby standby) throws IOException {
        long replayed = assertStateIsAReplayOf(standby.dir(), standby.lastSequence(), standby.digest());
        JournalVerifier.Result verified = JournalVerifier.verify(standby.dir(), PrimitiveInventoryStore::new,
                ReplayProgress.NONE);
        assertTrue(verified.matches(), verified.divergence());
        assertEquals(replayed, verified.records(), "records verified");
        return verified.records();
    }

    /**
     * Asserts that a standby's state, {@code digest} as of {@code lastSequence}, is a replay of what the journal in
     * {@code dir} holds (nothing, and an empty state, when it has no cycle file yet): its last record and its state
     * digest; returns the replay's next sequence.
     */
    static long assertStateIsAReplayOf(Path dir, long lastSequence, long digest) throws IOException {
        boolean journaled;
        try (Stream<Path> files = Files.list(dir)) {
            journaled = files.anyMatch(file -> file.toString().endsWith(".cq4"));
        }
        RecoveredState replayed = journaled ? JournalRecovery.recoverWithoutSnapshots(dir,
                PrimitiveInventoryStore::new, ReplayProgress.NONE) : null;
        long next = replayed == null ? 0 : replayed.nextSequence();
        InventoryStore state = replayed == null ? new PrimitiveInventoryStore() : replayed.store();
        assertEquals(next - 1, lastSequence, "the standby's state is as of its journal's last record");
        assertEquals(StateDigest.format(StateDigest.of(state)), StateDigest.format(digest), "the standby's state digest");
        return next;
    }
}
