package dev.purestock.engine;

import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderLines;
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
        assertReadInPlace(single, columns);
        assertReadInPlace(multi, columns);
    }

    @Test
    void anOrderNotStoredHasNoStatusAndNoFieldsToRead() {
        OrderColumns columns = new OrderColumns(4);
        columns.put(new Order(7, 42, OrderStatus.PURCHASED, List.of(new Line(3, 1, 2)), 0, 99));
        columns.remove(7);

        assertNull(columns.statusOf(7));
        assertNull(columns.statusOf(8));
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> columns.customerOf(7));
        assertEquals("order 7 is not stored", refused.getMessage());
        assertThrows(IllegalStateException.class, () -> columns.expiresAtOf(8));
        assertThrows(IllegalStateException.class, () -> columns.fingerprintOf(8));
        assertThrows(IllegalStateException.class, () -> columns.linesOf(8));
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
                        assertReadInPlace(entry.getValue(), columns);
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
     * Orders of one to three lines churning: freed lines go to whichever order comes next, so the line pool
     * never grows past the most lines held at once.
     */
    @Test
    void ordersOfMixedLineCountsChurningKeepTheLinePoolBounded() {
        int live = 300;
        OrderColumns columns = new OrderColumns(1, 6, 6);
        SplittableRandom random = new SplittableRandom(5);
        ArrayDeque<Order> window = new ArrayDeque<>();
        int heldLines = 0;
        int mostLines = 0;
        for (int i = 0; i < 1_000_000; i++) {
            Order order = new Order(i, i, OrderStatus.CANCELLED, lines(i, 1 + random.nextInt(3)), 0, i);
            columns.put(order);
            window.addLast(order);
            heldLines += order.lines().size();
            mostLines = Math.max(mostLines, heldLines);
            if (window.size() > live) {
                Order forgotten = window.removeFirst();
                assertTrue(columns.remove(forgotten.orderId()));
                heldLines -= forgotten.lines().size();
            }
        }
        for (Order kept : window) {
            assertEquals(kept, columns.get(kept.orderId()));
        }
        assertEquals(live + 1, columns.rowsUsed());
        assertEquals(mostLines, columns.linesUsed(), "line pool: the most lines held at once");
    }

    /**
     * A long phase of one-line orders, all forgotten, then orders of more and more lines, each phase forgotten
     * before the next: never more than 640 lines held at once. The pool kept each freed run for orders of its
     * own length (or shorter), so every phase of longer orders took new lines: 640 more a phase, ten times what
     * was held by the last.
     */
    @Test
    void aShiftingMixOfLineCountsTakesNoMorePoolLinesThanWereHeldAtOnce() {
        int held = 640;
        OrderColumns columns = new OrderColumns(1, held, 4, SegmentedLongMap.MIN_SEGMENT_SHIFT);
        long id = 0;
        for (int lineCount : new int[] {1, 2, 4, 5, 8, 10, 16, 20, 32, 64}) {
            List<Order> phase = new ArrayList<>();
            for (int i = 0; i < held / lineCount; i++) {
                Order order = new Order(++id, i, OrderStatus.PURCHASED, lines((int) id, lineCount), 0, id);
                columns.put(order);
                phase.add(order);
            }
            for (Order order : phase) {
                assertEquals(order, columns.get(order.orderId()), "order of " + lineCount + " lines");
            }
            assertTrue(columns.linesUsed() <= held, "a pool of " + columns.linesUsed() + " lines once orders of "
                    + lineCount + " lines came, for at most " + held + " held at once");
            for (Order order : phase) {
                assertTrue(columns.remove(order.orderId()));
            }
        }
        assertEquals(held, columns.linesUsed());
    }

    /**
     * One-line orders fill the pool and every other one is forgotten, then two-line orders come while the others
     * stay: the holes are one line each, between live lines, so no merging of neighbouring free runs could give a
     * two-line order room; the pool still takes no more lines than the book held at once.
     */
    @Test
    void holesOfOneLineBetweenLiveOrdersServeOrdersOfMoreLines() {
        OrderColumns columns = new OrderColumns(1, 4, SegmentedLongMap.MIN_SEGMENT_SHIFT);
        List<Order> kept = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Order order = new Order(i, i, OrderStatus.PURCHASED, lines(i, 1), 0, i);
            columns.put(order);
            if (i % 2 == 0) {
                kept.add(order);
            }
        }
        for (int i = 1; i < 200; i += 2) {
            assertTrue(columns.remove(i));
        }
        for (int i = 0; i < 50; i++) {
            Order order = new Order(1_000 + i, i, OrderStatus.RESERVED, lines(1_000 + 2 * i, 2), 9, i);
            columns.put(order);
            kept.add(order);
        }
        for (Order order : kept) {
            assertEquals(order, columns.get(order.orderId()));
        }
        assertEquals(200, columns.linesUsed(), "200 lines held at once, before and after");
    }

    /**
     * Pools of four lines a chunk: one-line orders fill three chunks, and those whose lines end one chunk or
     * start the next are forgotten; a four-line order takes exactly those lines, across both boundaries, and
     * reads back as it was stored, its neighbours untouched.
     */
    @Test
    void linesAtAChunksStartAndEndGoToTheNextOrderIntact() {
        OrderColumns columns = new OrderColumns(1, 2, SegmentedLongMap.MIN_SEGMENT_SHIFT);
        List<Order> ones = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Order order = new Order(i, i, OrderStatus.PURCHASED, lines(100 * i, 1), 0, i);
            columns.put(order);
            ones.add(order);
        }
        for (int line : new int[] {3, 4, 7, 8}) {
            assertTrue(columns.remove(line));
        }
        Order four = new Order(50, 5, OrderStatus.RESERVED, List.of(new Line(11, 1, 1), new Line(12, 2, 2),
                new Line(13, 3, 3), new Line(14, 4, 4)), 77, 5);
        columns.put(four);

        assertEquals(four, columns.get(50));
        assertEquals(12, columns.linesUsed(), "the four freed lines, none new");
        for (Order order : ones) {
            long id = order.orderId();
            assertEquals(id == 3 || id == 4 || id == 7 || id == 8 ? null : order, columns.get(id), "order " + id);
        }
        assertEquals(9, columns.size());
    }

    /**
     * Three neighbouring orders are forgotten, the middle one last: an order of all their lines takes them,
     * and when it is forgotten in turn, orders of fewer lines share its lines out. Every order reads back as
     * it was stored, as a record and through the fields view, and the pool never grows past the six lines.
     */
    @Test
    void linesFreedBetweenTwoFreedOrdersServeOneLongerOrderThenSeveralShorterOnes() {
        OrderColumns columns = new OrderColumns(1, 2, SegmentedLongMap.MIN_SEGMENT_SHIFT);
        for (int i = 1; i <= 3; i++) {
            columns.put(new Order(i, i, OrderStatus.PURCHASED, lines(10 * i, 2), 0, i));
        }
        assertTrue(columns.remove(1));
        assertTrue(columns.remove(3));
        assertTrue(columns.remove(2));

        Order six = new Order(4, 4, OrderStatus.PURCHASED, lines(400, 6), 0, 4);
        columns.put(six);
        assertEquals(six, columns.get(4));
        assertEquals(6, columns.linesUsed());

        assertTrue(columns.remove(4));
        List<Order> split = List.of(new Order(5, 5, OrderStatus.PURCHASED, lines(500, 1), 0, 5),
                new Order(6, 6, OrderStatus.RESERVED, lines(600, 2), 60, 6),
                new Order(7, 7, OrderStatus.CANCELLED, lines(700, 3), 0, 7));
        split.forEach(columns::put);
        for (Order order : split) {
            assertEquals(order, columns.get(order.orderId()));
        }
        assertEquals(byId(split), byId(visitFields(columns, false)));
        assertEquals(byId(split), byId(visitFields(columns, true)));
        assertEquals(6, columns.linesUsed());
    }

    /**
     * The longest order the book holds (127 lines, past {@link Limits#MAX_LINES}) and one of
     * {@code MAX_LINES} lines take lines freed by one-line orders, forgotten out of their order in the pool,
     * across 32 chunks of four lines, and read back line for line.
     */
    @Test
    void theLongestOrdersTakeLinesFreedByOneLineOrdersAcrossChunks() {
        OrderColumns columns = new OrderColumns(1, 2, SegmentedLongMap.MIN_SEGMENT_SHIFT);
        int most = Byte.MAX_VALUE;
        for (int i = 0; i < most; i++) {
            columns.put(new Order(i, i, OrderStatus.PURCHASED, lines(i, 1), 0, i));
        }
        for (int i = 0; i < most; i++) {
            assertTrue(columns.remove((i * 5L) % most), "every fifth line first");
        }
        Order longest = new Order(1_000, 1, OrderStatus.RESERVED, lines(1_000, most), 5, 1);
        columns.put(longest);
        assertEquals(longest, columns.get(1_000));
        assertEquals(most, columns.linesUsed());

        assertTrue(columns.remove(1_000));
        Order maxLines = new Order(2_000, 2, OrderStatus.PURCHASED, lines(2_000, Limits.MAX_LINES), 0, 2);
        Order rest = new Order(3_000, 3, OrderStatus.PURCHASED, lines(3_000, most - Limits.MAX_LINES), 0, 3);
        columns.put(maxLines);
        columns.put(rest);
        assertEquals(maxLines, columns.get(2_000));
        assertEquals(rest, columns.get(3_000));
        assertEquals(byId(List.of(maxLines, rest)), byId(visitFields(columns, true)));
        assertEquals(most, columns.linesUsed());
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

    /**
     * A line keeps its sku in 32 bits, as many as {@link Limits#MAX_SKU} takes: lines of records and commands
     * cannot carry a larger one, and lines given as fields that do are refused before anything changes.
     */
    @Test
    void aSkuPastTheLargestIsRefusedBeforeAnythingChanges() {
        OrderColumns columns = new OrderColumns(4);
        Order kept = new Order(1, 1, OrderStatus.RESERVED, List.of(new Line(Limits.MAX_SKU, 3, 4), new Line(0, 1, 2)),
                10, 1);
        columns.put(kept);
        assertEquals(kept, columns.get(1), "the largest sku and the smallest read back as stored");

        for (long sku : new long[] {Limits.MAX_SKU + 1, -1}) {
            OrderLines badSecondLine = new OrderLines() {
                @Override
                public int count() {
                    return 2;
                }

                @Override
                public long sku(int i) {
                    return i == 1 ? sku : 7;
                }

                @Override
                public int warehouse(int i) {
                    return 0;
                }

                @Override
                public long quantity(int i) {
                    return 1;
                }
            };
            IllegalArgumentException newOrder = assertThrows(IllegalArgumentException.class,
                    () -> columns.put(2, 2, OrderStatus.PURCHASED, badSecondLine, 0, 2));
            assertEquals("order 2 line 1 has sku " + sku + "; skus are 0..4294967295", newOrder.getMessage());
            IllegalArgumentException stored = assertThrows(IllegalArgumentException.class,
                    () -> columns.put(1, 1, OrderStatus.CONFIRMED, badSecondLine, 10, 1));
            assertEquals("order 1 line 1 has sku " + sku + "; skus are 0..4294967295", stored.getMessage());
        }

        assertNull(columns.get(2));
        assertEquals(kept, columns.get(1));
        assertBookHoldsOnly(columns, kept);
    }

    /**
     * A row keeps its customer in 32 bits, as many as {@link Limits#MAX_CUSTOMER} takes: the largest reads back
     * whole through every read (not as a negative {@code int}), and a customer past it, or below 0, is refused
     * before anything changes, for a new order and for a stored one alike.
     */
    @Test
    void theLargestCustomerReadsBackAndOnePastItIsRefusedBeforeAnythingChanges() {
        OrderColumns columns = new OrderColumns(4);
        Order kept = new Order(1, Limits.MAX_CUSTOMER, OrderStatus.RESERVED, lines(3, 4), 10, 1);
        columns.put(kept);
        assertEquals(kept, columns.get(1));
        assertEquals(Limits.MAX_CUSTOMER, columns.customerOf(1));
        assertEquals(Limits.MAX_CUSTOMER, columns.warm(1));
        assertEquals(List.of(kept), visitAll(columns));
        List<Long> visited = new ArrayList<>();
        columns.forEachFields((orderId, customer, status, orderLines, expiresAt, fingerprint) -> visited.add(customer));
        assertEquals(List.of(Limits.MAX_CUSTOMER), visited);

        for (long customer : new long[] {Limits.MAX_CUSTOMER + 1, -1}) {
            IllegalArgumentException newOrder = assertThrows(IllegalArgumentException.class,
                    () -> columns.put(new Order(2, customer, OrderStatus.PURCHASED, lines(5, 1), 0, 2)));
            assertEquals("order 2 has customer " + customer + "; customers are 0..4294967295", newOrder.getMessage());
            IllegalArgumentException stored = assertThrows(IllegalArgumentException.class,
                    () -> columns.put(new Order(1, customer, OrderStatus.CONFIRMED, lines(3, 4), 10, 1)));
            assertEquals("order 1 has customer " + customer + "; customers are 0..4294967295", stored.getMessage());
        }

        assertNull(columns.get(2));
        assertEquals(kept, columns.get(1));
        assertBookHoldsOnly(columns, kept);
    }

    /**
     * A line keeps its warehouse in 16 bits, as many as {@link Limits#MAX_WAREHOUSE} takes: the largest reads back
     * whole (not as a negative {@code short}), also from a line a forgotten order left for reuse, and lines given as
     * fields with a warehouse past it, or below 0, are refused before anything changes.
     */
    @Test
    void theLargestWarehouseReadsBackAndOnePastItIsRefusedBeforeAnythingChanges() {
        OrderColumns columns = new OrderColumns(4);
        columns.put(new Order(9, 9, OrderStatus.PURCHASED, lines(1, 3), 0, 9));
        columns.remove(9);
        Order kept = new Order(1, 1, OrderStatus.RESERVED,
                List.of(new Line(5, Limits.MAX_WAREHOUSE, 4), new Line(6, 0, 2)), 10, 1);
        columns.put(kept);
        assertEquals(kept, columns.get(1), "the largest warehouse and the smallest read back as stored");
        assertEquals(Limits.MAX_WAREHOUSE, columns.linesOf(1).warehouse(0));

        for (int warehouse : new int[] {Limits.MAX_WAREHOUSE + 1, -1}) {
            OrderLines badSecondLine = new OrderLines() {
                @Override
                public int count() {
                    return 2;
                }

                @Override
                public long sku(int i) {
                    return 7;
                }

                @Override
                public int warehouse(int i) {
                    return i == 1 ? warehouse : 0;
                }

                @Override
                public long quantity(int i) {
                    return 1;
                }
            };
            IllegalArgumentException newOrder = assertThrows(IllegalArgumentException.class,
                    () -> columns.put(2, 2, OrderStatus.PURCHASED, badSecondLine, 0, 2));
            assertEquals("order 2 line 1 has warehouse " + warehouse + "; warehouses are 0..65535", newOrder.getMessage());
            IllegalArgumentException stored = assertThrows(IllegalArgumentException.class,
                    () -> columns.put(1, 1, OrderStatus.CONFIRMED, badSecondLine, 10, 1));
            assertEquals("order 1 line 1 has warehouse " + warehouse + "; warehouses are 0..65535", stored.getMessage());
        }

        assertNull(columns.get(2));
        assertEquals(kept, columns.get(1));
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

    /**
     * Random stores (new orders, and stored ones again with other lines or the same), forgets and misses of up to
     * 64 ids with up to 127 lines each, over chunks of eight lines, against a map of order id to order: every
     * order reads back as the map has it, as a record and through the fields view (its lines read in order and
     * backwards), and the book never holds more rows than the most orders held at once, nor more pool lines than
     * the most lines held at once: exactly as many.
     */
    @Test
    void theBookAgreesWithAMapOfOrdersAndTakesNoMoreLinesThanWereHeldAtOnce() {
        qt().withExamples(300)
                .forAll(lists().of(integers().between(0, Integer.MAX_VALUE)).ofSizeBetween(1, 600))
                .checkAssert(operations -> {
                    OrderColumns columns = new OrderColumns(1, 3, SegmentedLongMap.MIN_SEGMENT_SHIFT);
                    Map<Long, Order> model = new LinkedHashMap<>();
                    int heldLines = 0;
                    int mostLines = 0;
                    int mostOrders = 0;
                    for (int step = 0; step < operations.size(); step++) {
                        int operation = operations.get(step);
                        long id = (operation >>> 2) % 64;
                        int lineCount = (operation >>> 8) % 2 == 0 ? (operation >>> 9) % 4 : (operation >>> 9) % 128;
                        Order before = model.get(id);
                        if ((operation & 3) == 3) {
                            assertEquals(before != null, columns.remove(id), "remove " + id + " at step " + step);
                            if (before != null) {
                                model.remove(id);
                                heldLines -= before.lines().size();
                            }
                            continue;
                        }
                        List<Line> lines = (operation & 3) == 2 && before != null ? before.lines() : lines(step, lineCount);
                        Order order = new Order(id, step, OrderStatus.values()[step % OrderStatus.values().length],
                                lines, step, operation);
                        columns.put(order);
                        model.remove(id);
                        model.put(id, order);
                        heldLines += lines.size() - (before == null ? 0 : before.lines().size());
                        mostLines = Math.max(mostLines, heldLines);
                        mostOrders = Math.max(mostOrders, model.size());
                        assertEquals(mostLines, columns.linesUsed(), "pool lines at step " + step);
                        assertEquals(mostOrders, columns.rowsUsed(), "rows at step " + step);
                    }
                    for (Map.Entry<Long, Order> entry : model.entrySet()) {
                        assertEquals(entry.getValue(), columns.get(entry.getKey()));
                    }
                    assertEquals(model.size(), columns.size());
                    assertEquals(new HashMap<>(model), byId(visitFields(columns, true)));
                    assertEquals(new HashMap<>(model), byId(visitFields(columns, false)));
                });
    }

    /** The orders by their ids (rows are reused, so the book visits them in no order a test should fix). */
    private static Map<Long, Order> byId(List<Order> orders) {
        Map<Long, Order> byId = new HashMap<>();
        for (Order order : orders) {
            assertNull(byId.put(order.orderId(), order), "order " + order.orderId() + " visited twice");
        }
        return byId;
    }

    /**
     * The orders as {@link OrderColumns#forEachFields} shows them, each line's fields read through the view, in
     * line order or backwards.
     */
    private static List<Order> visitFields(OrderColumns columns, boolean backwards) {
        List<Order> visited = new ArrayList<>();
        columns.forEachFields((orderId, customer, status, orderLines, expiresAt, fingerprint) -> {
            Line[] read = new Line[orderLines.count()];
            for (int n = 0; n < read.length; n++) {
                int i = backwards ? read.length - 1 - n : n;
                read[i] = new Line(orderLines.sku(i), orderLines.warehouse(i), orderLines.quantity(i));
            }
            visited.add(new Order(orderId, customer, status, List.of(read), expiresAt, fingerprint));
        });
        return visited;
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

    /** Checks that what {@code columns} answers field by field, in place, is {@code order}. */
    private static void assertReadInPlace(Order order, OrderColumns columns) {
        long id = order.orderId();
        assertEquals(order.status(), columns.statusOf(id));
        assertEquals(order.customer(), columns.customerOf(id));
        assertEquals(order.expiresAt(), columns.expiresAtOf(id));
        assertEquals(order.fingerprint(), columns.fingerprintOf(id));
        OrderLines lines = columns.linesOf(id);
        List<Line> read = new ArrayList<>();
        for (int i = 0; i < lines.count(); i++) {
            read.add(new Line(lines.sku(i), lines.warehouse(i), lines.quantity(i)));
        }
        assertEquals(order.lines(), read, "the lines of order " + id);
    }
}
