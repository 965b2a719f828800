package dev.purestock.engine;

import dev.purestock.domain.Event;
import dev.purestock.domain.InventoryState;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The read model's stock positions, as readers see them: while each shard's completion thread adds and updates its
 * warehouses' positions (through many segment splits of a read model sized for one position), a reader never sees
 * another position's units and never misses a position published before its query; a position a shard holds
 * outside its own warehouses is still found; and a query allocates nothing.
 */
class ReadModelPositionsTest {
    private static final int SHARDS = 2;
    private static final int WAREHOUSES = 4;
    private static final int SKUS = 30_000;
    private static final int READERS = 2;
    private static final int STEPS = 3;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void readersSeeOnlyAPositionsOwnUnitsWhileShardsAddPositions() throws Exception {
        ReadModel readModel = new ReadModel(SHARDS);
        // published.get(w): the last sku whose position at warehouse w has been added
        AtomicLongArray published = new AtomicLongArray(WAREHOUSES);
        for (int w = 0; w < WAREHOUSES; w++) {
            published.set(w, -1);
        }
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<String> violation = new AtomicReference<>();
        AtomicLongArray checked = new AtomicLongArray(READERS);
        Thread[] readers = new Thread[READERS];
        for (int r = 0; r < READERS; r++) {
            int reader = r;
            readers[r] = Thread.ofPlatform().start(() -> {
                SplittableRandom random = new SplittableRandom(reader);
                while (writing.get()) {
                    int warehouse = random.nextInt(WAREHOUSES);
                    long frontier = published.get(warehouse);
                    long sku = frontier + 2 - random.nextInt(300);
                    if (sku >= 0 && sku < SKUS) {
                        check(sku, warehouse, readModel.available(sku, warehouse), sku <= frontier, violation);
                        checked.incrementAndGet(reader);
                    }
                }
            });
        }
        Thread[] writers = new Thread[SHARDS];
        for (int s = 0; s < SHARDS; s++) {
            ReadModel.Writer writer = readModel.writer(s);
            int shard = s;
            writers[s] = Thread.ofPlatform().start(() -> {
                long sequence = 0;
                for (int sku = 0; sku < SKUS; sku++) {
                    for (int warehouse = shard; warehouse < WAREHOUSES; warehouse += SHARDS) {
                        for (int step = 0; step < STEPS; step++) {
                            writer.apply(sequence++, List.of(received(sku, warehouse, step)));
                            if (step == 0) {
                                published.set(warehouse, sku);
                            }
                        }
                    }
                    if (sku % 5_000 == 0) {
                        OrderStatusTableTest.awaitACheckByEveryReader(checked);
                    }
                }
            });
        }
        for (Thread writer : writers) {
            writer.join();
        }
        writing.set(false);
        for (Thread reader : readers) {
            reader.join();
        }

        assertNull(violation.get());
        for (int sku = 0; sku < SKUS; sku++) {
            for (int warehouse = 0; warehouse < WAREHOUSES; warehouse++) {
                assertEquals(units(sku, warehouse, STEPS - 1), readModel.available(sku, warehouse));
            }
        }
        assertEquals(InventoryState.NO_POSITION, readModel.available(SKUS, 0));
        assertEquals(InventoryState.NO_POSITION, readModel.available(0, WAREHOUSES));
    }

    /** A recovered store may hold positions of warehouses that route elsewhere: the read model still finds them. */
    @Test
    void aPositionHeldByAShardOtherThanItsWarehousesIsFound() {
        ReadModel readModel = new ReadModel(3);
        readModel.writer(0).apply(0, List.of(received(5, 1, 0)));
        readModel.writer(2).apply(0, List.of(received(5, 4, 1)));
        assertEquals(units(5, 1, 0), readModel.available(5, 1));
        assertEquals(units(5, 4, 1), readModel.available(5, 4));
        assertEquals(InventoryState.NO_POSITION, readModel.available(5, 2));
    }

    /** Found, missing and found-elsewhere positions alike: under one byte per query on the reading thread. */
    @Test
    void aQueryAllocatesNothing() {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
                "this JVM counts the bytes a thread allocates");
        int skus = 20_000;
        ReadModel readModel = new ReadModel(SHARDS, 1, skus * WAREHOUSES / SHARDS);
        for (int s = 0; s < SHARDS; s++) {
            ReadModel.Writer writer = readModel.writer(s);
            for (int warehouse = s; warehouse < WAREHOUSES; warehouse += SHARDS) {
                for (int sku = 0; sku < skus; sku++) {
                    writer.apply(sku, List.of(received(sku, warehouse, 0)));
                }
            }
        }
        readModel.writer(0).apply(skus, List.of(received(skus, 1, 0)));
        int queries = 400_000;
        long sum = query(readModel, skus, queries);
        long before = THREADS.getCurrentThreadAllocatedBytes();
        sum += query(readModel, skus, queries);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertTrue(sum != 0);
        assertTrue(allocated < queries, allocated + " bytes allocated by " + queries + " queries");
    }

    /** {@code count} queries over positions held, missing, and held by another shard than their warehouse's. */
    private static long query(ReadModel readModel, int skus, int count) {
        long sum = 0;
        for (int i = 0; i < count; i++) {
            sum += readModel.available(i % (skus + 2), i % WAREHOUSES);
        }
        return sum;
    }

    private static Event received(long sku, int warehouse, int step) {
        return new Event.StockReceived(1, sku, warehouse, 1, units(sku, warehouse, step), 0);
    }

    /** The units of a position at a step: its sku, warehouse and step, so that a misplaced value shows. */
    private static long units(long sku, int warehouse, int step) {
        return (sku * WAREHOUSES + warehouse) * STEPS + step + 1;
    }

    private static void check(long sku, int warehouse, long available, boolean published,
                              AtomicReference<String> violation) {
        if (available == InventoryState.NO_POSITION) {
            if (published) {
                violation.compareAndSet(null, "sku " + sku + " at " + warehouse + " was added before the query, "
                        + "yet read as no position");
            }
        } else if ((available - 1) / STEPS != sku * WAREHOUSES + warehouse) {
            violation.compareAndSet(null, "sku " + sku + " at " + warehouse + " read " + available
                    + ", another position's units");
        }
    }
}
