package dev.purestock.replication;

import dev.purestock.journal.JournalReader;
import dev.purestock.journal.JournalRecord;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
}
