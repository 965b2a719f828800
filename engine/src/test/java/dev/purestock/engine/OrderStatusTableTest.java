package dev.purestock.engine;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readers query while the single writer inserts, updates and removes through hundreds of segment splits and
 * compactions: a reader only ever sees a code the order really had, never another order's, never one older
 * than a code it saw before, and never "absent" for an order stored for the whole of its query.
 */
class OrderStatusTableTest {
    private static final int ORDERS = 200_000;
    private static final int READERS = 3;
    private static final int FAMILIES = 40;
    private static final int STEPS = 3;
    private static final int UPDATE_LAG = 97;

    @Test
    void concurrentReadersSeeOnlyCodesAnOrderHadAndNeverGoBack() throws Exception {
        OrderStatusTable table = new OrderStatusTable(1, SegmentedLongMap.MIN_SEGMENT_SHIFT);
        AtomicLong written = new AtomicLong();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<String> violation = new AtomicReference<>();
        CountDownLatch readersStarted = new CountDownLatch(READERS);
        long[] readsWhileWriting = new long[READERS];
        Thread[] readers = new Thread[READERS];
        for (int r = 0; r < READERS; r++) {
            int reader = r;
            readers[r] = Thread.ofPlatform().start(() -> {
                int[] seenStep = new int[ORDERS];
                SplittableRandom random = new SplittableRandom(reader);
                readersStarted.countDown();
                while (writing.get()) {
                    long frontier = written.get();
                    int order = (int) Math.max(0, frontier - random.nextInt(3 * UPDATE_LAG));
                    if (order >= ORDERS) {
                        continue;
                    }
                    check(order, table.status(id(order)), seenStep, violation);
                    readsWhileWriting[reader]++;
                }
                for (int order = 0; order < ORDERS; order++) {
                    check(order, table.status(id(order)), seenStep, violation);
                }
            });
        }

        readersStarted.await();
        for (int i = 0; i < ORDERS + STEPS * UPDATE_LAG; i++) {
            for (int step = 0; step < STEPS; step++) {
                int order = i - step * UPDATE_LAG;
                if (order >= 0 && order < ORDERS) {
                    table.put(id(order), code(order, step));
                }
            }
            written.lazySet(i);
        }
        writing.set(false);
        for (Thread reader : readers) {
            reader.join();
        }

        assertNull(violation.get());
        for (int order = 0; order < ORDERS; order++) {
            assertEquals(code(order, STEPS - 1), table.status(id(order)), "order " + order);
        }
        assertEquals(OrderStatusTable.ABSENT, table.status(id(ORDERS)));
        for (long reads : readsWhileWriting) {
            assertTrue(reads > 0, "every reader queried while the writer wrote");
        }
    }

    /**
     * The writer stores orders in sequence, updates each twice, and removes each a fixed lag after storing
     * it, so slots are tombstoned, reused and compacted all along. Before removing an order it announces that
     * the order may be gone; a reader that asked for an order stored before its query began and not announced
     * as removing until after the query must find it, with one of its own codes.
     */
    @Test
    void concurrentReadersNeverMissAStoredOrderWhileOthersAreRemovedAroundIt() throws Exception {
        int orders = 400_000;
        int removeLag = 1_500;
        OrderStatusTable table = new OrderStatusTable(1, 6);
        AtomicLong stored = new AtomicLong();
        AtomicLong removing = new AtomicLong();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<String> violation = new AtomicReference<>();
        CountDownLatch readersStarted = new CountDownLatch(READERS);
        AtomicLongArray checked = new AtomicLongArray(READERS);
        Thread[] readers = new Thread[READERS];
        for (int r = 0; r < READERS; r++) {
            int reader = r;
            readers[r] = Thread.ofPlatform().start(() -> {
                int[] seenStep = new int[orders];
                SplittableRandom random = new SplittableRandom(reader + 100);
                readersStarted.countDown();
                while (writing.get()) {
                    long storedBefore = stored.get();
                    int order = (int) Math.max(0, storedBefore - 1 - random.nextInt(removeLag + 200));
                    if (order >= storedBefore) {
                        continue;
                    }
                    byte code = table.status(id(order));
                    if (order >= removing.get()) {
                        if (code == OrderStatusTable.ABSENT) {
                            violation.compareAndSet(null, "order " + order + " was stored throughout but read absent");
                        } else {
                            check(order, code, seenStep, violation);
                        }
                        checked.incrementAndGet(reader);
                    }
                }
            });
        }

        readersStarted.await();
        for (int i = 0; i < orders; i++) {
            table.put(id(i), code(i, 0));
            stored.set(i + 1);
            if (i >= 200) {
                table.put(id(i - 200), code(i - 200, 1));
            }
            if (i >= 700) {
                table.put(id(i - 700), code(i - 700, 2));
            }
            if (i >= removeLag) {
                removing.set(i - removeLag + 1);
                assertTrue(table.remove(id(i - removeLag)));
            }
            if (i % 50_000 == 49_999) {
                awaitACheckByEveryReader(checked);
            }
        }
        writing.set(false);
        for (Thread reader : readers) {
            reader.join();
        }

        assertNull(violation.get());
        for (int order = 0; order < orders - removeLag; order++) {
            assertEquals(OrderStatusTable.ABSENT, table.status(id(order)), "removed order " + order);
        }
        for (int order = orders - removeLag; order < orders; order++) {
            assertTrue(table.status(id(order)) != OrderStatusTable.ABSENT, "stored order " + order);
        }
    }

