package dev.purestock.engine;

import dev.purestock.domain.Line;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderStatus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
        OrderColumns columns = new OrderColumns(2, 4, 2);
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
        OrderColumns columns = new OrderColumns(1_024);
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
    void aLinedOrderMayStraddleTwoChunksOfTheLinePool() {
        OrderColumns columns = new OrderColumns(2, 2, 2);
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
                    OrderColumns columns = new OrderColumns(1, 3, 2);
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

    private static Order orderAtRow(int row) {
        return new Order(-5_000_000_000L + row * 3L, row, OrderStatus.values()[row % OrderStatus.values().length],
                List.of(new Line(row, row % 9, row % 11 + 1L)), row * 7L, row * 13L);
    }
}
