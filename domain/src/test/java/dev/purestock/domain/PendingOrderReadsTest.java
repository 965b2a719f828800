package dev.purestock.domain;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The reads of an order field by field ({@link InventoryState#orderStatus}, {@link InventoryState#orderLines}, ...),
 * which {@link Inventory#decide} uses in place of {@link InventoryState#order}, answer what the record says: in the
 * reference store (the defaults, built on the record) and in a layer over it, whether the layer stores the order,
 * changed its status from beneath, forgot it or left it to the state beneath.
 */
class PendingOrderReadsTest {
    private static final Order BENEATH = new Order(1, 10, OrderStatus.RESERVED,
            List.of(new Line(3, 0, 2), new Line(4, 1, 1)), 500, 11);
    private static final Order CONFIRMED_HERE = new Order(2, 20, OrderStatus.RESERVED, List.of(new Line(5, 0, 4)),
            600, 22);
    private static final Order FORGOTTEN_HERE = new Order(3, 30, OrderStatus.PURCHASED, List.of(new Line(6, 2, 1)),
            0, 33);
    private static final Order STORED_HERE = new Order(4, 40, OrderStatus.PURCHASED,
            List.of(new Line(7, 0, 1), new Line(8, 0, 2), new Line(9, 3, 3)), 0, 44);

    @Test
    void theReferenceStoreReadsWhatItsRecordsSay() {
        MapInventoryStore store = base();

        for (Order order : List.of(BENEATH, CONFIRMED_HERE, FORGOTTEN_HERE)) {
            assertReadsAsRecord(order, store);
        }
        assertNull(store.orderStatus(STORED_HERE.orderId()));
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> store.orderCustomer(STORED_HERE.orderId()));
        assertEquals("order 4 is not stored", refused.getMessage());
    }

    @Test
    void aLayerReadsItsOwnOrdersAndThoseBeneathAsTheirRecordsSay() {
        PendingState layer = new PendingState().over(base());
        layer.putOrderStatus(CONFIRMED_HERE.orderId(), OrderStatus.CONFIRMED);
        layer.putLastChange(BENEATH.orderId(), 7);
        layer.forgetOrder(FORGOTTEN_HERE.orderId());
        layer.putOrder(STORED_HERE);

        assertReadsAsRecord(BENEATH, layer);
        assertReadsAsRecord(CONFIRMED_HERE.withStatus(OrderStatus.CONFIRMED), layer);
        assertReadsAsRecord(STORED_HERE, layer);
        assertNull(layer.orderStatus(FORGOTTEN_HERE.orderId()));
        assertNull(layer.orderStatus(5));
        for (long missing : new long[] {FORGOTTEN_HERE.orderId(), 5}) {
            assertThrows(IllegalStateException.class, () -> layer.orderCustomer(missing));
            assertThrows(IllegalStateException.class, () -> layer.orderExpiresAt(missing));
            assertThrows(IllegalStateException.class, () -> layer.orderFingerprint(missing));
            assertThrows(IllegalStateException.class, () -> layer.orderLines(missing));
        }
    }

    @Test
    void aLayersLinesViewStaysRightWhenLaterOrdersGrowItsColumns() {
        PendingState layer = new PendingState().over(new MapInventoryStore());
        layer.putOrder(STORED_HERE);
        OrderLines lines = layer.orderLines(STORED_HERE.orderId());
        for (long id = 100; id < 120; id++) {
            layer.putOrder(new Order(id, 1, OrderStatus.PURCHASED, STORED_HERE.lines().reversed(), 0, id));
        }

        assertEquals(STORED_HERE.lines(), read(lines));
    }

    private static MapInventoryStore base() {
        MapInventoryStore store = new MapInventoryStore();
        store.putOrder(BENEATH);
        store.putOrder(CONFIRMED_HERE);
        store.putOrder(FORGOTTEN_HERE);
        store.putLastChange(FORGOTTEN_HERE.orderId(), 5);
        return store;
    }

    private static void assertReadsAsRecord(Order order, InventoryState state) {
        long id = order.orderId();
        assertEquals(order, state.order(id));
        assertEquals(order.status(), state.orderStatus(id));
        assertEquals(order.customer(), state.orderCustomer(id));
        assertEquals(order.expiresAt(), state.orderExpiresAt(id));
        assertEquals(order.fingerprint(), state.orderFingerprint(id));
        assertEquals(order.lines(), read(state.orderLines(id)), "the lines of order " + id);
    }

    private static List<Line> read(OrderLines lines) {
        List<Line> read = new ArrayList<>();
        for (int i = 0; i < lines.count(); i++) {
            read.add(new Line(lines.sku(i), lines.warehouse(i), lines.quantity(i)));
        }
        return read;
    }
}
