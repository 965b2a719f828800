package dev.purestock.engine;

import dev.purestock.domain.Line;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderStatus;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

class OrderColumnsTest {

    @Test
    void anOrderComesBackAsItWasStored() {
        OrderColumns columns = new OrderColumns(4);
        Order single = new Order(7, 42, OrderStatus.PURCHASED, List.of(new Line(3, 1, 2)), 0, 99);
        Order multi = new Order(8, 43, OrderStatus.RESERVED,
                List.of(new Line(3, 1, 2), new Line(4, 0, 5), new Line(3, 2, 1)), 1_000, -5);

        columns.put(single);
        columns.put(multi);

        assertEquals(single, columns.get(7));
        assertEquals(multi, columns.get(8));
        assertNull(columns.get(9));
    }

    @Test
    void storingAgainReplacesTheOrderInPlace() {
        OrderColumns columns = new OrderColumns(4);
        Order reserved = new Order(1, 2, OrderStatus.RESERVED, List.of(new Line(5, 0, 3)), 500, 11);
        columns.put(reserved);

        columns.put(reserved.withStatus(OrderStatus.CONFIRMED));
        Order relined = new Order(1, 2, OrderStatus.CONFIRMED, List.of(new Line(6, 1, 1), new Line(7, 1, 1)), 500, 11);
        columns.put(relined);

        assertEquals(relined, columns.get(1));
        assertEquals(1, columns.size());
    }

    @Test
    void theBookGrowsPastItsInitialCapacityAndVisitsEveryOrderOnce() {
        OrderColumns columns = new OrderColumns(2, 4, SegmentedLongMap.MIN_SEGMENT_SHIFT);
        List<Order> stored = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            List<Line> lines = i % 3 == 0
                    ? List.of(new Line(i, i % 7, 1), new Line(i + 1, i % 5, 2))
                    : List.of(new Line(i, i % 7, i + 1L));
            Order order = new Order(1_000_000L + i, i, OrderStatus.values()[i % OrderStatus.values().length], lines,
                    i * 10L, i * 31L);
            columns.put(order);
            stored.add(order);
        }

        List<Order> visited = new ArrayList<>();
        columns.forEach(visited::add);

