package dev.purestock.domain;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class StateDigestTest {
    private static final int ENTRIES = 500;

    /** Fills a store with a fixed state: {@code ENTRIES} of every kind, written in the order given. */
    private static MapInventoryStore build(boolean reversed, Consumer<MutableInventory> lastTouch) {
        List<Consumer<MutableInventory>> writes = new ArrayList<>();
        for (int i = 0; i < ENTRIES; i++) {
            long n = i;
            writes.add(s -> s.putProduct(new Product(n, n % 3)));
            writes.add(s -> s.putAvailable(n, (int) (n % 4), 100 + n));
            writes.add(s -> s.putCustomerUnits(n % 17, n, 1 + n % 5));
            writes.add(s -> s.putOrder(new Order(n, n % 17, OrderStatus.PURCHASED,
                    List.of(new Line(n, (int) (n % 4), 1 + n % 5)), 0, 1000 + n)));
            writes.add(s -> s.putMovement(n, 5000 + n));
        }
        if (reversed) {
            Collections.reverse(writes);
        }
        MapInventoryStore store = new MapInventoryStore();
        writes.forEach(write -> write.accept(store));
        lastTouch.accept(store);
        return store;
    }

    private static long digest(Consumer<MutableInventory> lastTouch) {
        return StateDigest.of(build(false, lastTouch));
    }

    @Test
    void theSameStateWrittenInAnotherOrderHasTheSameDigest() {
        assertEquals(StateDigest.of(build(false, s -> { })), StateDigest.of(build(true, s -> { })));
    }

    @Test
    void oneUnitMoreOrLessAnywhereChangesTheDigest() {
        long base = digest(s -> { });
        assertNotEquals(base, digest(s -> s.putAvailable(3, 3, 104)), "one more unit available");
        assertNotEquals(base, digest(s -> s.putAvailable(3, 3, 102)), "one unit fewer available");
        assertNotEquals(base, digest(s -> s.putAvailable(3, 2, 103)), "a new position");
        assertNotEquals(base, digest(s -> s.putCustomerUnits(3, 3, 5)), "one more unit held by a customer");
        assertNotEquals(base, digest(s -> s.putProduct(new Product(3, 1))), "another per-customer limit");
        assertNotEquals(base, digest(s -> s.putMovement(3, 5004)), "another movement fingerprint");
        assertNotEquals(base, digest(s -> s.putOrder(s.order(3).withStatus(OrderStatus.CANCELLED))),
                "another order status");
        assertNotEquals(base, digest(s -> s.putOrder(new Order(3, 3, OrderStatus.PURCHASED,
                List.of(new Line(3, 3, 5)), 0, 1003))), "one more unit on an order line");
    }

    @Test
    void swappingTwoValuesBetweenEntriesChangesTheDigest() {
        long base = digest(s -> { });
        long swapped = digest(s -> {
            s.putAvailable(1, 1, 102);
            s.putAvailable(2, 2, 101);
        });
        assertNotEquals(base, swapped);
    }

    @Test
    void aCustomerCountOfZeroIsNoEntry() {
        MapInventoryStore store = new MapInventoryStore();
        long empty = StateDigest.of(store);
        store.putCustomerUnits(1, 7, 3);
        assertNotEquals(empty, StateDigest.of(store));
        store.putCustomerUnits(1, 7, 0);
        assertEquals(empty, StateDigest.of(store));
    }

    @Test
    void theDigestPrintsAsSixteenHexDigits() {
        assertEquals("00000000000000ff", StateDigest.format(255));
        assertEquals("ffffffffffffffff", StateDigest.format(-1));
    }
}
