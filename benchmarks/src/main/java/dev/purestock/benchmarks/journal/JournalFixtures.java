package dev.purestock.benchmarks.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Product;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalRecordCodec;
import dev.purestock.journal.JournalRecordDescriptor;
import dev.purestock.journal.JournalWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The workload the journal benchmarks share: relisting one of {@link #SKUS} skus with a changing
 * per-customer limit. Every command is accepted, goes through decide and evolve, keeps the state bounded
 * however long the benchmark runs, and journals as a 62-byte record.
 */
public final class JournalFixtures {
    /** Distinct skus the workload cycles through. */
    public static final int SKUS = 1_024;
    private static final long TIME = 1_700_000_000_000L;

    private JournalFixtures() {
    }

    /** The {@code i}-th command of the workload. */
    public static Command command(long i) {
        return new Command.ListProduct(1 + (i % SKUS), i % 7);
    }

    /** The events the domain decides for {@link #command}. */
    public static List<Event> events(long i) {
        return List.of(new Event.ProductListed(1 + (i % SKUS), i % 7));
    }

    /** The encoded records of commands {@code 0..count-1}, exactly as the journal writes them. */
    public static byte[][] encodedRecords(int count) {
        JournalRecordCodec codec = new JournalRecordCodec();
        byte[][] records = new byte[count][];
        for (int i = 0; i < count; i++) {
            int length = codec.encode(i, TIME + i, command(i), events(i));
            records[i] = Arrays.copyOf(codec.buffer(), length);
        }
        return records;
    }

    /**
     * {@code records} laid out in Chronicle documents as {@link JournalWriter} lays out one batch of them at the document
     * limit {@code documentBytes} ({@link JournalWriter#documentBytes}): records in turn share a document, behind room
     * for its header, until the next would take it past the limit; a document of one record is that record alone, and
     * {@link JournalWriter#ONE_RECORD_PER_DOCUMENT} gives each record its own. The header's room is left zero: the
     * bytes appended are as many as the writer's, not the same.
     */
    public static byte[][] documents(byte[][] records, int documentBytes) {
        List<byte[]> documents = new ArrayList<>();
        int first = 0;
        while (first < records.length) {
            int length = JournalRecordDescriptor.DOCUMENT_HEADER_LENGTH + records[first].length;
            int end = first + 1;
            while (end < records.length && length + records[end].length <= documentBytes) {
                length += records[end++].length;
            }
            if (end - first == 1) {
                documents.add(records[first]);
            } else {
                byte[] document = new byte[length];
                int at = JournalRecordDescriptor.DOCUMENT_HEADER_LENGTH;
                for (int i = first; i < end; i++) {
                    System.arraycopy(records[i], 0, document, at, records[i].length);
                    at += records[i].length;
                }
                documents.add(document);
            }
            first = end;
        }
        return documents.toArray(byte[][]::new);
    }

    /** Writes a journal of {@code count} workload records into {@code dir}. */
    public static void writeJournal(Path dir, int count) {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            for (int i = 0; i < count; i++) {
                writer.onDecided(i, TIME + i, command(i), events(i), i % 256 == 255 || i == count - 1);
            }
        }
    }

    /** A store holding {@code skus} listed skus, each with stock at one warehouse. */
    public static InventoryStore storeWithSkus(int skus) {
        InventoryStore store = new PrimitiveInventoryStore(skus);
        for (long sku = 1; sku <= skus; sku++) {
            store.putProduct(new Product(sku, 2));
            store.putAvailable(sku, 1, 1_000);
        }
        return store;
    }

    /** A new empty temporary directory. */
    public static Path temporaryDirectory(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes {@code dir} and everything in it. */
    public static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
