package dev.purestock.engine;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

/** The segmented order index maps exactly what a plain map would, through any number of splits. */
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
}
