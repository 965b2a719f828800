package dev.purestock.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

/** The segmented map holds exactly what a plain map would, through any number of splits and removals. */
class SegmentedLongMapTest {
    private static final long NO_ROW = -1;

    @Test
    void everyKeyKeepsItsFirstValueThroughManySplits() {
        qt().withExamples(200)
                .forAll(lists().of(longs().between(-50, 5_000)).ofSizeBetween(1, 3_000), longs().all(),
                        integers().between(SegmentedLongMap.MIN_SEGMENT_SHIFT, 8), integers().between(0, 2))
                .checkAssert((keys, salt, segmentShift, shape) -> {
                    SegmentedLongMap map = new SegmentedLongMap(NO_ROW, 1, segmentShift);
                    Map<Long, Long> reference = new HashMap<>();
                    for (int i = 0; i < keys.size(); i++) {
                        long key = key(keys.get(i) + 60, salt, shape);
                        Long expected = reference.putIfAbsent(key, (long) i);
                        assertEquals(expected == null ? NO_ROW : expected, map.putIfAbsent(key, i));
                    }
                    for (Map.Entry<Long, Long> entry : reference.entrySet()) {
                        assertEquals(entry.getValue(), map.get(entry.getKey()));
                    }
                    for (long absent = 0; absent < 10; absent++) {
                        assertEquals(NO_ROW, map.get(key(absent, salt, shape)));
                    }
                    assertEquals(reference.size(), map.size());
                });
    }

    @Test
    void addingReplacingAndRemovingInAnyOrderAgreesWithAPlainMap() {
        qt().withExamples(300)
                .forAll(lists().of(integers().between(-400, 400)).ofSizeBetween(1, 3_000), longs().all(),
                        integers().between(SegmentedLongMap.MIN_SEGMENT_SHIFT, 7), integers().between(0, 2))
                .checkAssert((operations, salt, segmentShift, shape) -> {
                    SegmentedLongMap map = new SegmentedLongMap(0, 1, segmentShift);
                    Map<Long, Long> reference = new HashMap<>();
                    for (int i = 0; i < operations.size(); i++) {
                        int operation = operations.get(i);
                        long key = key(Math.abs(operation), salt, shape);
                        Long had;
                        if (operation < 0) {
                            had = reference.remove(key);
                            assertEquals(had == null ? 0 : had, map.remove(key));
                        } else if (i % 3 == 0) {
                            had = reference.put(key, i + 1L);
                            assertEquals(had == null ? 0 : had, map.put(key, i + 1L));
                        } else {
                            had = reference.putIfAbsent(key, i + 1L);
                            assertEquals(had == null ? 0 : had, map.putIfAbsent(key, i + 1L));
                        }
                    }
                    for (int k = 0; k <= 400; k++) {
                        long key = key(k, salt, shape);
                        assertEquals(reference.getOrDefault(key, 0L), map.get(key), "key " + k);
                    }
                    assertEquals(reference.size(), map.size());
                    Map<Long, Long> visited = new HashMap<>();
                    map.forEach((key, value) -> assertEquals(null, visited.put(key, value), "visited twice"));
                    assertEquals(reference, visited);
                });
    }