        assertEquals(stored, visited);
        assertEquals(stored.get(4_321), columns.get(1_004_321));
    }

    @Test
    void ordersEitherSideOfTheFirstChunkBoundariesComeBackIntact() {
        OrderColumns columns = new OrderColumns(1_024, OrderColumns.DEFAULT_CHUNK_SHIFT, SegmentedLongMap.DEFAULT_SEGMENT_SHIFT);
        int chunk = 1 << OrderColumns.DEFAULT_CHUNK_SHIFT;
        int total = 2 * chunk + 3;
        for (int row = 0; row < total; row++) {
            columns.put(orderAtRow(row));
        }

        for (int row : new int[] {0, chunk - 1, chunk, chunk + 1, 2 * chunk - 1, 2 * chunk, total - 1}) {
            assertEquals(orderAtRow(row), columns.get(orderAtRow(row).orderId()), "row " + row);
        }
        assertEquals(total, columns.size());
        int[] visited = {0};
        columns.forEach(order -> assertEquals(orderAtRow(visited[0]++), order));
        assertEquals(total, visited[0]);
    }

    @Test
    void aBookGetsChunksOfItsExpectedSizeUpToAFullChunk() {
        assertEquals(OrderColumns.MIN_CHUNK_SHIFT, OrderColumns.chunkShiftFor(1));
        assertEquals(OrderColumns.MIN_CHUNK_SHIFT, OrderColumns.chunkShiftFor(1_024));
        assertEquals(11, OrderColumns.chunkShiftFor(1_025));
        assertEquals(15, OrderColumns.chunkShiftFor(20_000));
        assertEquals(OrderColumns.DEFAULT_CHUNK_SHIFT, OrderColumns.chunkShiftFor(65_536));
        assertEquals(OrderColumns.DEFAULT_CHUNK_SHIFT, OrderColumns.chunkShiftFor(65_537));
        assertEquals(OrderColumns.DEFAULT_CHUNK_SHIFT, OrderColumns.chunkShiftFor(Integer.MAX_VALUE));
    }

    /**
     * A book sized for fewer orders than a full chunk used to allocate its first chunk with its first order, on the
     * thread that stores it; every chunk the expected orders need now exists when the book is made.
     */
    @Test
    void aBookTakesItsExpectedOrdersWithoutAddingAChunk() {
        for (int expected : new int[] {1, 1_000, 20_000, 65_536, 100_000}) {
            OrderColumns columns = new OrderColumns(expected);
            int rowChunks = columns.rowChunks();
            int lineChunks = columns.lineChunks();
            assertTrue(rowChunks >= 1 && lineChunks >= 1, "chunks allocated up front for " + expected);
            int indexSegments = columns.indexSegments();
            for (int row = 0; row < expected; row++) {
                columns.put(orderAtRow(row));
            }
            assertEquals(rowChunks, columns.rowChunks(), "no row chunk added while " + expected + " orders were stored");
            assertEquals(lineChunks, columns.lineChunks(), "no line chunk added for " + expected + " one-line orders");
            assertEquals(indexSegments, columns.indexSegments(), "no index segment split for " + expected + " orders");
            assertEquals(expected, columns.linesUsed());
        }
    }

    @Test
    void aLinePoolSizedForSeveralLinesAnOrderTakesThemWithoutAddingAChunk() {
        int orders = 5_000;
        OrderColumns columns = new OrderColumns(orders, 3 * orders);
        int lineChunks = columns.lineChunks();
        for (int i = 0; i < orders; i++) {
            columns.put(new Order(i + 1, i, OrderStatus.PURCHASED,
                    List.of(new Line(1, 0, 1), new Line(2, 0, 1), new Line(3, 0, 1)), 0, i));
        }
        assertEquals(3 * orders, columns.linesUsed());
        assertEquals(lineChunks, columns.lineChunks(), "no line chunk added for lines within the capacity");
        assertEquals(new Line(3, 0, 1), columns.get(orders).lines().get(2));
    }

    @Test
    void aLinedOrderMayStraddleTwoChunksOfTheLinePool() {
        OrderColumns columns = new OrderColumns(2, 2, SegmentedLongMap.MIN_SEGMENT_SHIFT);
        Order first = new Order(1, 1, OrderStatus.PURCHASED, List.of(new Line(1, 0, 1), new Line(2, 0, 1),
                new Line(3, 0, 1)), 0, 5);
        Order straddling = new Order(2, 1, OrderStatus.RESERVED, List.of(new Line(4, 1, 2), new Line(5, 1, 3),
                new Line(6, 1, 4)), 9, 6);
        columns.put(first);
        columns.put(straddling);
        columns.put(straddling.withStatus(OrderStatus.CONFIRMED));

        assertEquals(first, columns.get(1));
        assertEquals(straddling.withStatus(OrderStatus.CONFIRMED), columns.get(2));
    }

    @Test
    void theBookAgreesWithAPlainMapWhateverIsStoredInWhateverOrder() {
        qt().withExamples(200)
                .forAll(lists().of(integers().between(0, 3_000)).ofSizeBetween(1, 2_000), longs().all())
                .checkAssert((ids, salt) -> {
                    OrderColumns columns = new OrderColumns(1, 3, SegmentedLongMap.MIN_SEGMENT_SHIFT);
                    Map<Long, Order> reference = new HashMap<>();
                    List<Long> firstStored = new ArrayList<>();
                    for (int i = 0; i < ids.size(); i++) {
                        long id = ids.get(i) * 0x9E3779B97F4A7C15L + salt;
                        int lineCount = (int) Math.floorMod(id ^ i, 4L);
                        List<Line> lines = new ArrayList<>();
                        for (int l = 0; l < lineCount; l++) {
                            lines.add(new Line(i + l, l, 1 + l));
                        }
                        Order order = new Order(id, i, OrderStatus.values()[i % OrderStatus.values().length], lines,
                                i, id ^ 7);
                        columns.put(order);
                        if (reference.put(id, order) == null) {
                            firstStored.add(id);
                        }
                    }
                    for (Map.Entry<Long, Order> entry : reference.entrySet()) {
                        assertEquals(entry.getValue(), columns.get(entry.getKey()));
                    }
                    assertNull(columns.get(salt - 0x9E3779B97F4A7C15L));
                    assertEquals(reference.size(), columns.size());
                    List<Long> visited = new ArrayList<>();
                    columns.forEach(order -> visited.add(order.orderId()));
                    assertEquals(firstStored, visited);
                });
    }

    @Test
    void aRemovedOrderIsGoneAndItsRowAndLinesGoToTheNextOrder() {
        OrderColumns columns = new OrderColumns(4);
        Order first = new Order(1, 9, OrderStatus.PURCHASED, List.of(new Line(3, 1, 2), new Line(4, 1, 1)), 0, 5);
        columns.put(first);
        columns.touch(1, 100);

        assertTrue(columns.remove(1));
        assertNull(columns.get(1));
        assertFalse(columns.remove(1), "removed already");
        assertFalse(columns.touch(1, 200));
        assertEquals(0, columns.size());
        List<Order> visited = new ArrayList<>();
        columns.forEach(visited::add);
        assertEquals(List.of(), visited);
        assertEquals(List.of(), lastChanges(columns));

        Order second = new Order(2, 8, OrderStatus.CANCELLED, List.of(new Line(5, 2, 7)), 0, 6);
        columns.put(second);
        assertEquals(second, columns.get(2));
        assertEquals(1, columns.rowsUsed(), "the freed row was reused");
        assertEquals(2, columns.linesUsed(), "the freed run of two lines gave the one line its room");
        Order third = new Order(3, 8, OrderStatus.PURCHASED, List.of(new Line(6, 2, 1)), 0, 7);
        columns.put(third);
        assertEquals(2, columns.linesUsed(), "the rest of the split run took the next one-line order");
        assertEquals(List.of(second, third), visitAll(columns));
    }

    @Test
    void theOrderOfLastChangesAgreesWithAnInsertionOrderedMap() {
        qt().withExamples(200)
                .forAll(lists().of(integers().between(-60, 60)).ofSizeBetween(1, 1_500), longs().all())
                .checkAssert((operations, salt) -> {
                    OrderColumns columns = new OrderColumns(1, 2, SegmentedLongMap.MIN_SEGMENT_SHIFT);
                    LinkedHashMap<Long, Long> reference = new LinkedHashMap<>();
                    Map<Long, Order> stored = new HashMap<>();
                    for (int i = 0; i < operations.size(); i++) {
                        int operation = operations.get(i);
                        long id = Math.abs(operation) * 0x9E3779B97F4A7C15L + salt;
                        if (operation < 0) {
                            assertEquals(stored.remove(id) != null, columns.remove(id));
                            reference.remove(id);
                        } else if (!stored.containsKey(id)) {
                            Order order = new Order(id, i, OrderStatus.PURCHASED, lines(i, operation % 4), 0, i);
                            columns.put(order);
                            stored.put(id, order);
                            if (operation % 3 != 0) {
                                columns.touch(id, i);
                                reference.put(id, (long) i);
                            }
                        } else {
                            columns.touch(id, i);
                            reference.remove(id);
                            reference.put(id, (long) i);
                        }
                    }
                    List<String> expected = new ArrayList<>();
                    reference.forEach((id, time) -> expected.add(id + "@" + time));
                    assertEquals(expected, lastChanges(columns));
                    for (Map.Entry<Long, Order> entry : stored.entrySet()) {
                        assertEquals(entry.getValue(), columns.get(entry.getKey()));
                    }
                    assertEquals(stored.size(), columns.size());
                });
    }

    /**
     * The flash-sale shape: one-line orders created and forgotten at the same rate, millions of them, over
     * chunks of 16 rows, so that rows, lines and index slots are reused across every chunk boundary. The book
     * never holds more rows or lines than the most orders it held at once, and allocates no chunk or segment
     * once that many were there. (The index has segments of the default size: tiny ones split by chance as
     * ids come and go, see {@link SegmentedLongMap}.)
     */
    @Test
    void millionsOfOrdersCreatedAndForgottenAtTheSameRateReuseTheirRowsAndLines() {
        int live = 37;
        OrderColumns columns = new OrderColumns(1, 4, SegmentedLongMap.DEFAULT_SEGMENT_SHIFT);
        ArrayDeque<Order> window = new ArrayDeque<>();
        int chunks = -1;
        int segments = -1;
        for (int i = 0; i < 2_000_000; i++) {
            Order order = new Order(i * 0x9E3779B97F4A7C15L, i, OrderStatus.PURCHASED,
                    List.of(new Line(i, i % 9, i % 11 + 1L)), 0, i);
            columns.put(order);
            columns.touch(order.orderId(), i);
            window.addLast(order);
            if (window.size() > live) {
                assertTrue(columns.remove(window.removeFirst().orderId()));
            }
            if (i == 10 * live) {
                chunks = columns.rowChunks();
                segments = columns.indexSegments();
            }
            if (i % 250_000 == 0 || i == 1_999_999) {
                for (Order kept : window) {
                    assertEquals(kept, columns.get(kept.orderId()), "order " + kept.orderId() + " at step " + i);
                }
                assertEquals(window.stream().map(o -> o.orderId() + "@" + o.customer()).toList(), lastChanges(columns));
            }
        }
        assertEquals(live, columns.size());
        assertEquals(live + 1, columns.rowsUsed(), "rows: the most orders held at once");
        assertEquals(live + 1, columns.linesUsed(), "lines: the most lines held at once");
        assertEquals(chunks, columns.rowChunks(), "no row chunk after the first orders");
        assertEquals(segments, columns.indexSegments(), "no index segment after the first orders");
    }

    /**
     * Orders of one to three lines churning: freed runs are reused whole or split, so the line pool never
     * grows past the most lines that can be live at once.
     */
    @Test
    void ordersOfMixedLineCountsChurningKeepTheLinePoolBounded() {
        int live = 300;
        OrderColumns columns = new OrderColumns(1, 6, 6);
        SplittableRandom random = new SplittableRandom(5);
        ArrayDeque<Order> window = new ArrayDeque<>();
        for (int i = 0; i < 1_000_000; i++) {
            Order order = new Order(i, i, OrderStatus.CANCELLED, lines(i, 1 + random.nextInt(3)), 0, i);
            columns.put(order);
            window.addLast(order);
            if (window.size() > live) {
                assertTrue(columns.remove(window.removeFirst().orderId()));
            }
        }
        for (Order kept : window) {
            assertEquals(kept, columns.get(kept.orderId()));
        }
        assertEquals(live + 1, columns.rowsUsed());
        assertTrue(columns.linesUsed() <= 3 * (live + 1), "line pool of " + columns.linesUsed()
                + " lines for at most " + 3 * (live + 1) + " live ones");
    }

    /**
     * An order of more lines than the book holds used to take its id's place in the index and a row before its
     * lines were refused, leaving an order without a status that could not be read back ({@code get} threw).
     * Such lines are now refused before anything changes, a new order's or a stored one's.
     */
    @Test
    void anOrderOfMoreLinesThanTheBookHoldsIsRefusedBeforeAnythingChanges() {
        OrderColumns columns = new OrderColumns(4);
        Order kept = new Order(1, 1, OrderStatus.RESERVED, lines(1, 2), 10, 1);
        columns.put(kept);

        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> columns.put(new Order(2, 2, OrderStatus.PURCHASED, lines(2, Byte.MAX_VALUE + 1), 0, 2)));
        assertEquals("order 2 has 128 lines; the store holds at most 127", tooMany.getMessage());
        IllegalArgumentException longerStored = assertThrows(IllegalArgumentException.class,
                () -> columns.put(new Order(1, 1, OrderStatus.CONFIRMED, lines(1, Byte.MAX_VALUE + 1), 10, 1)));
        assertEquals("order 1 has 128 lines; the store holds at most 127", longerStored.getMessage());

        assertNull(columns.get(2));
        assertEquals(kept, columns.get(1));
        assertBookHoldsOnly(columns, kept);
    }

    /** The book holds {@code kept} alone, in its first row and lines, and takes the next order as usual. */
    private static void assertBookHoldsOnly(OrderColumns columns, Order kept) {
        assertEquals(1, columns.size());
        assertEquals(List.of(kept), visitAll(columns));
        assertEquals(1, columns.rowsUsed());
        assertEquals(kept.lines().size(), columns.linesUsed());
        Order next = new Order(2, 2, OrderStatus.PURCHASED, lines(2, 1), 0, 2);
        columns.put(next);
        assertEquals(next, columns.get(2));
        assertEquals(2, columns.rowsUsed());
    }

    private static List<Line> lines(int seed, int count) {
        List<Line> lines = new ArrayList<>();
        for (int l = 0; l < count; l++) {
            lines.add(new Line(seed + l, l, 1 + l));
        }
        return lines;
    }

    private static List<Order> visitAll(OrderColumns columns) {
        List<Order> visited = new ArrayList<>();
        columns.forEach(visited::add);
        return visited;
    }

    private static List<String> lastChanges(OrderColumns columns) {
        List<String> visited = new ArrayList<>();
        columns.forEachByLastChange((orderId, changedAt) -> visited.add(orderId + "@" + changedAt));
        return visited;
    }

    private static Order orderAtRow(int row) {
        return new Order(-5_000_000_000L + row * 3L, row, OrderStatus.values()[row % OrderStatus.values().length],
                List.of(new Line(row, row % 9, row % 11 + 1L)), row * 7L, row * 13L);
    }
}
