package dev.purestock.domain;

import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Command.ExpireReservations;
import dev.purestock.domain.Event.Rejected;
import dev.purestock.domain.Event.ReservationExpired;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventLimitTest {
    private static final long SKU = 7;
    private static final int WAREHOUSE = 1;
    private static final long EXPIRY = 100;
    private static final int BATCHES_OF_EXPIRIES = Limits.MAX_EVENTS_PER_COMMAND / Limits.MAX_EXPIRIES_PER_COMMAND;

    @Test
    void aBatchThatWouldProduceMoreThanTheMostEventsIsRejectedWholeAndChangesNothing() {
        MapInventoryStore store = storeWithDueReservations(Limits.MAX_EVENTS_PER_COMMAND + 1);
        long before = StateDigest.of(store);

        List<Event> events = Inventory.decide(expiries(BATCHES_OF_EXPIRIES + 1), EXPIRY, store);

        assertEquals(List.of(new Rejected(Reason.BATCH_TOO_LARGE, -1)), events);
        Inventory.evolveAll(store, EXPIRY, events);
        assertEquals(before, StateDigest.of(store));
    }

    @Test
    void aBatchThatProducesExactlyTheMostEventsIsDecided() {
        MapInventoryStore store = storeWithDueReservations(Limits.MAX_EVENTS_PER_COMMAND + 1);

        List<Event> events = Inventory.decide(expiries(BATCHES_OF_EXPIRIES), EXPIRY, store);

        assertEquals(Limits.MAX_EVENTS_PER_COMMAND, events.size());
        assertTrue(events.stream().allMatch(ReservationExpired.class::isInstance));
    }

    @Test
    void aBatchThatWouldProduceMoreThanTheMostLineChangesIsRejectedWholeAndChangesNothing() {
        MapInventoryStore store = storeWithDueManyLineReservations(Limits.MAX_EXPIRIES_PER_COMMAND + 1);
        long before = StateDigest.of(store);

        List<Event> events = Inventory.decide(expiries(2), EXPIRY, store);

        assertEquals(List.of(new Rejected(Reason.BATCH_TOO_LARGE, -1)), events);
        Inventory.evolveAll(store, EXPIRY, events);
        assertEquals(before, StateDigest.of(store));
    }

    @Test
    void aBatchThatProducesExactlyTheMostLineChangesIsDecided() {
        MapInventoryStore store = storeWithDueManyLineReservations(Limits.MAX_EXPIRIES_PER_COMMAND + 1);

        List<Event> events = Inventory.decide(expiries(1), EXPIRY, store);

        assertEquals(Limits.MAX_EXPIRIES_PER_COMMAND, events.size());
        assertEquals(Limits.MAX_LINE_CHANGES_PER_COMMAND, events.stream()
                .mapToInt(e -> ((ReservationExpired) e).lines().size()).sum());
    }

    /** Due reservations of {@link Limits#MAX_LINES} lines each, one unit of skus 1..64 at the warehouse. */
    private static MapInventoryStore storeWithDueManyLineReservations(int reservations) {
        MapInventoryStore store = new MapInventoryStore();
        List<Line> lines = new java.util.ArrayList<>();
        for (long sku = 1; sku <= Limits.MAX_LINES; sku++) {
            apply(store, new Command.ListProduct(sku, 0), 0);
            apply(store, new Command.ReceiveStock(sku, sku, WAREHOUSE, reservations), 0);
            lines.add(new Line(sku, WAREHOUSE, 1));
        }
        for (int order = 0; order < reservations; order++) {
            apply(store, new Command.Reserve(order, order, lines, EXPIRY), 0);
        }
        return store;
    }

    private static Batch expiries(int count) {
        return new Batch(Batch.Mode.INDEPENDENT, Collections.nCopies(count, new ExpireReservations()));
    }

    private static MapInventoryStore storeWithDueReservations(int reservations) {
        MapInventoryStore store = new MapInventoryStore();
        apply(store, new Command.ListProduct(SKU, 0), 0);
        apply(store, new Command.ReceiveStock(1, SKU, WAREHOUSE, reservations), 0);
        for (int order = 0; order < reservations; order++) {
            apply(store, new Command.Reserve(order, order, List.of(new Line(SKU, WAREHOUSE, 1)), EXPIRY), 0);
        }
        assertEquals(0, store.available(SKU, WAREHOUSE));
        return store;
    }

    private static void apply(MapInventoryStore store, Command command, long now) {
        List<Event> events = Inventory.decide(command, now, store);
        assertTrue(!Inventory.anyRejected(events), () -> command + " was rejected: " + events);
        Inventory.evolveAll(store, now, events);
    }
}