    /**
     * Reads and writes of the key used last go straight to the slot the map remembers for it: after a removal shifted
     * it, a split moved it or its slot was emptied, every read and write still agrees with a plain map, checked after
     * each operation on the key just used, read twice as the decision thread does (a read, then a write).
     */
    @Test
    void readingAndWritingTheKeyUsedLastAgreesWithAPlainMapWhateverMovedItSince() {
        qt().withExamples(300)
                .forAll(lists().of(integers().between(-200, 200)).ofSizeBetween(1, 2_000), longs().all(),
                        integers().between(SegmentedLongMap.MIN_SEGMENT_SHIFT, 6), integers().between(0, 2))
                .checkAssert((operations, salt, segmentShift, shape) -> {
                    for (long missing : new long[] {0, NO_ROW}) {
                        SegmentedLongMap map = new SegmentedLongMap(missing, 1, segmentShift);
                        Map<Long, Long> reference = new HashMap<>();
                        for (int i = 0; i < operations.size(); i++) {
                            int operation = operations.get(i);
                            long key = key(Math.abs(operation), salt, shape);
                            long value = i + 1L;
                            String step = "step " + i + ", key " + Math.abs(operation);
                            assertEquals(reference.getOrDefault(key, missing), map.get(key), step + ", read first");
                            Long had;
                            if (operation < 0) {
                                had = reference.remove(key);
                                assertEquals(had == null ? missing : had, map.remove(key), step + ", removed");
                            } else if (i % 2 == 0) {
                                had = reference.put(key, value);
                                assertEquals(had == null ? missing : had, map.put(key, value), step + ", put");
                            } else {
                                had = reference.putIfAbsent(key, value);
                                assertEquals(had == null ? missing : had, map.putIfAbsent(key, value),
                                        step + ", put if absent");
                            }
                            assertEquals(reference.getOrDefault(key, missing), map.get(key), step + ", read again");
                            long neighbour = key(Math.abs(operation) + 1, salt, shape);
                            assertEquals(reference.getOrDefault(neighbour, missing), map.getAhead(neighbour),
                                    step + ", its neighbour read ahead");
                            assertEquals(reference.getOrDefault(key, missing), map.get(key), step + ", read after");
                            assertEquals(reference.getOrDefault(neighbour, missing), map.get(neighbour),
                                    step + ", its neighbour");
                        }
                        assertEquals(reference.size(), map.size());
                        for (Map.Entry<Long, Long> entry : reference.entrySet()) {
                            assertEquals(entry.getValue(), map.get(entry.getKey()));
                        }
                    }
                });
    }

    /**
     * A key read and found absent is inserted where the read stopped only while that is where the long way would put
     * it: a map that reads, every third operation, the key of the operation two on (with removals, replacements,
     * inserts, splits of its small segments, probes that wrap around a segment's end and segments at their split load
     * in between) ends with every key in the very slot of a map that never read, visited in the same order, and agrees
     * with a plain map throughout.
     */
    @Test
    void aKeyReadAbsentAndInsertedLaterLandsWhereAMapThatNeverReadPutsIt() {
        qt().withExamples(300)
                .forAll(lists().of(integers().between(-120, 120)).ofSizeBetween(1, 2_000), longs().all(),
                        integers().between(SegmentedLongMap.MIN_SEGMENT_SHIFT, 6), integers().between(0, 2))
                .checkAssert((operations, salt, segmentShift, shape) -> {
                    for (long missing : new long[] {0, NO_ROW}) {
                        SegmentedLongMap reading = new SegmentedLongMap(missing, 1, segmentShift, salt);
                        SegmentedLongMap plain = new SegmentedLongMap(missing, 1, segmentShift, salt);
                        Map<Long, Long> reference = new HashMap<>();
                        for (int i = 0; i < operations.size(); i++) {
                            int operation = operations.get(i);
                            long key = key(Math.abs(operation), salt, shape);
                            String step = "step " + i + ", key " + Math.abs(operation);
                            if (i % 3 == 0) {
                                // the key two operations on, read before them, as a decision reads what it writes
                                long read = key(Math.abs(operations.get(Math.min(i + 2, operations.size() - 1))), salt,
                                        shape);
                                assertEquals(reference.getOrDefault(read, missing), reading.get(read), step + ", read");
                            }
                            long value = i + 1L;
                            Long had;
                            if (operation < 0) {
                                had = reference.remove(key);
                                assertEquals(had == null ? missing : had, reading.remove(key), step + ", removed");
                                plain.remove(key);
                            } else if (i % 4 == 0) {
                                had = reference.put(key, value);
                                assertEquals(had == null ? missing : had, reading.put(key, value), step + ", put");
                                plain.put(key, value);
                            } else {
                                had = reference.putIfAbsent(key, value);
                                assertEquals(had == null ? missing : had, reading.putIfAbsent(key, value),
                                        step + ", put if absent");
                                plain.putIfAbsent(key, value);
                            }
                        }
                        List<Long> readingSlots = new ArrayList<>();
                        reading.forEach((key, value) -> {
                            readingSlots.add(key);
                            readingSlots.add(value);
                        });
                        List<Long> plainSlots = new ArrayList<>();
                        plain.forEach((key, value) -> {
                            plainSlots.add(key);
                            plainSlots.add(value);
                        });
                        assertEquals(plainSlots, readingSlots);
                        assertEquals(plain.segments(), reading.segments());
                        assertEquals(reference.size(), reading.size());
                        for (Map.Entry<Long, Long> entry : reference.entrySet()) {
                            assertEquals(entry.getValue(), reading.get(entry.getKey()));
                        }
                    }
                });
    }