    /**
     * Holds the writer until every reader has checked one more stored order, so the readers' checks overlap the
     * writes however the machine schedules the threads (a loaded machine may otherwise run the writer to its end
     * before a reader runs at all, and the test would check nothing).
     */
    static void awaitACheckByEveryReader(AtomicLongArray checked) {
        long[] before = new long[checked.length()];
        for (int r = 0; r < before.length; r++) {
            before[r] = checked.get(r);
        }
        for (int r = 0; r < before.length; r++) {
            while (checked.get(r) == before[r]) {
                Thread.yield();
            }
        }
    }

    @Test
    void churningAgreesWithAPlainMapAndKeepsTheSegmentsItsLiveOrdersNeed() {
        OrderStatusTable table = new OrderStatusTable(1, 5);
        Map<Long, Byte> reference = new HashMap<>();
        SplittableRandom random = new SplittableRandom(3);
        int segmentsAtFullLoad = -1;
        for (int step = 0; step < 2_000_000; step++) {
            long id = random.nextInt(4_000) * 0x9E3779B97F4A7C15L;
            if (random.nextInt(2) == 0) {
                byte code = (byte) (1 + random.nextInt(6));
                table.put(id, code);
                reference.put(id, code);
            } else {
                assertEquals(reference.remove(id) != null, table.remove(id));
            }
            if (step == 200_000) {
                segmentsAtFullLoad = table.segments();
            }
        }
        for (int key = 0; key < 4_000; key++) {
            long id = key * 0x9E3779B97F4A7C15L;
            assertEquals((byte) reference.getOrDefault(id, OrderStatusTable.ABSENT), table.status(id), "id " + key);
        }
        assertFalse(table.remove(4_001 * 0x9E3779B97F4A7C15L));
        assertTrue(table.segments() <= 2 * segmentsAtFullLoad,
                table.segments() + " segments, " + segmentsAtFullLoad + " once about 2,000 orders were stored");
    }

    /** Ids computed to crowd one hash prefix are refused once their segment is full, not by doubling forever. */
    @Test
    void idsThatCrowdOneHashPrefixAreRefusedOnceTheirSegmentIsFull() {
        long[] crowded = SegmentedLongMapTest.crowdedKeys(0, 40);
        OrderStatusTable table = new OrderStatusTable(1, SegmentedLongMap.MIN_SEGMENT_SHIFT, 0);
        int stored = 0;
        IllegalStateException refused = null;
        for (long id : crowded) {
            try {
                table.put(id, (byte) 1);
                stored++;
            } catch (IllegalStateException e) {
                refused = e;
                break;
            }
        }
        assertTrue(refused != null && refused.getMessage().contains("crowd one hash prefix"), String.valueOf(refused));
        assertEquals(31, stored);
        assertTrue(table.segments() <= 1 << SegmentedLongMap.SKEW_DEPTH, table.segments() + " segments");
        for (int i = 0; i < stored; i++) {
            assertEquals(1, table.status(crowded[i]));
        }
        OrderStatusTable seeded = new OrderStatusTable(1, SegmentedLongMap.MIN_SEGMENT_SHIFT, 12_345);
        for (long id : crowded) {
            seeded.put(id, (byte) 2);
        }
        for (long id : crowded) {
            assertEquals(2, seeded.status(id));
        }
    }

