package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryState;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Line;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Product;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

/** The engine's primitive store behaves exactly like the domain's reference store. */
class PrimitiveInventoryStoreTest {

    @Test
    void decidingAgainstEitherStoreGivesTheSameEventsAndDigest() {
        qt().withExamples(300).forAll(CommandGenerators.timedSequences()).checkAssert(run -> {
            MapInventoryStore reference = new MapInventoryStore();
            PrimitiveInventoryStore primitive = new PrimitiveInventoryStore(4);
            long now = 1_000;
            for (CommandGenerators.TimedCommand timed : run) {
                now += timed.step();
                List<Event> expected = Inventory.decide(timed.command(), now, reference);
                List<Event> actual = Inventory.decide(timed.command(), now, primitive);
                assertEquals(expected, actual, () -> "events of " + timed.command());
                Inventory.evolveAll(reference, now, expected);
                Inventory.evolveAll(primitive, now, actual);
                assertEquals(StateDigest.of(reference), StateDigest.of(primitive), () -> "digest after " + timed.command());
                assertEquals(due(reference, now + 100), due(primitive, now + 100), "due reservations");
            }
        });
    }

    /**
     * Positions and stock movements past a segment's split load (5,324 entries), and customer counts several times
     * past it, from a store sized for 4: every segmented map splits while the commands flow, the customer counts
     * many times, and the events and the state stay the reference store's.
     */
    @Test
    void aStoreThatOutgrowsItsCapacityByManySegmentsStillDecidesAndHoldsWhatTheReferenceDoes() {
        MapInventoryStore reference = new MapInventoryStore();
        PrimitiveInventoryStore primitive = new PrimitiveInventoryStore(4);
        SplittableRandom random = new SplittableRandom(17);
        int skus = 3_000;
        int warehouses = 3;
        long movement = 0;
        List<Command> commands = new ArrayList<>();
        for (long sku = 0; sku < skus; sku++) {
            commands.add(new Command.ListProduct(sku, sku % 5 == 0 ? 3 : 0));
            for (int warehouse = 0; warehouse < warehouses; warehouse++) {
                commands.add(new Command.ReceiveStock(++movement, sku, warehouse, 40));
            }
        }
        for (long order = 0; order < 40_000; order++) {
            long customer = order % 4 == 0 ? random.nextLong(500) : random.nextLong(1L << 32);
            commands.add(new Command.Purchase(order, customer, random.nextLong(skus), random.nextInt(warehouses),
                    1 + random.nextInt(2)));
            if (order % 9 == 8) {
                commands.add(new Command.CancelPurchase(order - 5));
            }
            if (order % 50 == 49) {
                commands.add(new Command.ReceiveStock(++movement, random.nextLong(skus), random.nextInt(warehouses), 6));
            }
        }
        long now = 1;
        for (Command command : commands) {
            now++;
            List<Event> expected = Inventory.decide(command, now, reference);
            List<Event> actual = Inventory.decide(command, now, primitive);
            assertEquals(expected, actual, () -> "events of " + command);
            Inventory.evolveAll(reference, now, expected);
            Inventory.evolveAll(primitive, now, actual);
        }
        assertEquals(StateDigest.of(reference), StateDigest.of(primitive));
        int[] counts = new int[3];
        primitive.forEachPosition((sku, warehouse, available) -> counts[0]++);
        primitive.forEachMovement((id, fingerprint) -> counts[1]++);
        primitive.forEachCustomerUnits((customer, sku, units) -> counts[2]++);
        assertEquals(skus * warehouses, counts[0]);
        assertTrue(counts[1] > 5_324 && counts[2] > 5_324 * 4, counts[1] + " movements, " + counts[2] + " counts");
    }

    /**
     * The one pass over products and positions that a snapshot and a digest take visits each product and each
     * position once, exactly those the two separate walks visit, across a map grown by many segments.
     */
    @Test
    void oneWalkOverProductsAndPositionsVisitsWhatTheTwoWalksVisitOnceEach() {
        PrimitiveInventoryStore store = new PrimitiveInventoryStore(4);
        for (long sku = 0; sku < 3_000; sku++) {
            store.putProduct(new Product(sku, sku % 5 == 0 ? 3 : 0, sku % 7 != 0 || sku % 5 == 0));
            for (int warehouse = 0; warehouse < 3; warehouse++) {
                store.putAvailable(sku, warehouse, sku * 3 + warehouse);
            }
        }
        Set<Product> products = new HashSet<>();
        Set<List<Long>> positions = new HashSet<>();
        store.forEachProduct(products::add);
        store.forEachPosition((sku, warehouse, available) -> positions.add(List.of(sku, (long) warehouse, available)));
        Set<Product> productsInOneWalk = new HashSet<>();
        Set<List<Long>> positionsInOneWalk = new HashSet<>();
        store.forEachProductAndPosition(product -> assertTrue(productsInOneWalk.add(product), product::toString),
                (sku, warehouse, available) -> assertTrue(positionsInOneWalk.add(List.of(sku, (long) warehouse,
                        available)), () -> sku + "@" + warehouse));

        assertEquals(3_000, products.size());
        assertEquals(9_000, positions.size());
        assertEquals(products, productsInOneWalk);
        assertEquals(positions, positionsInOneWalk);
    }

