package dev.purestock.benchmarks.journal;

import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalWriter;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The raw append's ceiling writes as many documents, of the same lengths, as the journal writer does. */
class JournalFixturesTest {
    private static final int RECORDS = 1_000;

    @ParameterizedTest
    @ValueSource(ints = {JournalWriter.DEFAULT_DOCUMENT_BYTES, 4_096, 100, JournalWriter.ONE_RECORD_PER_DOCUMENT})
    void aBatchIsLaidOutInDocumentsAsTheWriterLaysItOut(int documentBytes, @TempDir Path dir) {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE).documentBytes(documentBytes)) {
            for (int i = 0; i < RECORDS; i++) {
                writer.onDecided(i, 1_700_000_000_000L + i, JournalFixtures.command(i), JournalFixtures.events(i),
                        i == RECORDS - 1);
            }
        }
        List<Integer> written = new ArrayList<>();
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir).readOnly(true).build();
             ExcerptTailer tailer = queue.createTailer()) {
            while (true) {
                try (DocumentContext document = tailer.readingDocument()) {
                    if (!document.isPresent()) {
                        break;
                    }
                    written.add((int) document.wire().bytes().readRemaining());
                }
            }
        }

        List<Integer> laidOut = Arrays.stream(JournalFixtures.documents(JournalFixtures.encodedRecords(RECORDS),
                documentBytes)).map(document -> document.length).toList();

        assertEquals(written, laidOut);
    }
}
