package dev.purestock.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

/** The segmented order index maps exactly what a plain map would, through any number of splits and removals. */
class OrderIndexTest {

    @Test
    void everyIdKeepsItsFirstRowThroughManySplits() {
        qt().withExamples(200)
                .forAll(lists().of(longs().between(-50, 5_000)).ofSizeBetween(1, 3_000), longs().all(),
                        integers().between(2, 6))
                .checkAssert((ids, salt, segmentShift) -> {
                    OrderIndex index = new OrderIndex(1, segmentShift);
                    Map<Long, Integer> reference = new HashMap<>();
                    for (int i = 0; i < ids.size(); i++) {
                        long id = ids.get(i) * 0xC2B2AE3D27D4EB4FL ^ salt;
                        Integer expected = reference.putIfAbsent(id, i);
                        assertEquals(expected == null ? OrderIndex.NO_ROW : expected, index.putIfAbsent(id, i));
                    }
                    for (Map.Entry<Long, Integer> entry : reference.entrySet()) {
                        assertEquals(entry.getValue(), index.get(entry.getKey()));
                    }
                    for (long absent = -60; absent < -50; absent++) {
                        long id = absent * 0xC2B2AE3D27D4EB4FL ^ salt;
                        assertEquals(OrderIndex.NO_ROW, index.get(id));
                    }
                    assertEquals(reference.size(), index.size());
                });
    }

    @Test
    void collidingLowBitsStillFindEveryId() {
        OrderIndex index = new OrderIndex(1, 2);
        for (int i = 0; i < 1_000; i++) {
            index.putIfAbsent((long) i << 40, i);
        }
        for (int i = 0; i < 1_000; i++) {
            assertEquals(i, index.get((long) i << 40));
        }
        assertEquals(OrderIndex.NO_ROW, index.get(1_000L << 40));
    }

    @Test
    void anIndexSizedForItsOrdersNeverSplitsWhileItFills() {
        int expected = 1_000_000;
        OrderIndex index = new OrderIndex(expected, OrderIndex.DEFAULT_SEGMENT_SHIFT);
        int segmentsBefore = index.segments();
        SplittableRandom random = new SplittableRandom(7);
        for (int row = 0; row < expected; row++) {
            index.putIfAbsent(random.nextLong(), row);
        }

        assertEquals(expected, index.size());
        assertEquals(segmentsBefore, index.segments());
    }

    @Test
    void anUnsizedIndexGrowsBySplittingSegmentsNotByRehashingEverything() {
        OrderIndex index = new OrderIndex(1, 4);
        int splitAt = (int) (16 * OrderIndex.SPLIT_LOAD);
        for (int row = 0; row < splitAt; row++) {
            index.putIfAbsent(row, row);
        }
        assertEquals(1, index.segments());

        index.putIfAbsent(splitAt, splitAt);

        assertEquals(2, index.segments());
        for (int row = 0; row <= splitAt; row++) {
            assertEquals(row, index.get(row));
        }
    }

    @Test
    void addingAndRemovingInAnyOrderAgreesWithAPlainMap() {
        qt().withExamples(300)
                .forAll(lists().of(integers().between(-400, 400)).ofSizeBetween(1, 3_000), longs().all(),
                        integers().between(2, 5))
                .checkAssert((operations, salt, segmentShift) -> {
                    OrderIndex index = new OrderIndex(1, segmentShift);
                    Map<Long, Integer> reference = new HashMap<>();
                    for (int i = 0; i < operations.size(); i++) {
                        int operation = operations.get(i);
                        long id = Math.abs(operation) * 0xC2B2AE3D27D4EB4FL ^ salt;
                        if (operation < 0) {
                            Integer had = reference.remove(id);
                            assertEquals(had == null ? OrderIndex.NO_ROW : had, index.remove(id));
                        } else {
                            Integer had = reference.putIfAbsent(id, i);
                            assertEquals(had == null ? OrderIndex.NO_ROW : had, index.putIfAbsent(id, i));
                        }
                    }
                    for (int key = 0; key <= 400; key++) {
                        long id = key * 0xC2B2AE3D27D4EB4FL ^ salt;
                        assertEquals(reference.getOrDefault(id, OrderIndex.NO_ROW), index.get(id), "id " + key);
                    }
                    assertEquals(reference.size(), index.size());
                });
    }

    @Test
    void removingFromRunsThatWrapAroundTheEndOfASegmentKeepsEveryOtherIdFindable() {
        OrderIndex index = new OrderIndex(1, 4);
        long[] ids = new long[10];
        int found = 0;
        for (long candidate = 0; found < ids.length; candidate++) {
            if ((OrderIndex.mix(candidate) & 15) >= 13) {
                ids[found] = candidate;
                index.putIfAbsent(candidate, found++);
            }
        }
        for (int removed = 0; removed < ids.length; removed++) {
            assertEquals(removed, index.remove(ids[removed]));
            for (int other = removed + 1; other < ids.length; other++) {
                assertEquals(other, index.get(ids[other]), "id " + other + " after removing " + removed);
            }
        }
        assertEquals(0, index.size());
    }

    @Test
    void millionsOfOrdersAddedAndRemovedAtTheSameRateNeverGrowASizedIndex() {
        int live = 50_000;
        OrderIndex index = new OrderIndex(live, OrderIndex.DEFAULT_SEGMENT_SHIFT);
        int segments = index.segments();
        SplittableRandom random = new SplittableRandom(11);
        ArrayDeque<Long> window = new ArrayDeque<>();
        for (int row = 0; row < 3_000_000; row++) {
            long id = random.nextLong();
            assertEquals(OrderIndex.NO_ROW, index.putIfAbsent(id, row & 0xFFFFF));
            window.addLast(id);
            if (window.size() > live) {
                long oldest = window.removeFirst();
                assertTrue(index.remove(oldest) >= 0, "a stored id is removed");
            }
        }
        assertEquals(segments, index.segments(), "no segment was split");
        assertEquals(live, index.size());
        for (long id : window) {
            assertTrue(index.get(id) >= 0);
        }
    }
}