    @Test
    void applyingFromAReusedEventBufferGivesTheStateThatApplyingRecordsGivesTheReference() {
        qt().withExamples(300).forAll(CommandGenerators.timedSequences()).checkAssert(run -> {
            MapInventoryStore reference = new MapInventoryStore();
            PrimitiveInventoryStore primitive = new PrimitiveInventoryStore(4);
            EventBuffer buffer = new EventBuffer();
            long now = 1_000;
            for (CommandGenerators.TimedCommand timed : run) {
                now += timed.step();
                List<Event> expected = Inventory.decide(timed.command(), now, reference);
                buffer.clear();
                Inventory.decide(timed.command(), now, primitive, buffer);
                assertEquals(expected, buffer.toEvents(), () -> "events of " + timed.command());
                Inventory.evolveAll(reference, now, expected);
                Inventory.evolveAll(primitive, now, buffer);
                assertEquals(StateDigest.of(reference), StateDigest.of(primitive), () -> "digest after " + timed.command());
                assertEquals(due(reference, now + 100), due(primitive, now + 100), "due reservations");
            }
        });
    }

    @Test
    void visitingOrdersAsFieldsSeesWhatTheRecordsHoldInEitherStore() {
        qt().withExamples(200).forAll(CommandGenerators.timedSequences()).checkAssert(run -> {
            MapInventoryStore reference = new MapInventoryStore();
            PrimitiveInventoryStore primitive = new PrimitiveInventoryStore(4);
            long now = 1_000;
            for (CommandGenerators.TimedCommand timed : run) {
                now += timed.step();
                List<Event> events = Inventory.decide(timed.command(), now, reference);
                Inventory.evolveAll(reference, now, events);
                Inventory.evolveAll(primitive, now, events);
            }
            assertEquals(ordersAsRecords(reference), ordersAsFields(reference), "the reference store's default");
            assertEquals(ordersAsRecords(reference), ordersAsFields(primitive), "the columns read in place");
        });
    }

    private static Set<Order> ordersAsRecords(InventoryStore store) {
        Set<Order> orders = new HashSet<>();
        store.forEachOrder(orders::add);
        return orders;
    }

    private static Set<Order> ordersAsFields(InventoryStore store) {
        Set<Order> orders = new HashSet<>();
        store.forEachOrderFields((orderId, customer, status, lines, expiresAt, fingerprint) -> {
            List<Line> copied = new ArrayList<>();
            for (int i = 0; i < lines.count(); i++) {
                copied.add(new Line(lines.sku(i), lines.warehouse(i), lines.quantity(i)));
            }
            orders.add(new Order(orderId, customer, status, copied, expiresAt, fingerprint));
        });
        return orders;
    }

    @Test
    void changingTheStatusOfAnOrderNeverStoredIsRefused() {
        PrimitiveInventoryStore store = new PrimitiveInventoryStore();
        assertThrows(IllegalStateException.class, () -> store.putOrderStatus(5, OrderStatus.CANCELLED));
        assertNull(store.order(5));
    }

    @Test
    void aReservationHasOneExpiryWhichOnlyAnUnscheduleAtThatTimeTakesAway() {
        PrimitiveInventoryStore store = new PrimitiveInventoryStore();
        store.scheduleExpiry(5, 100);
        store.scheduleExpiry(3, 100);
        store.scheduleExpiry(9, 50);
        store.unscheduleExpiry(3, 99);
        store.unscheduleExpiry(4, 100);
        assertEquals(List.of(50L, 9L, 100L, 3L, 100L, 5L), due(store, 100),
                "by expiry, then order id; an unschedule at another time, or of another order, takes nothing");
        store.scheduleExpiry(9, 120);
        assertEquals(List.of(100L, 3L, 100L, 5L, 120L, 9L), due(store, 120), "scheduled again, an order moves");
        store.unscheduleExpiry(3, 100);
        store.unscheduleExpiry(9, 50);
        assertEquals(List.of(100L, 5L, 120L, 9L), due(store, Long.MAX_VALUE));
    }

    private static List<Long> due(InventoryState state, long now) {
        List<Long> due = new ArrayList<>();
        state.forEachDue(now, (orderId, expiresAt) -> {
            due.add(expiresAt);
            due.add(orderId);
            return true;
        });
        return due;
    }

