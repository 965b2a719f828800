package dev.purestock.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An {@link OrderStatusTable#ofObjects object table}, as the read model keeps each shard's held commands in: one
 * writer adds, replaces and removes keys through splits, compactions and reused tombstones while readers look keys
 * up and visit every object. A reader never sees another key's object, never one older than one it saw, never
 * "none" for a key stored throughout its query; a visit of every object sees each key stored throughout it once.
 */
class OrderStatusTableObjectsTest {
    private static final int READERS = 3;

    /** What the tests store: the key it is stored under and which of the key's writes it is. */
    private record Entry(long key, int step) {
    }

    /**
     * The writer stores keys in sequence, replaces each object once a fixed lag later and removes each key a longer
     * lag after storing it, so tombstones are left, taken by other keys and compacted away in segments of 64 slots
     * all along, and segments split as the stored keys spread. Before removing a key it announces that the key may
     * be gone; a key stored before a query began and not announced until after it must be found.
     */
    @Test
    void readersNeverSeeAnotherKeysObjectNorAnOlderOneNorMissAStoredKey() throws Exception {
        int keys = 300_000;
        int replaceLag = 300;
        int removeLag = 1_500;
        OrderStatusTable table = OrderStatusTable.ofObjects(1, 6);
        AtomicLong stored = new AtomicLong();
        AtomicLong removing = new AtomicLong();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<String> violation = new AtomicReference<>();
        AtomicLongArray checked = new AtomicLongArray(READERS);
        Thread[] readers = new Thread[READERS];
        for (int r = 0; r < READERS; r++) {
            int reader = r;
            readers[r] = Thread.ofPlatform().start(() -> {
                int[] seenStep = new int[keys];
                SplittableRandom random = new SplittableRandom(reader);
                while (writing.get()) {
                    long storedBefore = stored.get();
                    int key = (int) (storedBefore - 1 - random.nextInt(removeLag + 200));
                    if (key < 0) {
                        continue;
                    }
                    Object found = table.object(id(key));
                    boolean throughout = key >= removing.get();
                    if (found == null) {
                        if (throughout) {
                            violation.compareAndSet(null, "key " + key + " was stored throughout but read as none");
                        }
                    } else if (((Entry) found).key() != id(key)) {
                        violation.compareAndSet(null, "key " + key + " read " + found + ", another key's object");
                    } else {
                        int step = ((Entry) found).step();
                        if (step < seenStep[key]) {
                            violation.compareAndSet(null, "key " + key + " went back from " + seenStep[key] + " to "
                                    + step);
                        }
                        seenStep[key] = step;
                    }
                    if (throughout) {
                        checked.incrementAndGet(reader);
                    }
                }
            });
        }
        Thread visitor = Thread.ofPlatform().start(() -> {
            while (writing.get()) {
                long storedBefore = stored.get();
                Set<Long> seen = new HashSet<>();
                table.forEachObject(object -> {
                    if (!seen.add(((Entry) object).key())) {
                        violation.compareAndSet(null, "a visit saw " + object + " twice");
                    }
                });
                for (long key = removing.get(); key < storedBefore; key++) {
                    if (!seen.contains(id((int) key))) {
                        violation.compareAndSet(null, "a visit missed key " + key + ", stored throughout it");
                    }
                }
            }
        });

        for (int i = 0; i < keys; i++) {
            table.putObject(id(i), new Entry(id(i), 1));
            stored.set(i + 1);
            if (i >= replaceLag) {
                table.putObject(id(i - replaceLag), new Entry(id(i - replaceLag), 2));
            }
            if (i >= removeLag) {
                removing.set(i - removeLag + 1);
                assertTrue(table.remove(id(i - removeLag)));
            }
            if (i % 30_000 == 29_999) {
                OrderStatusTableTest.awaitACheckByEveryReader(checked);
            }
        }
        writing.set(false);
        for (Thread reader : readers) {
            reader.join();
        }
        visitor.join();

        assertNull(violation.get());
        for (int key = 0; key < keys - removeLag; key++) {
            assertNull(table.object(id(key)), "removed key " + key);
        }
        for (int key = keys - removeLag; key < keys; key++) {
            assertEquals(new Entry(id(key), key < keys - replaceLag ? 2 : 1), table.object(id(key)), "key " + key);
        }
    }

    /**
     * A visit that a split overlaps neither misses the keys the split moves nor sees them twice. The writer only adds
     * keys, to small tables of 32-slot segments that split every few keys and double their directory often, while a
     * visitor visits every object again and again; each visit must see every key stored before it began, once. A
     * split counted only as it began let a visit that read the count just after that pass unchecked: reading the old
     * directory it missed the keys the split moved to the new segment, and reading the old segment before the split
     * and the new one after it, it saw them twice. Many small tables, so that many visits overlap a split.
     */
    @Test
    void aVisitThatASplitOverlapsSeesEveryKeyStoredBeforeItOnce() throws Exception {
        int tables = 1_000;
        int keys = 300;
        AtomicReference<String> violation = new AtomicReference<>();
        for (int round = 0; round < tables && violation.get() == null; round++) {
            OrderStatusTable table = OrderStatusTable.ofObjects(1, SegmentedLongMap.MIN_SEGMENT_SHIFT);
            AtomicInteger stored = new AtomicInteger();
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread visitor = Thread.ofPlatform().start(() -> {
                int[] seenIn = new int[keys];
                int visit = 0;
                while (writing.get()) {
                    int storedBefore = stored.get();
                    int current = ++visit;
                    table.forEachObject(object -> {
                        int key = (Integer) object;
                        if (seenIn[key] == current) {
                            violation.compareAndSet(null, "a visit saw key " + key + " twice");
                        }
                        seenIn[key] = current;
                    });
                    for (int key = 0; key < storedBefore; key++) {
                        if (seenIn[key] != current) {
                            violation.compareAndSet(null, "a visit missed key " + key + ", stored before it began");
                        }
                    }
                }
            });
            for (int key = 0; key < keys; key++) {
                table.putObject(id(key), key);
                stored.set(key + 1);
                // a pause between keys, so that a visit takes place while the table grows, not only after
                for (int pause = 0; pause < 100; pause++) {
                    Thread.onSpinWait();
                }
            }
            writing.set(false);
            visitor.join();
        }
        assertNull(violation.get());
    }

    /**
     * At each boundary of a segment's life: empty, the first key, the last key before its split load, the key that
     * splits it, and a compaction that takes its tombstones away; every object stays where a reader finds it, and a
     * removed key's object is gone.
     */
    @Test
    void objectsStayFoundAcrossASplitAndACompactionAndRemovedOnesGo() {
        int slots = 1 << SegmentedLongMap.MIN_SEGMENT_SHIFT;
        int splitAt = (int) (slots * SegmentedLongMap.SPLIT_LOAD);
        OrderStatusTable table = OrderStatusTable.ofObjects(1, SegmentedLongMap.MIN_SEGMENT_SHIFT, 7);
        assertNull(table.object(0), "an empty table holds no key, not even 0");
        assertEquals(OrderStatusTable.ABSENT, table.status(0));
        assertEquals(List.of(), visitAll(table));
        Map<Long, Entry> reference = new HashMap<>();
        for (int key = 0; key < splitAt; key++) {
            put(table, reference, key, 1);
        }
        assertEquals(1, table.segments(), "a segment takes " + splitAt + " keys before it splits");
        assertEquals(OrderStatusTable.PRESENT, table.status(0), "an object table's keys carry the code PRESENT");
        put(table, reference, splitAt, 1);
        assertTrue(table.segments() >= 2, "the key past the split load splits the segment");
        assertAgrees(table, reference, 2 * splitAt);

        // removing and adding keys at the same rate fills the segments with tombstones, which compactions take away
        SplittableRandom random = new SplittableRandom(5);
        for (int step = 0; step < 20_000; step++) {
            long key = random.nextInt(2 * splitAt);
            if (reference.containsKey(key)) {
                assertTrue(table.remove(key));
                reference.remove(key);
            } else {
                put(table, reference, key, step);
            }
        }
        assertAgrees(table, reference, 2 * splitAt);
        long stored = reference.keySet().iterator().next();
        Entry replacement = new Entry(stored, -1);
        table.putObject(stored, replacement);
        assertSame(replacement, table.object(stored), "a key's object is replaced in place");
        assertTrue(table.remove(stored));
        assertFalse(table.remove(stored), "a removed key is removed once");
        assertNull(table.object(stored));
    }

    @Test
    void anObjectTableTakesObjectsOnlyAndOtherTablesRefuseThem() {
        OrderStatusTable objects = OrderStatusTable.ofObjects(1, SegmentedLongMap.MIN_SEGMENT_SHIFT);
        assertThrows(IllegalStateException.class, () -> objects.put(4, (byte) 1));
        assertThrows(IllegalStateException.class, () -> objects.putValue(4, 40));
        assertThrows(NullPointerException.class, () -> objects.putObject(4, null));
        assertNull(objects.object(4));
        OrderStatusTable codes = new OrderStatusTable();
        assertThrows(IllegalStateException.class, () -> codes.putObject(4, "four"));
        assertThrows(IllegalStateException.class, () -> codes.object(4));
        assertThrows(IllegalStateException.class, () -> codes.forEachObject(object -> { }));
        OrderStatusTable valued = OrderStatusTable.valued(1, SegmentedLongMap.MIN_SEGMENT_SHIFT);
        assertThrows(IllegalStateException.class, () -> valued.putObject(4, "four"));
        assertEquals(OrderStatusTable.ABSENT, codes.status(4));
        assertEquals(-1, valued.value(4, -1));
    }

    private static void put(OrderStatusTable table, Map<Long, Entry> reference, long key, int step) {
        Entry entry = new Entry(key, step);
        table.putObject(key, entry);
        reference.put(key, entry);
    }

    private static void assertAgrees(OrderStatusTable table, Map<Long, Entry> reference, int keys) {
        for (long key = 0; key < keys; key++) {
            assertSame(reference.get(key), table.object(key), "key " + key);
        }
        List<Object> visited = visitAll(table);
        assertEquals(reference.size(), visited.size(), "a visit sees each stored key once");
        assertEquals(new HashSet<>(reference.values()), new HashSet<>(visited));
    }

    private static List<Object> visitAll(OrderStatusTable table) {
        List<Object> visited = new ArrayList<>();
        table.forEachObject(visited::add);
        return visited;
    }

    /** Keys spread over the whole long range, negative ones included. */
    private static long id(int key) {
        return key * 0x9E3779B97F4A7C15L;
    }
}