    @Test
    void codesOutsideOneToOneHundredTwentySevenAreRefused() {
        OrderStatusTable table = new OrderStatusTable();
        assertThrows(IllegalArgumentException.class, () -> table.put(1, (byte) 0));
        assertThrows(IllegalArgumentException.class, () -> table.put(1, (byte) -3));
        assertEquals(OrderStatusTable.ABSENT, table.status(1));
    }

    /**
     * A valued table, as the read model keeps its stock positions in: the writer adds keys in sequence through
     * hundreds of splits of 32-slot segments and updates each twice a fixed lag later, while readers query keys
     * around the frontier. Each value holds its key's step twice, in its high and its low half, so a torn value
     * (halves of two writes), another key's value, a step older than one seen before, or "absent" for a key
     * published before the query began all show.
     */
    @Test
    void valuedTableReadersNeverSeeATornMisplacedOrOlderValueNorMissAPublishedKey() throws Exception {
        OrderStatusTable table = OrderStatusTable.valued(1, SegmentedLongMap.MIN_SEGMENT_SHIFT);
        AtomicLong published = new AtomicLong(-1);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<String> violation = new AtomicReference<>();
        AtomicLongArray checked = new AtomicLongArray(READERS);
        Thread[] readers = new Thread[READERS];
        for (int r = 0; r < READERS; r++) {
            int reader = r;
            readers[r] = Thread.ofPlatform().start(() -> {
                int[] seenStep = new int[ORDERS];
                SplittableRandom random = new SplittableRandom(reader);
                while (writing.get()) {
                    long frontier = published.get();
                    int key = (int) (frontier + 3 - random.nextInt(3 * UPDATE_LAG));
                    if (key < 0 || key >= ORDERS) {
                        continue;
                    }
                    checkValue(key, table.value(key * 0x9E3779B97F4A7C15L, Long.MIN_VALUE), key <= frontier,
                            seenStep, violation);
                    checked.incrementAndGet(reader);
                }
                for (int key = 0; key < ORDERS; key++) {
                    checkValue(key, table.value(key * 0x9E3779B97F4A7C15L, Long.MIN_VALUE), true, seenStep, violation);
                }
            });
        }

        for (int i = 0; i < ORDERS + STEPS * UPDATE_LAG; i++) {
            for (int step = 0; step < STEPS; step++) {
                int key = i - step * UPDATE_LAG;
                if (key >= 0 && key < ORDERS) {
                    table.putValue(key * 0x9E3779B97F4A7C15L, valueOf(key, step));
                }
            }
            if (i < ORDERS) {
                published.lazySet(i);
            }
            if (i % 20_000 == 0) {
                awaitACheckByEveryReader(checked);
            }
        }
        writing.set(false);
        for (Thread reader : readers) {
            reader.join();
        }

        assertNull(violation.get());
        assertTrue(table.segments() > 100, table.segments() + " segments: the readers ran through splits");
        for (int key = 0; key < ORDERS; key++) {
            assertEquals(valueOf(key, STEPS - 1), table.value(key * 0x9E3779B97F4A7C15L, Long.MIN_VALUE), "key " + key);
        }
        assertEquals(Long.MIN_VALUE, table.value(ORDERS * 0x9E3779B97F4A7C15L, Long.MIN_VALUE));
    }

    /** A value of key {@code key} at {@code step}: the same 32 bits in both halves. */
    private static long valueOf(int key, int step) {
        long half = (long) key * STEPS + step + 1;
        return half << 32 | half;
    }

    private static void checkValue(int key, long value, boolean published, int[] seenStep,
                                   AtomicReference<String> violation) {
        if (value == Long.MIN_VALUE) {
            if (published) {
                violation.compareAndSet(null, "key " + key + " was published before the query, yet read as absent");
            }
            return;
        }
        long high = value >>> 32;
        long low = value & 0xFFFF_FFFFL;
        if (high != low) {
            violation.compareAndSet(null, "key " + key + " read a torn value " + Long.toHexString(value));
            return;
        }
        if ((low - 1) / STEPS != key) {
            violation.compareAndSet(null, "key " + key + " read " + Long.toHexString(value) + ", another key's value");
            return;
        }
        int step = (int) ((low - 1) % STEPS) + 1;
        if (step < seenStep[key]) {
            violation.compareAndSet(null, "key " + key + " went back from step " + seenStep[key] + " to " + step);
        }
        seenStep[key] = Math.max(seenStep[key], step);
    }

