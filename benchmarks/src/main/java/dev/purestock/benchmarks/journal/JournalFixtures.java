package dev.purestock.benchmarks.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Product;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalRecordCodec;
import dev.purestock.journal.JournalWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