    /**
     * Three keys of one home at the last slot of a segment, so that their probe wraps to its start: the third, read
     * absent where the probe stopped (the second slot), is inserted after the first is removed, whose backward shift
     * emptied a slot earlier in the probe; it lands there and is found.
     */
    @Test
    void aKeyReadAbsentBeforeARemovalEarlierInItsProbeIsInsertedInTheGapTheRemovalLeft() {
        SegmentedLongMap map = new SegmentedLongMap(NO_ROW, 1, 5, 0);
        long[] keys = new long[3];
        int found = 0;
        for (long candidate = 0; found < keys.length; candidate++) {
            if (SegmentedLongMap.home(SegmentedLongMap.hash(candidate, 0), candidate, 31) == 31) {
                keys[found++] = candidate;
            }
        }
        map.putIfAbsent(keys[0], 0);
        map.putIfAbsent(keys[1], 1);
        assertEquals(NO_ROW, map.get(keys[2]));
        assertEquals(0, map.remove(keys[0]));
        assertEquals(NO_ROW, map.putIfAbsent(keys[2], 2));
        assertEquals(1, map.get(keys[1]));
        assertEquals(2, map.get(keys[2]));
        List<Long> visited = new ArrayList<>();
        map.forEach((key, value) -> visited.add(value));
        assertEquals(List.of(2L, 1L), visited, "slot 0 holds the third key, slot 31 the second, shifted back");
    }

    /**
     * A removal's backward shift leaves every other key where it would be had the removed keys never been stored, the
     * table linear probing promises: keys of a few runs crowd one segment of 32 or 64 slots (four or eight run homes),
     * so runs displace each other, interleave and wrap around the segment's end, and the shift passes keys of several
     * runs, each run hashed once; after removing any of them in any order, every key lies in the slot (and is visited
     * in the order) of a map of the same seed given only the keys kept, in the order they were stored.
     */
    @Test
    void aRemovalLeavesEveryKeyWhereItWouldBeHadTheRemovedKeysNeverBeenStored() {
        qt().withExamples(500)
                .forAll(lists().of(integers().between(0, 47)).ofSizeBetween(1, 60), longs().all(),
                        integers().between(SegmentedLongMap.MIN_SEGMENT_SHIFT, 6), longs().all())
                .checkAssert((picks, seed, segmentShift, order) -> {
                    int room = (int) ((1 << segmentShift) * SegmentedLongMap.SPLIT_LOAD) - 1;
                    List<Long> stored = new ArrayList<>();
                    for (int pick : picks) {
                        // six runs of eight keys, far apart
                        long key = (pick / SegmentedLongMap.RUN_KEYS) * 1_000L * SegmentedLongMap.RUN_KEYS
                                + pick % SegmentedLongMap.RUN_KEYS;
                        if (!stored.contains(key) && stored.size() < room) {
                            stored.add(key);
                        }
                    }
                    SegmentedLongMap map = new SegmentedLongMap(NO_ROW, 1, segmentShift, seed);
                    for (long key : stored) {
                        assertEquals(NO_ROW, map.putIfAbsent(key, key));
                    }
                    List<Long> removing = new ArrayList<>(stored);
                    Collections.shuffle(removing, new Random(order));
                    List<Long> kept = new ArrayList<>(stored);
                    for (long key : removing.subList(0, removing.size() / 2 + 1)) {
                        assertEquals(key, map.remove(key));
                        kept.remove(key);
                        SegmentedLongMap never = new SegmentedLongMap(NO_ROW, 1, segmentShift, seed);
                        for (long k : kept) {
                            never.putIfAbsent(k, k);
                        }
                        assertEquals(slots(never), slots(map), "after removing " + key);
                        assertEquals(1, map.segments(), "one segment throughout");
                        for (long k : kept) {
                            assertEquals(k, map.get(k));
                        }
                        assertEquals(NO_ROW, map.get(key));
                    }
                });
    }

