package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The records of an engine batch share one Chronicle document, and everything that reads the journal still
 * sees one record per command: reading, seeking, recovery from a snapshot inside a document, verify, stats,
 * damage found record by record, repair cutting inside a document, and a failing record dropping its batch.
 */
class BatchDocumentTest {
    private static final long NOW = 1_700_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void aBatchIsOneDocumentAndReadersSeeOneRecordPerCommand() {
        JournalFiles.writeBatches(dir, 0, 100, 10, JournalWriter.DEFAULT_DOCUMENT_BYTES, 99);

        assertEquals(10, JournalFiles.headerOffsets(dir).size(), "ten batches, ten documents");
        List<JournalRecord> records = new ArrayList<>();
        Set<Long> indexes = new LinkedHashSet<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            reader.read((index, record) -> {
                records.add(record);
                indexes.add(index);
                return true;
            });
        }
        assertEquals(100, records.size());
        for (int s = 0; s < 100; s++) {
            assertEquals(new JournalRecord(s, 1_000 + s, new Command.ListProduct(s + 1, 1),
                    List.of(new Event.ProductListed(s + 1, 1)), JournalRecordDescriptor.CURRENT_VERSION), records.get(s));
        }
        assertEquals(10, indexes.size(), "the records of a batch share their document's queue index");
        assertEquals(99, JournalHighWaterMark.read(dir));
        assertEquals(100, JournalStats.of(dir).records());
        JournalVerifier.Result verified = JournalVerifier.verify(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertTrue(verified.matches(), verified.divergence());
        assertEquals(100, verified.records());
    }

    @Test
    void aBatchOfOneCommandIsARecordDocumentAsBeforeBatchDocuments() throws IOException {
        JournalFiles.writeBatches(dir, 0, 5, 1, JournalWriter.DEFAULT_DOCUMENT_BYTES, 4);

        List<Long> headers = JournalFiles.headerOffsets(dir);
        assertEquals(5, headers.size());
        byte[] file = Files.readAllBytes(JournalFiles.cycleFile(dir));
        for (long header : headers) {
            int recordLength = JournalFiles.readInt(JournalFiles.cycleFile(dir), header + 4);
            assertEquals(JournalFiles.readInt(JournalFiles.cycleFile(dir), header) & JournalFiles.LENGTH_MASK,
                    recordLength, "the document is the record, its length first");
            assertTrue(file.length > header + recordLength);
        }
        assertEquals(5, JournalStats.of(dir).records());
    }

