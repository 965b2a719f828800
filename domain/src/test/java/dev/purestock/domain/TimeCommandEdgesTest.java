package dev.purestock.domain;

import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Command.ExpireReservations;
import dev.purestock.domain.Command.Hold;
import dev.purestock.domain.Command.PlaceOrder;
import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Command.Reserve;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The time command at its edges: a held command due at the time of the last expiry of a cut list waits for the
 * expiries left out at that time; expiries after held commands stay within a decision's limits, and a held command
 * that would pass them stops the command before the expiries due after it; a reservation due at
 * {@code Long.MAX_VALUE} expires at that time, and a command held until then is decided then.
 */
class TimeCommandEdgesTest {

    private static void apply(InventoryStore store, Command command, long now) {
        List<Event> events = Inventory.decide(command, now, store);
        assertFalse(Inventory.anyRejected(events), () -> command + " was rejected: " + events);
        Inventory.evolveAll(store, now, events);
    }

    /**
     * A reservation due at the same time as a held command expires first, and one time command expires at most
     * 1,024: with 1,025 due at {@code t}, the one left out (the largest order id) expires in the next time command
     * before the hold due at {@code t} is decided, so the held purchase finds the stock it gave back.
     */
    @Test
    void aHoldDueAtTheTimeOfTheCutOffExpiriesIsNotDecidedBeforeTheReservationsLeftOut() {
        long a = 1;
        long b = 2;
        long t = 100;
        MapInventoryStore store = new MapInventoryStore();
        apply(store, new Command.ListProduct(a, 0), 0);
        apply(store, new Command.ListProduct(b, 0), 0);
        apply(store, new Command.ReceiveStock(1, a, 0, Limits.MAX_EXPIRIES_PER_COMMAND), 0);
        apply(store, new Command.ReceiveStock(2, b, 0, 1), 0);
        for (int order = 0; order < Limits.MAX_EXPIRIES_PER_COMMAND; order++) {
            apply(store, new Reserve(order, 10, List.of(new Line(a, 0, 1)), t), 0);
        }
        // the 1,025th due reservation, by (expiry, order id): the last unit of sku b
        apply(store, new Reserve(5_000, 11, List.of(new Line(b, 0, 1)), t), 0);
        apply(store, new Hold(1, t, new Purchase(9_000, 12, b, 0, 1)), 0);

        List<Event> events = Inventory.decide(new ExpireReservations(), t, store);
        Inventory.evolveAll(store, t, events);
        List<Event> next = Inventory.decide(new ExpireReservations(), t, store);
        Inventory.evolveAll(store, t, next);

        List<Event> all = new ArrayList<>(events);
        all.addAll(next);
        List<ReleasedHold> released = ReleasedHold.in(all);
        assertEquals(1, released.size());
        assertTrue(released.get(0).accepted(),
                () -> "reservation 5000 (due at " + t + ") should have expired before the hold at " + t
                        + ", but the purchase was decided first: " + released.get(0).events());
    }

    /**
     * A held command's events may take a time command near its limits; an expiry due after it that would go past
     * them waits for the next time command, which expires it.
     */
    @Test
    void anExpiryAfterAHeldCommandThatWouldPassTheLimitsWaitsForTheNextTimeCommand() {
        MapInventoryStore store = new MapInventoryStore();
        List<Line> lines = new ArrayList<>();
        for (int warehouse = 0; warehouse < Limits.MAX_LINES; warehouse++) {
            lines.add(new Line(1, warehouse, 1));
        }
        apply(store, Command.ListProduct.uncounted(1), 0);
        for (int warehouse = 0; warehouse < Limits.MAX_LINES; warehouse++) {
            apply(store, new Command.ReceiveStock(warehouse + 1, 1, warehouse, Limits.MAX_BATCH_COMMANDS + 1), 0);
        }
        apply(store, new Reserve(1, 1, List.of(new Line(1, 0, 1)), 20), 0);
        List<Command> orders = new ArrayList<>();
        for (int order = 0; order < Limits.MAX_BATCH_COMMANDS; order++) {
            orders.add(new PlaceOrder(100 + order, 2, lines));
        }
        apply(store, new Hold(1, 10, new Batch(Batch.Mode.ATOMIC, orders)), 0);

        EventBuffer out = new EventBuffer();
        Inventory.decide(new ExpireReservations(), 30, store, out);

        assertTrue(out.lineCount() <= Limits.MAX_LINE_CHANGES_PER_COMMAND,
                () -> "one time command produced " + out.lineCount() + " line changes, more than "
                        + Limits.MAX_LINE_CHANGES_PER_COMMAND);
        List<Event> first = out.toEvents();
        assertEquals(1, ReleasedHold.in(first).size(), "the held batch was decided");
        assertFalse(expires(first, 1), "the expiry waits");
        Inventory.evolveAll(store, 30, first);

        List<Event> next = Inventory.decide(new ExpireReservations(), 30, store);

        assertTrue(expires(next, 1), () -> "expired next: " + next);
    }