    /** The keys of {@code map} in the order of its slots. */
    private static List<Long> slots(SegmentedLongMap map) {
        List<Long> keys = new ArrayList<>();
        map.forEach((key, value) -> keys.add(key));
        return keys;
    }

    /**
     * The key of {@code k} in one of three shapes: scattered (shape 0), consecutive from a base as a counter
     * hands them out (1), or all at the same place of their runs, which collide on run homes (2).
     */
    private static long key(long k, long salt, int shape) {
        return switch (shape) {
            case 0 -> k * 0xC2B2AE3D27D4EB4FL ^ salt;
            case 1 -> (salt >>> 2) + k;
            default -> (salt >>> 8) * SegmentedLongMap.RUN_KEYS + k * SegmentedLongMap.RUN_KEYS;
        };
    }

    @Test
    void consecutiveKeysShareASegmentAndSitSideBySide() {
        int mask = (1 << SegmentedLongMap.DEFAULT_SEGMENT_SHIFT) - 1;
        SplittableRandom random = new SplittableRandom(5);
        for (int sample = 0; sample < 1_000; sample++) {
            long first = random.nextLong(Long.MAX_VALUE / 2) & -SegmentedLongMap.RUN_KEYS;
            long hash = SegmentedLongMap.hash(first, 42);
            int home = SegmentedLongMap.home(hash, first, mask);
            assertEquals(0, home % SegmentedLongMap.RUN_KEYS, "a run's home is aligned to its length");
            for (int place = 1; place < SegmentedLongMap.RUN_KEYS; place++) {
                long key = first + place;
                assertEquals(hash, SegmentedLongMap.hash(key, 42), "one hash, so one segment, for a run");
                assertEquals(home + place, SegmentedLongMap.home(SegmentedLongMap.hash(key, 42), key, mask));
            }
            assertTrue(SegmentedLongMap.hash(first + SegmentedLongMap.RUN_KEYS, 42) != hash, "the next run hashes apart");
        }
    }

    @Test
    void aCounterFillsAnUnsizedMapThroughSplitsAndFindsEveryKey() {
        SegmentedLongMap map = new SegmentedLongMap(NO_ROW, 1, SegmentedLongMap.MIN_SEGMENT_SHIFT);
        long base = 1L << 40;
        for (int row = 0; row < 200_000; row++) {
            assertEquals(NO_ROW, map.putIfAbsent(base + row, row));
        }
        for (int row = 0; row < 200_000; row++) {
            assertEquals(row, map.get(base + row));
        }
        assertEquals(NO_ROW, map.get(base - 1));
        assertEquals(NO_ROW, map.get(base + 200_000));
        assertTrue(map.segments() > 1_000, map.segments() + " segments");
    }

    @Test
    void collidingLowBitsStillFindEveryKey() {
        SegmentedLongMap map = new SegmentedLongMap(NO_ROW, 1, SegmentedLongMap.MIN_SEGMENT_SHIFT);
        for (int i = 0; i < 1_000; i++) {
            map.putIfAbsent((long) i << 40, i);
        }
        for (int i = 0; i < 1_000; i++) {
            assertEquals(i, map.get((long) i << 40));
        }
        assertEquals(NO_ROW, map.get(1_000L << 40));
    }

