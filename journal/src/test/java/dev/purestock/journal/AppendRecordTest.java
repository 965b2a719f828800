package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link JournalWriter#appendRecord}: a journal made of another's records, byte for byte. */
class AppendRecordTest {
    @TempDir
    Path source;
    @TempDir
    Path copy;

    private static List<byte[]> raw(Path dir) {
        List<byte[]> records = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            reader.readRaw((index, bytes, offset, length) -> records.add(Arrays.copyOfRange(bytes, offset,
                    offset + length)));
        }
        return records;
    }

    @Test
    void recordsAppendedAsBytesReadBackAsTheSameBytesAndRecords() {
        try (JournalWriter writer = JournalWriter.open(source, Durability.PAGE_CACHE)) {
            writer.onDecided(0, 10, new Command.ListProduct(7, 2), List.of(new Event.ProductListed(7, 2)), false);
            writer.onDecided(1, 11, new Command.ListProduct(8, 3), List.of(new Event.ProductListed(8, 3)), true);
            writer.onDecided(2, 12, new Command.ListProduct(9, 4), List.of(new Event.ProductListed(9, 4)), true);
        }
        List<byte[]> records = raw(source);
        try (JournalWriter writer = JournalWriter.open(copy, Durability.SYNC_PER_BATCH)) {
            for (int i = 0; i < records.size(); i++) {
                byte[] record = records.get(i);
                byte[] padded = new byte[record.length + 3];
                System.arraycopy(record, 0, padded, 3, record.length);
                writer.appendRecord(padded, 3, record.length, i == records.size() - 1);
            }
        }
        List<byte[]> copied = raw(copy);
        assertEquals(records.size(), copied.size());
        for (int i = 0; i < records.size(); i++) {
            assertArrayEquals(records.get(i), copied.get(i));
        }
        try (JournalReader reader = JournalReader.open(copy)) {
            assertEquals(2, reader.highWaterMark(), "the end of the batch moved the high-water mark");
        }
    }

    @Test
    void aRecordThatFailsItsChecksumOrLeavesAGapIsRefusedAndNothingIsAppended() {
        try (JournalWriter writer = JournalWriter.open(source, Durability.PAGE_CACHE)) {
            writer.onDecided(0, 10, new Command.ListProduct(7, 2), List.of(new Event.ProductListed(7, 2)), true);
            writer.onDecided(1, 11, new Command.ListProduct(8, 3), List.of(new Event.ProductListed(8, 3)), true);
            writer.onDecided(2, 12, new Command.ListProduct(9, 4), List.of(new Event.ProductListed(9, 4)), true);
        }
        List<byte[]> records = raw(source);
        try (JournalWriter writer = JournalWriter.open(copy, Durability.PAGE_CACHE)) {
            writer.appendRecord(records.get(0), 0, records.get(0).length, true);
            byte[] flipped = records.get(1).clone();
            flipped[20] ^= 1;
            assertThrows(JournalCorruptException.class, () -> writer.appendRecord(flipped, 0, flipped.length, true));
            assertThrows(JournalException.class,
                    () -> writer.appendRecord(records.get(2), 0, records.get(2).length, true));
            writer.appendRecord(records.get(1), 0, records.get(1).length, true);
        }
        List<byte[]> copied = raw(copy);
        assertEquals(2, copied.size());
        assertArrayEquals(records.get(1), copied.get(1));
    }
}