    /**
     * A valued table sized ahead for {@code n} keys holds them in the segments it was made with; one key past what
     * a segment takes before its split load splits it, and every value stays where a reader finds it, at each
     * boundary: empty, the first key, the last key before the split, the key that splits.
     */
    @Test
    void aValuedTableSizedAheadSplitsOnlyPastItsSizeAndKeepsEveryValueAcrossTheSplit() {
        int slots = 1 << SegmentedLongMap.MIN_SEGMENT_SHIFT;
        int splitAt = (int) (slots * SegmentedLongMap.SPLIT_LOAD);
        OrderStatusTable table = OrderStatusTable.valued(1, SegmentedLongMap.MIN_SEGMENT_SHIFT, 7);
        assertEquals(1, table.segments());
        assertEquals(-1, table.value(0, -1), "an empty table holds no key, not even 0");
        table.putValue(0, Long.MAX_VALUE);
        assertEquals(Long.MAX_VALUE, table.value(0, -1));
        for (int key = 1; key < splitAt; key++) {
            table.putValue(key, Long.MIN_VALUE + key);
        }
        assertEquals(1, table.segments(), "a segment takes " + splitAt + " keys before it splits");
        table.putValue(splitAt, 0);
        assertTrue(table.segments() >= 2, "the key past the split load splits the segment");
        assertEquals(Long.MAX_VALUE, table.value(0, -1));
        for (int key = 1; key < splitAt; key++) {
            assertEquals(Long.MIN_VALUE + key, table.value(key, -1), "key " + key);
        }
        assertEquals(0, table.value(splitAt, -1));
        table.putValue(splitAt, -1);
        assertEquals(-1, table.value(splitAt, 5), "a stored value equal to another caller's absent marker is kept");

        int keys = 50_000;
        int shift = ReadModel.POSITION_SEGMENT_SHIFT;
        OrderStatusTable sized = OrderStatusTable.valued(keys, shift, 7);
        int segments = sized.segments();
        for (int key = 0; key < keys; key++) {
            sized.putValue(key * 0x9E3779B97F4A7C15L, key);
        }
        assertEquals(segments, sized.segments(), "a table sized ahead for its keys does not split");
        assertEquals((segments + 1) * (1L << shift) * (8 + 8 + 1), OrderStatusTable.presizedValuedBytes(keys, shift),
                "the segments and the scratch room of one");
    }

    @Test
    void aValuedTableRefusesStatusCodesAndRemovalAndATableOfCodesRefusesValues() {
        OrderStatusTable valued = OrderStatusTable.valued(1, SegmentedLongMap.MIN_SEGMENT_SHIFT);
        valued.putValue(4, 40);
        assertThrows(IllegalStateException.class, () -> valued.put(4, (byte) 1));
        assertThrows(IllegalStateException.class, () -> valued.remove(4));
        assertEquals(40, valued.value(4, -1));
        OrderStatusTable codes = new OrderStatusTable();
        assertThrows(IllegalStateException.class, () -> codes.putValue(4, 40));
        assertEquals(OrderStatusTable.ABSENT, codes.status(4));
    }

    /** After a reader has seen {@code step} of an order, it may see that step or a later one, never less. */
    private static void check(int order, byte code, int[] seenStep, AtomicReference<String> violation) {
        int step;
        if (code == OrderStatusTable.ABSENT) {
            step = 0;
        } else if ((code - 1) / STEPS != order % FAMILIES) {
            violation.compareAndSet(null, "order " + order + " read code " + code + ", another order's");
            return;
        } else {
            step = (code - 1) % STEPS + 1;
        }
        if (step < seenStep[order]) {
            violation.compareAndSet(null, "order " + order + " went back from step " + seenStep[order] + " to " + step);
        }
        seenStep[order] = Math.max(seenStep[order], step);
    }

    /** Ids spread over the whole long range, negative ones included. */
    private static long id(int order) {
        return order * 0x9E3779B97F4A7C15L;
    }

    private static byte code(int order, int step) {
        return (byte) (1 + (order % FAMILIES) * STEPS + step);
    }
}