    @Test
    void theMissingValueIsNeverStoredAndAZeroValueIsOneLikeAnyOther() {
        SegmentedLongMap rows = new SegmentedLongMap(NO_ROW, 1, SegmentedLongMap.MIN_SEGMENT_SHIFT);
        assertThrows(IllegalArgumentException.class, () -> rows.put(7, NO_ROW));
        assertThrows(IllegalArgumentException.class, () -> rows.putIfAbsent(7, NO_ROW));
        assertEquals(0, rows.size());

        assertEquals(NO_ROW, rows.put(7, 0));
        assertEquals(0, rows.get(7));
        assertEquals(0, rows.put(7, 5));
        assertEquals(5, rows.remove(7));
        assertEquals(NO_ROW, rows.get(7));
        assertEquals(NO_ROW, rows.remove(7));

        SegmentedLongMap counts = new SegmentedLongMap(Long.MIN_VALUE, 1, SegmentedLongMap.MIN_SEGMENT_SHIFT);
        for (long key = 0; key < 100; key++) {
            counts.put(key, -key);
        }
        for (long key = 0; key < 100; key++) {
            assertEquals(-key, counts.get(key));
        }
        assertEquals(Long.MIN_VALUE, counts.get(100));
    }

    @Test
    void aMapSizedForItsEntriesNeverSplitsWhileItFills() {
        int expected = 1_000_000;
        SegmentedLongMap map = new SegmentedLongMap(0, expected);
        int segmentsBefore = map.segments();
        SplittableRandom random = new SplittableRandom(7);
        for (int row = 0; row < expected; row++) {
            map.put(random.nextLong(), row + 1);
        }

        assertEquals(expected, map.size());
        assertEquals(segmentsBefore, map.segments());
    }

    @Test
    void anUnsizedMapGrowsBySplittingSegmentsNotByRehashingEverything() {
        SegmentedLongMap map = new SegmentedLongMap(NO_ROW, 1, 5);
        int splitAt = (int) (32 * SegmentedLongMap.SPLIT_LOAD);
        for (int row = 0; row < splitAt; row++) {
            map.putIfAbsent(row * 0x9E3779B97F4A7C15L, row);
        }
        assertEquals(1, map.segments());

        map.putIfAbsent(splitAt * 0x9E3779B97F4A7C15L, splitAt);

        assertTrue(map.segments() >= 2, map.segments() + " segments");
        for (int row = 0; row <= splitAt; row++) {
            assertEquals(row, map.get(row * 0x9E3779B97F4A7C15L));
        }
    }

    /**
     * Keys computed to crowd one hash prefix (for a map whose seed is known, here 0) fill their segment past its
     * split load, and then are refused with an error, while the directory stays within its depth limit; the keys
     * stored before are still found. The same keys spread evenly in a map with another seed.
     */
    @Test
    void keysThatCrowdOneHashPrefixAreRefusedOnceTheirSegmentIsFullNotByDoublingUntilMemoryRunsOut() {
        long[] crowded = crowdedKeys(0, 40);
        SegmentedLongMap map = new SegmentedLongMap(NO_ROW, 1, SegmentedLongMap.MIN_SEGMENT_SHIFT, 0);
        int stored = 0;
        IllegalStateException refused = null;
        for (long key : crowded) {
            try {
                map.put(key, stored);
                stored++;
            } catch (IllegalStateException e) {
                refused = e;
                break;
            }
        }
        assertNotNull(refused, "a full segment refuses the next key");
        assertTrue(refused.getMessage().contains("crowd one hash prefix"), refused.getMessage());
        assertEquals(31, stored, "the segment took keys up to one short of its 32 slots");
        assertTrue(map.segments() <= 1 << SegmentedLongMap.SKEW_DEPTH, map.segments() + " segments");
        for (int i = 0; i < stored; i++) {
            assertEquals(i, map.get(crowded[i]));
        }

        SegmentedLongMap seeded = new SegmentedLongMap(NO_ROW, 1, SegmentedLongMap.MIN_SEGMENT_SHIFT, 12_345);
        for (int i = 0; i < crowded.length; i++) {
            seeded.put(crowded[i], i);
        }
        assertEquals(crowded.length, seeded.size());
    }