    @Test
    void aBatchLargerThanTheDocumentLimitSpansSeveralDocuments() {
        JournalFiles.writeBatches(dir, 0, 60, 60, 512, 59);

        List<Long> headers = JournalFiles.headerOffsets(dir);
        assertTrue(headers.size() > 1, "one batch of 60 records in documents of at most 512 bytes");
        assertTrue(headers.size() < 60, "yet several records share each document");
        for (int i = 0; i + 1 < headers.size(); i++) {
            assertTrue(headers.get(i + 1) - headers.get(i) - 4 <= 512, "document " + i + " keeps the limit");
        }
        assertEquals(60, JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE).nextSequence());
    }

    @Test
    void oneRecordPerDocumentWritesEveryRecordAtOnce() {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)
                .documentBytes(JournalWriter.ONE_RECORD_PER_DOCUMENT)) {
            for (long s = 0; s < 3; s++) {
                writer.onDecided(s, NOW, new Command.ListProduct(s + 1, 0), List.of(new Event.ProductListed(s + 1, 0)),
                        false);
                assertEquals(s, writer.lastSequenceWritten(), "visible before its batch ends");
            }
        }
        assertEquals(3, JournalFiles.headerOffsets(dir).size());
        assertEquals(JournalHighWaterMark.NONE, JournalHighWaterMark.read(dir), "no batch ended: none acknowledged");
    }

    @Test
    void aDocumentLimitIsRefusedOutsideWhatChronicleTakes() {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            assertThrows(IllegalArgumentException.class, () -> writer.documentBytes(-1));
            assertThrows(IllegalArgumentException.class,
                    () -> writer.documentBytes(JournalRecordDescriptor.MAX_RECORD_LENGTH + 1));
        }
    }

    @Test
    void aBatchIsVisibleOnlyOnceItEnds() {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            listProducts(writer, 0, 3, true);
            listProducts(writer, 3, 4, false);
            assertEquals(2, writer.lastSequenceWritten());
            assertEquals(3, JournalStats.of(dir).records(), "the open batch is not in the journal yet");
            writer.onDecided(7, NOW, new Command.ListProduct(8, 0), List.of(new Event.ProductListed(8, 0)), true);
            assertEquals(7, writer.lastSequenceWritten());
            assertEquals(8, JournalStats.of(dir).records());
            assertEquals(7, JournalHighWaterMark.read(dir));
        }
    }

    @Test
    void seekFindsEveryRecordInsideBatchDocuments() {
        JournalFiles.writeBatches(dir, 0, 500, 37, 1_024, 499);

        try (JournalReader reader = JournalReader.open(dir)) {
            for (long s = 0; s < 500; s++) {
                assertTrue(reader.seek(s), "seek " + s);
                long[] read = {-1, 0};
                reader.read((index, record) -> {
                    read[0] = record.sequence();
                    return ++read[1] < 2;
                });
                assertEquals(s, read[0] - (s < 499 ? 1 : 0), "the record after seeking " + s);
            }
            assertFalse(reader.seek(500));
        }
    }

    @Test
    void aSeekStaysWithinTheEndTheJournalHadWhenTheReaderOpened() {
        JournalFiles.writeBatches(dir, 0, 50, 10, JournalWriter.DEFAULT_DOCUMENT_BYTES, 49);
        try (JournalReader reader = JournalReader.open(dir)) {
            JournalFiles.writeBatches(dir, 50, 50, 10, JournalWriter.DEFAULT_DOCUMENT_BYTES, 99);
            assertFalse(reader.seek(75), "appended after the reader opened");
            assertTrue(reader.seek(45));
            assertEquals(5, reader.read((index, record) -> true), "45..49, and no further");
        }
    }

    @Test
    void recoveryStartsFromASnapshotInsideABatchDocument() throws Exception {
        MapInventoryStore live = new MapInventoryStore();
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            for (long s = 0; s < 200; s++) {
                Event.ProductListed listed = new Event.ProductListed(1 + s % 50, s % 7);
                Inventory.evolve(live, NOW + s, listed);
                writer.onDecided(s, NOW + s, new Command.ListProduct(listed.sku(), listed.perCustomerLimit()),
                        List.of(listed), s % 25 == 24);
                if (s == 112) {
                    new SnapshotStore(dir).write(s, NOW + s, live);
                }
            }
        }

        RecoveredState recovered = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(112, recovered.snapshotSequence());
        assertEquals(87, recovered.replayedRecords(), "113..199: from the middle of the document of 100..124");
        assertEquals(200, recovered.nextSequence());
        assertEquals(StateDigest.of(live), StateDigest.of(recovered.store()));
    }

    @Test
    void aRecordThatFailsToEncodeDropsTheRecordsOfItsBatchAndNothingElse() {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            listProducts(writer, 0, 3, true);
            listProducts(writer, 3, 2, false);
            assertThrows(IllegalArgumentException.class, () -> writer.onDecided(5, NOW,
                    JournalRecordCodecTest.nested(JournalRecordDescriptor.MAX_COMMAND_DEPTH + 1), List.of(), true));
        }
        assertEquals(2, JournalStats.of(dir).lastSequence(), "the batch 3..5 was never acknowledged: none of it");
        assertEquals(2, JournalHighWaterMark.read(dir));
        assertEquals(3, JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE).nextSequence());
    }

    @Test
    void aWriterCalledAgainAfterAFailedRecordGoesOnFromTheLastRecordItAppended() {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            listProducts(writer, 0, 2, true);
            listProducts(writer, 2, 2, false);
            assertThrows(IllegalArgumentException.class, () -> writer.onDecided(4, NOW,
                    JournalRecordCodecTest.nested(JournalRecordDescriptor.MAX_COMMAND_DEPTH + 1), List.of(), false));
            listProducts(writer, 2, 3, true);
        }
        assertEquals(5, JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE).nextSequence());
        assertEquals(4, JournalHighWaterMark.read(dir));
    }

    @Test
    void aBatchWhoseEndTheEngineSignalsWithoutItsLastCommandIsAppendedAndAcknowledged() {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.SYNC_PER_BATCH)) {
            listProducts(writer, 0, 4, false);
            writer.onEndOfBatch();
            assertEquals(3, writer.lastSequenceWritten());
            assertEquals(3, JournalHighWaterMark.read(dir));
            writer.onEndOfBatch();
            assertEquals(3, JournalHighWaterMark.read(dir), "no second end for the same batch");
        }
        assertEquals(4, JournalStats.of(dir).records());
    }

    @Test
    void recordsOfABatchThatNeverEndedAreWrittenOnCloseAboveTheMark() {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            listProducts(writer, 0, 3, true);
            listProducts(writer, 3, 3, false);
        }
        assertEquals(6, JournalStats.of(dir).records());
        assertEquals(2, JournalHighWaterMark.read(dir));
    }

    @Test
    void aDamagedRecordInsideABatchDocumentIsNamedAfterTheRecordsBeforeIt() throws IOException {
        JournalFiles.writeBatches(dir, 0, 100, 20, JournalWriter.DEFAULT_DOCUMENT_BYTES, 99);
        Path cycle = JournalFiles.cycleFile(dir);
        JournalRecoveryTest.flipByte(cycle, JournalRecoveryTest.offsetOfSequence(cycle, 45) + 26);

        List<Long> read = new ArrayList<>();
        JournalDamagedException damage = assertThrows(JournalDamagedException.class, () -> {
            try (JournalReader reader = JournalReader.open(dir)) {
                reader.read((index, record) -> read.add(record.sequence()));
            }
        });
        assertEquals(45, read.size(), "40..44 share the damaged record's document and still read");
        assertTrue(damage.getMessage().startsWith("journal record seq 45 (queue index 0x"), damage.getMessage());
        assertTrue(damage.getMessage().contains("fails its checksum"), damage.getMessage());
        assertTrue(damage.getMessage().contains("records 45..99 are unreachable"), damage.getMessage());
        assertEquals(44, JournalRepair.diagnose(dir).lastGoodSequence());
    }

    @Test
    void aDamagedRecordInTheLastDocumentLeavesItsEndKnownSoDumpCanShowEveryRecord() throws IOException {
        JournalFiles.writeBatches(dir, 0, 100, 100, JournalWriter.DEFAULT_DOCUMENT_BYTES, 99);
        Path cycle = JournalFiles.cycleFile(dir);
        JournalRecoveryTest.flipByte(cycle, JournalRecoveryTest.offsetOfSequence(cycle, 45) + 26);

        JournalCodecCounts counts = new JournalCodecCounts();
        try (JournalReader reader = JournalReader.open(dir)) {
            assertEquals(99, reader.lastSequence(), "the last record passes its checksum: the end is known");
            reader.readRaw((index, bytes, offset, length) -> counts.add(bytes, offset, length));
        }
        assertEquals(100, counts.records);
        assertEquals(List.of(45L), counts.failing);
    }

    /** Counts raw records, and the sequences of those that fail their checksum. */
    private static final class JournalCodecCounts {
        final JournalRecordCodec codec = new JournalRecordCodec();
        final List<Long> failing = new ArrayList<>();
        long records;

        boolean add(byte[] bytes, int offset, int length) {
            records++;
            if (!codec.checksumMatches(bytes, offset, length)) {
                failing.add(JournalRecordCodec.sequenceOf(bytes, offset, length));
            }
            return true;
        }
    }

    @Test
    void aDamagedBatchHeaderStopsReadingAfterTheDocumentBefore() {
        JournalFiles.writeBatches(dir, 0, 100, 20, JournalWriter.DEFAULT_DOCUMENT_BYTES, 99);
        Path cycle = JournalFiles.cycleFile(dir);
        long countAt = JournalFiles.headerOffsets(dir).get(2) + 4 + JournalRecordDescriptor.DOCUMENT_COUNT_OFFSET;
        JournalFiles.writeInt(cycle, countAt, 19);

        JournalRepair.Diagnosis diagnosis = JournalRepair.diagnose(dir);
        assertEquals(39, diagnosis.lastGoodSequence());
        assertTrue(diagnosis.damage().orElseThrow().getMessage().contains("fails its checksum"),
                diagnosis.damage().orElseThrow().getMessage());
        assertTrue(diagnosis.losesAcknowledged());
    }

    @Test
    void aRecordLengthThatLeavesItsDocumentIsDamageNotAShorterJournal() throws IOException {
        JournalFiles.writeBatches(dir, 0, 100, 20, JournalWriter.DEFAULT_DOCUMENT_BYTES, 99);
        Path cycle = JournalFiles.cycleFile(dir);
        JournalFiles.writeInt(cycle, JournalRecoveryTest.offsetOfSequence(cycle, 65), 1 << 20);

        JournalRepair.Diagnosis diagnosis = JournalRepair.diagnose(dir);
        assertEquals(64, diagnosis.lastGoodSequence());
        assertEquals(65, diagnosis.records());
    }

    @Test
    void repairCutInsideABatchDocumentKeepsTheRecordsBeforeTheCutAndTheJournalGoesOn() throws Exception {
        JournalFiles.writeBatches(dir, 0, 100, 20, JournalWriter.DEFAULT_DOCUMENT_BYTES, 99);
        Path cycle = JournalFiles.cycleFile(dir);
        JournalRecoveryTest.flipByte(cycle, JournalRecoveryTest.offsetOfSequence(cycle, 45) + 26);

        JournalRepair.truncateAfter(dir, JournalRepair.diagnose(dir).lastGoodSequence());

        assertTrue(JournalRepair.diagnose(dir).damage().isEmpty());
        assertEquals(44, JournalHighWaterMark.read(dir));
        assertEquals(3, JournalFiles.headerOffsets(dir).size(), "0..19, 20..39, and 40..44 rewritten from 40..59");
        JournalFiles.writeBatches(dir, 45, 10, 5, JournalWriter.DEFAULT_DOCUMENT_BYTES, 54);
        RecoveredState after = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(55, after.nextSequence());
        assertEquals(55, after.replayedRecords());
    }

    @Test
    void aCutAfterTheFirstRecordOfABatchDocumentLeavesARecordDocument() throws IOException {
        JournalFiles.writeBatches(dir, 0, 40, 20, JournalWriter.DEFAULT_DOCUMENT_BYTES, 39);
        Path cycle = JournalFiles.cycleFile(dir);
        JournalRecoveryTest.flipByte(cycle, JournalRecoveryTest.offsetOfSequence(cycle, 21) + 26);

        JournalRepair.truncateAfter(dir, JournalRepair.diagnose(dir).lastGoodSequence());

        List<Long> headers = JournalFiles.headerOffsets(dir);
        assertEquals(2, headers.size());
        int firstInt = JournalFiles.readInt(JournalFiles.cycleFile(dir), headers.get(1) + 4);
        assertNotEquals(JournalRecordDescriptor.BATCH_DOCUMENT_KIND, firstInt);
        assertEquals(21, JournalStats.of(dir).records());
    }

    @Test
    void anUnacknowledgedBatchDamagedInsideIsCutOnStartAfterItsLastReadableRecord() throws IOException {
        JournalFiles.writeBatches(dir, 0, 100, 20, JournalWriter.DEFAULT_DOCUMENT_BYTES, 79);
        Path cycle = JournalFiles.cycleFile(dir);
        JournalRecoveryTest.flipByte(cycle, JournalRecoveryTest.offsetOfSequence(cycle, 90) + 26);

        try (JournaledEngine journaled = JournaledEngine.builder(dir).start()) {
            assertEquals(90, journaled.recovered().nextSequence());
            assertTrue(journaled.recovered().notes().stream().anyMatch(n -> n.contains("cut the journal after seq 89")),
                    journaled.recovered().notes().toString());
            assertEquals(90, journaled.engine().submit(new Command.ListProduct(500, 0)).join().sequence());
        }
        assertEquals(91, JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE).nextSequence());
    }

    @Test
    void aJournalOfEveryDocumentKindBuiltByHandFromTheLayoutReads() {
        JournalRecordCodec codec = new JournalRecordCodec();
        byte[] current = encode(codec, 0);
        // version 0 had no epoch and no counting byte after a listing's limit (in the command and in its event)
        int listing = 1 + 2 * Long.BYTES;
        byte[] versionZero = new byte[current.length - Long.BYTES - 2];
        System.arraycopy(current, 0, versionZero, 0, JournalRecordDescriptor.EPOCH_OFFSET);
        int command = JournalRecordDescriptor.HEADER_LENGTH;
        System.arraycopy(current, command, versionZero, JournalRecordDescriptor.HEADER_LENGTH_WITHOUT_EPOCH, listing);
        System.arraycopy(current, command + listing + 1, versionZero,
                JournalRecordDescriptor.HEADER_LENGTH_WITHOUT_EPOCH + listing, listing);
        versionZero[JournalRecordDescriptor.VERSION_OFFSET] = JournalRecordDescriptor.VERSION_WITHOUT_BATCH_MODE;
        putIntLe(versionZero, JournalRecordDescriptor.LENGTH_OFFSET, versionZero.length);
        putIntLe(versionZero, versionZero.length - JournalRecordDescriptor.CHECKSUM_LENGTH,
                codec.checksum(versionZero, 0, versionZero.length));
        codec.epoch(3);
        byte[] recordDocument = encode(codec, 1);
        byte[] batch = batchDocument(JournalRecordDescriptor.CURRENT_DOCUMENT_FORMAT, encode(codec, 2),
                encode(codec, 3), encode(codec, 4));
        JournalFiles.appendRaw(dir, versionZero, recordDocument, batch);

        List<JournalRecord> records = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            reader.read((index, record) -> records.add(record));
        }
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), records.stream().map(JournalRecord::sequence).toList());
        assertEquals(0, records.get(0).schemaVersion());
        assertEquals(List.of(0L, 3L, 3L, 3L, 3L), records.stream().map(JournalRecord::epoch).toList());
        assertEquals(new Command.ListProduct(4, 0), records.get(3).command());
    }

    @Test
    void aBatchDocumentOfANewerFormatIsRefusedByName() {
        JournalRecordCodec codec = new JournalRecordCodec();
        JournalFiles.appendRaw(dir, encode(codec, 0), batchDocument(JournalRecordDescriptor.CURRENT_DOCUMENT_FORMAT + 1,
                encode(codec, 1), encode(codec, 2)));

        JournalCorruptException refused = assertThrows(JournalCorruptException.class,
                () -> JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE));
        assertTrue(refused.getMessage().contains("is a batch document of format 2, newer than this purestock reads (1); "
                + "upgrade purestock"), refused.getMessage());
    }

    private static void listProducts(JournalWriter writer, long from, int count, boolean endLastBatch) {
        for (long s = from; s < from + count; s++) {
            writer.onDecided(s, NOW, new Command.ListProduct(s + 1, 0), List.of(new Event.ProductListed(s + 1, 0)),
                    endLastBatch && s == from + count - 1);
        }
    }

    private static byte[] encode(JournalRecordCodec codec, long sequence) {
        int length = codec.encode(sequence, NOW, new Command.ListProduct(sequence + 1, 0),
                List.of(new Event.ProductListed(sequence + 1, 0)));
        return Arrays.copyOf(codec.buffer(), length);
    }

    /** A batch document made by hand from the layout in {@link JournalRecordDescriptor}. */
    private static byte[] batchDocument(int format, byte[]... records) {
        int length = JournalRecordDescriptor.DOCUMENT_HEADER_LENGTH;
        for (byte[] record : records) {
            length += record.length;
        }
        byte[] document = new byte[length];
        putIntLe(document, 0, JournalRecordDescriptor.BATCH_DOCUMENT_KIND);
        document[JournalRecordDescriptor.DOCUMENT_FORMAT_OFFSET] = (byte) format;
        putIntLe(document, JournalRecordDescriptor.DOCUMENT_COUNT_OFFSET, records.length);
        CRC32C crc = new CRC32C();
        crc.update(document, 0, JournalRecordDescriptor.DOCUMENT_CHECKSUM_OFFSET);
        putIntLe(document, JournalRecordDescriptor.DOCUMENT_CHECKSUM_OFFSET, (int) crc.getValue());
        int at = JournalRecordDescriptor.DOCUMENT_HEADER_LENGTH;
        for (byte[] record : records) {
            System.arraycopy(record, 0, document, at, record.length);
            at += record.length;
        }
        return document;
    }

    private static void putIntLe(byte[] bytes, int at, int value) {
        for (int i = 0; i < 4; i++) {
            bytes[at + i] = (byte) (value >>> (8 * i));
        }
    }
}
