package dev.purestock.engine;

import dev.purestock.domain.Line;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderStatus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class OrderColumnsTest {

    @Test
    void anOrderComesBackAsItWasStored() {
        OrderColumns columns = new OrderColumns(4, 0.65f);
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
        OrderColumns columns = new OrderColumns(4, 0.65f);
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
        OrderColumns columns = new OrderColumns(2, 0.65f);
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
}
