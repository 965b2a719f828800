package dev.purestock.domain;

import dev.purestock.domain.Event.PurchaseCancelled;
import dev.purestock.domain.Event.ReservationConfirmed;
import dev.purestock.domain.Event.ReservationExpired;
import dev.purestock.domain.Event.ReservationReleased;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code evolve} holds no rules, but an event that ends or cancels an order the store does not hold (a record from
 * another history, applied by a replay or a standby) cannot be applied: it is refused with an error that names the
 * event and the order, as storing a status or a last change of such an order is, and before anything is written.
 */
class EvolveUnknownOrderTest {
    private static final LineChange LINE = new LineChange(7, 0, 2, 5, 0);

    @Test
    void anEventThatEndsOrCancelsAnOrderTheStoreDoesNotHoldIsRefusedNamingIt() {
        for (Event event : List.of(new PurchaseCancelled(42, List.of(LINE)), new ReservationConfirmed(42),
                new ReservationReleased(42, List.of(LINE)), new ReservationExpired(42, List.of(LINE)))) {
            MapInventoryStore store = stocked();
            long before = StateDigest.of(store);
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> Inventory.evolve(store, 1_000, event));
            String name = event.getClass().getSimpleName();
            assertTrue(refused.getMessage().contains("order 42") && refused.getMessage().contains(name),
                    refused.getMessage());
            assertEquals(before, StateDigest.of(store), "nothing of " + name + " was applied");

            EventBuffer buffer = new EventBuffer();
            buffer.write(event);
            IllegalStateException fromBuffer = assertThrows(IllegalStateException.class,
                    () -> Inventory.evolveAll(store, 1_000, buffer));
            assertEquals(refused.getMessage(), fromBuffer.getMessage());
            assertEquals(before, StateDigest.of(store), "nothing of " + name + " was applied from a buffer");
        }
    }

    private static MapInventoryStore stocked() {
        MapInventoryStore store = new MapInventoryStore();
        for (Command command : List.of(new Command.ListProduct(7, 0), new Command.ReceiveStock(1, 7, 0, 3))) {
            Inventory.evolveAll(store, 0, Inventory.decide(command, 0, store));
        }
        return store;
    }
}