    private static boolean expires(List<Event> events, long orderId) {
        return events.stream().anyMatch(event -> event instanceof Event.ReservationExpired expired
                && expired.orderId() == orderId);
    }

    /** A hold's id is checked first: under an id that holds another command, even an unholdable one is a reuse. */
    @Test
    void aHoldUnderAHeldIdIsCheckedForItsIdFirst() {
        MapInventoryStore store = new MapInventoryStore();
        apply(store, new Hold(1, 10, new Command.CancelPurchase(5)), 0);

        List<Event> events = Inventory.decide(new Hold(1, 10, new ExpireReservations()), 0, store);

        assertEquals(List.of(new Event.Rejected(Reason.ID_REUSED, 1)), events);
    }

    /** A reservation due at {@code Long.MAX_VALUE} expires at that time, as any other at its own. */
    @Test
    void aReservationDueAtLongMaxValueExpiresAtThatTime() {
        MapInventoryStore store = new MapInventoryStore();
        apply(store, new Command.ListProduct(1, 0), 0);
        apply(store, new Command.ReceiveStock(1, 1, 0, 1), 0);
        apply(store, new Reserve(5, 1, List.of(new Line(1, 0, 1)), Long.MAX_VALUE), 0);

        List<Event> events = Inventory.decide(new ExpireReservations(Long.MAX_VALUE), Long.MAX_VALUE, store);

        assertEquals(1, events.size(), () -> "due at Long.MAX_VALUE, not expired: " + events);
    }

    /**
     * A command held until {@code Long.MAX_VALUE} is decided by a time command at that time, as any other at its own;
     * {@link NextDue} reports it, and a reservation due then, as {@link NextDue#NEVER}, which is the same value.
     */
    @Test
    void aCommandHeldUntilLongMaxValueIsDecidedAtThatTimeAndNextDueNamesItNever() {
        MapInventoryStore store = new MapInventoryStore();
        apply(store, new Command.ListProduct(1, 0), 0);
        apply(store, new Command.ReceiveStock(1, 1, 0, 2), 0);
        apply(store, new Reserve(5, 1, List.of(new Line(1, 0, 1)), Long.MAX_VALUE), 0);
        Purchase purchase = new Purchase(6, 1, 1, 0, 1);
        apply(store, new Hold(1, Long.MAX_VALUE, purchase), 0);
        assertEquals(NextDue.NEVER, new NextDue().of(store));

        assertEquals(List.of(), Inventory.decide(new ExpireReservations(Long.MAX_VALUE), Long.MAX_VALUE - 1, store));
        List<Event> events = Inventory.decide(new ExpireReservations(Long.MAX_VALUE), Long.MAX_VALUE, store);

        assertEquals(List.of(Event.ReservationExpired.class, Event.HoldReleased.class, Event.PurchaseAccepted.class),
                events.stream().map(Object::getClass).toList(), events::toString);
        assertEquals(new Event.HoldReleased(1), events.get(1));
    }

    /**
     * A time command that found a held command due may stop before an expiry although it expired fewer than 1,024
     * reservations and decided no held command: 1,000 reservations of 64 lines expire first, the held batch due after
     * them would take the command past {@link Limits#MAX_LINE_CHANGES_PER_COMMAND}, so it stops there, and the
     * reservation due after the hold stays live until the next time command, which decides the hold and expires it.
     */
    @Test
    void aHeldCommandPastTheLimitsStopsTheTimeCommandBeforeTheExpiriesDueAfterIt() {
        MapInventoryStore store = new MapInventoryStore();
        List<Line> lines = new ArrayList<>();
        for (int sku = 0; sku < Limits.MAX_LINES; sku++) {
            apply(store, new Command.ListProduct(sku, 0), 0);
            apply(store, new Command.ReceiveStock(sku, sku, 0, 100_000), 0);
            lines.add(new Line(sku, 0, 1));
        }
        for (long order = 0; order < 1_000; order++) {
            apply(store, new Reserve(order, 1, lines, 10), 0);
        }
        List<Command> orders = new ArrayList<>();
        for (long order = 0; order < 25; order++) {
            orders.add(new PlaceOrder(5_000 + order, 2, lines));
        }
        apply(store, new Hold(1, 11, new Batch(Batch.Mode.ATOMIC, orders)), 0);
        apply(store, new Reserve(9_999, 3, List.of(new Line(0, 0, 1)), 12), 0);

        List<Event> events = Inventory.decide(new ExpireReservations(), 20, store);
        Inventory.evolveAll(store, 20, events);
        assertEquals(1_000, events.size(), "the expiries due before the hold, and nothing after them");
        assertTrue(events.stream().allMatch(Event.ReservationExpired.class::isInstance), events::toString);
        assertEquals(OrderStatus.RESERVED, store.orderStatus(9_999));
        assertEquals(11, new NextDue().of(store), "the hold is still due, and the reservation after it");

        List<Event> next = Inventory.decide(new ExpireReservations(), 20, store);
        Inventory.evolveAll(store, 20, next);
        assertEquals(new Event.HoldReleased(1), next.get(0));
        assertEquals(OrderStatus.EXPIRED, store.orderStatus(9_999));
    }
}
