package dev.purestock.domain;

import dev.purestock.domain.Command.ExpireReservations;
import dev.purestock.domain.Command.Purchase;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NextDue} says when a time command with a retention window forgets an order, which the time command's own
 * rule confirms to the millisecond, finds the oldest orders forgetting may take without walking the rest, and counts
 * the events that set an order's last change.
 */
class NextDueForgettingTest {
    private static final long WINDOW = 100;

    @Test
    void anOrderIsForgottenFromTheFirstTimeItsWindowHasPassedAndNotBefore() {
        MapInventoryStore store = stocked();
        apply(store, new Purchase(42, 7, 1, 0, 1), 1_000);
        long from = NextDue.forgottenFrom(1_000, WINDOW);

        assertEquals(1_000 + WINDOW + 1, from);
        assertEquals(List.of(), Inventory.decide(new ExpireReservations(WINDOW), from - 1, store));
        assertEquals(List.of(new Event.OrderForgotten(42)),
                Inventory.decide(new ExpireReservations(WINDOW), from, store));
    }

    @Test
    void aWindowOfLongMaxValueOrATimeBeyondWhatALongHoldsIsNever() {
        assertEquals(NextDue.NEVER, NextDue.forgottenFrom(0, Long.MAX_VALUE));
        assertEquals(NextDue.NEVER, NextDue.forgottenFrom(Long.MIN_VALUE, Long.MAX_VALUE));
        assertEquals(NextDue.NEVER, NextDue.forgottenFrom(Long.MAX_VALUE, 1));
        assertEquals(NextDue.NEVER, NextDue.forgottenFrom(Long.MAX_VALUE - 2, 1), "due at NEVER itself: never");
        assertEquals(Long.MAX_VALUE - 1, NextDue.forgottenFrom(Long.MAX_VALUE - 3, 1), "the last time that is due");
        assertEquals(NextDue.NEVER, NextDue.forgottenFrom(1, Long.MAX_VALUE - 1));
        assertEquals(Long.MAX_VALUE - 1, NextDue.forgottenFrom(-1, Long.MAX_VALUE - 1));
        assertEquals(Long.MIN_VALUE + 2, NextDue.forgottenFrom(Long.MIN_VALUE, 1), "a clock below zero");
        assertThrows(IllegalArgumentException.class, () -> NextDue.forgottenFrom(0, 0));
    }

    @Test
    void theOldestForgettableOrdersAreVisitedUpToTheCountAskedWithTheirLastChanges() {
        MapInventoryStore store = stocked();
        NextDue next = new NextDue();
        assertEquals(0, next.forgettable(store, 3));
        assertEquals(NextDue.NEVER, next.firstChangedAt());
        assertEquals(NextDue.NEVER, next.lastChangedAt());

        apply(store, new Purchase(1, 7, 1, 0, 1), 10);
        apply(store, new Command.Reserve(2, 7, List.of(new Line(1, 0, 1)), 5_000), 20);
        apply(store, new Purchase(3, 7, 1, 0, 1), 30);
        apply(store, new Purchase(4, 7, 1, 0, 1), 40);
        apply(store, new Command.CancelPurchase(1), 50);

        assertEquals(3, next.forgettable(store, 3), "the live reservation is not one of them");
        assertEquals(30, next.firstChangedAt());
        assertEquals(50, next.lastChangedAt(), "the cancel moved order 1 to the end");
        assertEquals(2, next.forgettable(store, 2));
        assertEquals(30, next.firstChangedAt());
        assertEquals(40, next.lastChangedAt(), "the second: the walk stopped there");
        assertEquals(3, next.forgettable(store, 10), "all there are");
        assertThrows(IllegalArgumentException.class, () -> next.forgettable(store, 0));
    }

    /**
     * In a state whose order of last changes is not their time order (built by hand or imported: the engine's clock
     * never goes back), the orders visited are all forgotten only once the latest of them is due, so that is the
     * time {@link NextDue#lastChangedAt} gives, not the last one's: a time command then forgets them all, and one
     * before forgets none, the first order holding the rest back.
     */
    @Test
    void theLatestChangeAmongTheOrdersVisitedIsGivenWhereTheyWereNotChangedInTimeOrder() {
        MapInventoryStore store = stocked();
        apply(store, new Purchase(1, 7, 1, 0, 1), 1_000);
        apply(store, new Purchase(2, 7, 1, 0, 1), 10);
        apply(store, new Purchase(3, 7, 1, 0, 1), 20);
        NextDue next = new NextDue();

        assertEquals(3, next.forgettable(store, 3));
        assertEquals(1_000, next.firstChangedAt());
        assertEquals(1_000, next.lastChangedAt(), "order 1 holds back the orders after it");
        long from = NextDue.forgottenFrom(next.lastChangedAt(), WINDOW);
        assertEquals(List.of(), Inventory.decide(new ExpireReservations(WINDOW), from - 1, store));
        assertEquals(List.of(new Event.OrderForgotten(1), new Event.OrderForgotten(2), new Event.OrderForgotten(3)),
                Inventory.decide(new ExpireReservations(WINDOW), from, store));
    }

    @Test
    void theEventsThatSetAnOrdersLastChangeAreCounted() {
        MapInventoryStore store = stocked();
        assertEquals(1, changesOf(store, new Purchase(1, 7, 1, 0, 1), 1));
        assertEquals(1, changesOf(store, new Command.CancelPurchase(1), 2));
        assertEquals(0, changesOf(store, new Command.Reserve(2, 7, List.of(new Line(1, 0, 1)), 100), 3),
                "a live reservation is not forgettable");
        assertEquals(1, changesOf(store, new Command.ConfirmReservation(2), 4));
        assertEquals(0, changesOf(store, new Purchase(3, 7, 1, 0, 100), 5), "rejected: no order");
        assertEquals(0, changesOf(store, new Command.ReceiveStock(2, 1, 0, 1), 6));
        assertEquals(2, changesOf(store, new Command.Batch(Command.Batch.Mode.ATOMIC, List.of(
                new Purchase(4, 7, 1, 0, 1), new Command.CancelPurchase(4))), 7), "created and changed: twice");
        apply(store, new Command.Reserve(5, 7, List.of(new Line(1, 0, 1)), 10), 8);
        apply(store, new Command.Reserve(6, 7, List.of(new Line(1, 0, 1)), 100), 8);
        assertEquals(1, changesOf(store, new Command.ReleaseReservation(6), 9));
        EventBuffer expired = new EventBuffer();
        Inventory.decide(new ExpireReservations(WINDOW), 10, store, expired);
        assertTrue(expired.size() > 0);
        assertEquals(1, NextDue.lastChangesIn(expired), "the reservation that expired");
    }

    private static int changesOf(MapInventoryStore store, Command command, long time) {
        EventBuffer events = new EventBuffer();
        Inventory.decide(command, time, store, events);
        Inventory.evolveAll(store, time, events);
        return NextDue.lastChangesIn(events);
    }

    /** A store selling sku 1 at warehouse 0, ten units received, at time 0. */
    private static MapInventoryStore stocked() {
        MapInventoryStore store = new MapInventoryStore();
        apply(store, new Command.ListProduct(1, 0), 0);
        apply(store, new Command.ReceiveStock(1, 1, 0, 10), 0);
        return store;
    }

    private static void apply(MapInventoryStore store, Command command, long time) {
        Inventory.evolveAll(store, time, Inventory.decide(command, time, store));
    }
}