    /**
     * {@code runs} runs of keys whose hashes under {@code seed} share their top 48 bits: the MurmurHash3 finaliser is
     * inverted on chosen hashes.
     */
    static long[] crowdedKeys(long seed, int runs) {
        long[] keys = new long[runs * SegmentedLongMap.RUN_KEYS];
        int found = 0;
        for (long low = 0; found < runs; low++) {
            long hash = 0x1234_5678_9ABCL << 16 | low;
            long run = unmix(hash) ^ seed;
            if (run >>> (64 - SegmentedLongMap.RUN_SHIFT) != 0) {
                continue; // a run is a key shifted right by RUN_SHIFT bits: its top bits must be clear
            }
            assertEquals(hash, SegmentedLongMap.hash(run << SegmentedLongMap.RUN_SHIFT, seed), "the finaliser inverted");
            for (int place = 0; place < SegmentedLongMap.RUN_KEYS; place++) {
                keys[found * SegmentedLongMap.RUN_KEYS + place] = run << SegmentedLongMap.RUN_SHIFT | place;
            }
            found++;
        }
        return keys;
    }

    /** The inverse of {@link SegmentedLongMap#mix}. */
    private static long unmix(long hash) {
        long h = hash;
        h ^= h >>> 33;
        h *= 0x9cb4b2f8129337dbL;
        h ^= h >>> 33;
        h *= 0x4f74430c22a54005L;
        h ^= h >>> 33;
        return h;
    }

    @Test
    void aSegmentBelowTheSmallestSizeIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new SegmentedLongMap(0, 1, SegmentedLongMap.MIN_SEGMENT_SHIFT - 1));
    }

    @Test
    void removingFromRunsThatWrapAroundTheEndOfASegmentKeepsEveryOtherKeyFindable() {
        SegmentedLongMap map = new SegmentedLongMap(NO_ROW, 1, 5, 0);
        long[] keys = new long[10];
        int found = 0;
        for (long candidate = 0; found < keys.length; candidate++) {
            if (SegmentedLongMap.home(SegmentedLongMap.hash(candidate, 0), candidate, 31) >= 29) {
                keys[found] = candidate;
                map.putIfAbsent(candidate, found++);
            }
        }
        for (int removed = 0; removed < keys.length; removed++) {
            assertEquals(removed, map.remove(keys[removed]));
            for (int other = removed + 1; other < keys.length; other++) {
                assertEquals(other, map.get(keys[other]), "key " + other + " after removing " + removed);
            }
        }
        assertEquals(0, map.size());
        map.forEach((key, value) -> assertFalse(true, "an empty map visits nothing"));
    }

    @Test
    void millionsOfEntriesAddedAndRemovedAtTheSameRateNeverGrowASizedMap() {
        int live = 50_000;
        SegmentedLongMap map = new SegmentedLongMap(NO_ROW, live);
        int segments = map.segments();
        SplittableRandom random = new SplittableRandom(11);
        ArrayDeque<Long> window = new ArrayDeque<>();
        for (int row = 0; row < 3_000_000; row++) {
            long key = random.nextLong();
            assertEquals(NO_ROW, map.putIfAbsent(key, row & 0xFFFFF));
            window.addLast(key);
            if (window.size() > live) {
                long oldest = window.removeFirst();
                assertTrue(map.remove(oldest) >= 0, "a stored key is removed");
            }
        }
        assertEquals(segments, map.segments(), "no segment was split");
        assertEquals(live, map.size());
        for (long key : window) {
            assertTrue(map.get(key) >= 0);
        }
    }
}