    @Test
    void extremeKeysArePackedWithoutCollisions() {
        PrimitiveInventoryStore store = new PrimitiveInventoryStore();
        long maxSku = (1L << 32) - 1;
        long maxCustomer = (1L << 32) - 1;
        store.putAvailable(maxSku, 65_535, 7);
        store.putAvailable(maxSku, 0, 8);
        store.putAvailable(0, 65_535, 9);
        store.putCustomerUnits(maxCustomer, maxSku, 3);
        store.putCustomerUnits(maxCustomer, 0, 4);
        store.putCustomerUnits(0, maxSku, 5);

        assertEquals(7, store.available(maxSku, 65_535));
        assertEquals(8, store.available(maxSku, 0));
        assertEquals(9, store.available(0, 65_535));
        assertEquals(InventoryState.NO_POSITION, store.available(1, 1));
        assertEquals(3, store.customerUnits(maxCustomer, maxSku));
        assertEquals(4, store.customerUnits(maxCustomer, 0));
        assertEquals(5, store.customerUnits(0, maxSku));

        MapInventoryStore reference = new MapInventoryStore();
        reference.putAvailable(maxSku, 65_535, 7);
        reference.putAvailable(maxSku, 0, 8);
        reference.putAvailable(0, 65_535, 9);
        reference.putCustomerUnits(maxCustomer, maxSku, 3);
        reference.putCustomerUnits(maxCustomer, 0, 4);
        reference.putCustomerUnits(0, maxSku, 5);
        assertEquals(StateDigest.of(reference), StateDigest.of(store));
    }

    /**
     * Products and stock positions share one map ({@code sku << 17} and {@code sku << 17 | warehouse + 1}): at the
     * extreme skus and warehouses each reads back only as what it is, a product with no position and a position of
     * an unlisted sku included, and each visit sees only its own kind.
     */
    @Test
    void productsAndPositionsInOneMapNeverReadAsEachOther() {
        PrimitiveInventoryStore store = new PrimitiveInventoryStore();
        MapInventoryStore reference = new MapInventoryStore();
        long maxSku = (1L << 32) - 1;
        for (InventoryStore each : List.of(store, reference)) {
            each.putProduct(new Product(maxSku, 4));
            each.putProduct(new Product(0, 0));
            each.putProduct(new Product(7, 0));
            each.putProduct(new Product(9, 0, false));
            each.putAvailable(maxSku, 65_535, 11);
            each.putAvailable(maxSku, 0, 12);
            each.putAvailable(0, 0, 13);
            each.putAvailable(8, 3, 14);
        }

        assertEquals(4, store.perCustomerLimit(maxSku));
        assertEquals(new Product(maxSku, 4), store.product(maxSku));
        assertEquals(0, store.perCustomerLimit(0));
        assertEquals(0, store.perCustomerLimit(7));
        assertEquals(InventoryState.NOT_COUNTED, store.perCustomerLimit(9));
        assertEquals(new Product(9, 0, false), store.product(9));
        assertEquals(InventoryState.NOT_LISTED, store.perCustomerLimit(8), "a position without a product");
        assertNull(store.product(8));
        assertEquals(InventoryState.NO_POSITION, store.available(7, 0), "a product without a position");
        assertEquals(11, store.available(maxSku, 65_535));
        assertEquals(12, store.available(maxSku, 0));
        assertEquals(13, store.available(0, 0));
        assertEquals(14, store.available(8, 3));
        Set<Product> products = new HashSet<>();
        store.forEachProduct(products::add);
        assertEquals(Set.of(new Product(maxSku, 4), new Product(0, 0), new Product(7, 0), new Product(9, 0, false)),
                products);
        Set<List<Long>> positions = new HashSet<>();
        store.forEachPosition((sku, warehouse, available) -> positions.add(List.of(sku, (long) warehouse, available)));
        assertEquals(Set.of(List.of(maxSku, 65_535L, 11L), List.of(maxSku, 0L, 12L), List.of(0L, 0L, 13L),
                List.of(8L, 3L, 14L)), positions);
        assertEquals(StateDigest.of(reference), StateDigest.of(store));
    }

    @Test
    void zeroCustomerUnitsAreForgottenAndMissingEntriesReadAsAbsent() {
        PrimitiveInventoryStore store = new PrimitiveInventoryStore();
        store.putCustomerUnits(1, 2, 3);
        store.putCustomerUnits(1, 2, 0);
        long[] visited = {0};
        store.forEachCustomerUnits((customer, sku, units) -> visited[0]++);
        assertEquals(0, visited[0]);
        assertEquals(0, store.customerUnits(1, 2));
        assertNull(store.product(5));
        assertNull(store.order(5));
        assertEquals(InventoryState.NO_MOVEMENT, store.movement(5));
        store.putProduct(new Product(5, 2));
        store.putOrder(new Order(9, 1, OrderStatus.RESERVED, List.of(), 10, 77));
        assertEquals(new Product(5, 2), store.product(5));
        assertEquals(77, store.order(9).fingerprint());
    }

    @Test
    void sentinelValuesAreRefusedRatherThanStoredAsAbsence() {
        PrimitiveInventoryStore store = new PrimitiveInventoryStore();
        assertThrows(IllegalArgumentException.class, () -> store.putAvailable(1, 1, InventoryState.NO_POSITION));
        assertThrows(IllegalArgumentException.class, () -> store.putMovement(1, InventoryState.NO_MOVEMENT));
        assertThrows(IllegalArgumentException.class, () -> new PrimitiveInventoryStore(0));
    }
}
