package dev.purestock.domain.testing;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Reason;
import dev.purestock.domain.StateDigest;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What one command did in a {@link Scenario}: its events, and the store after they were applied. Every
 * assertion returns the outcome, so they chain: {@code .thenRejected(OUT_OF_STOCK).thenAvailable(7, 0, 3)}.
 */
public final class Outcome {
    private final InventoryStore store;
    private final long now;
    private final Command command;
    private final List<Event> events;
    private final long digestBefore;
    private final long digestAfter;

    private Outcome(InventoryStore store, long now, Command command, List<Event> events, long digestBefore) {
        this.store = store;
        this.now = now;
        this.command = command;
        this.events = events;
        this.digestBefore = digestBefore;
        this.digestAfter = StateDigest.of(store);
    }

    static Outcome of(InventoryStore store, long now, Command command) {
        long before = StateDigest.of(store);
        List<Event> events = Inventory.decide(command, now, store);
        Inventory.evolveAll(store, now, events);
        return new Outcome(store, now, command, events, before);
    }

    /** The command produced exactly {@code expected}, in order. */
    public Outcome then(Event... expected) {
        assertEquals(List.of(expected), events, () -> "events of " + command + " at " + now);
        return this;
    }

    /**
     * The command was rejected as a whole for {@code reason} (a {@link Event.Rejected}, or a
     * {@link Event.BatchAborted} for an atomic batch) and the state did not change.
     */
    public Outcome thenRejected(Reason reason) {
        assertEquals(1, events.size(), () -> "one rejection expected from " + command + ", got " + events);
        Event.Rejection rejection = assertInstanceOf(Event.Rejection.class, events.get(0),
                () -> command + " was not rejected: " + events);
        assertEquals(reason, rejection.reason(), () -> "rejection reason of " + command);
        return thenNothingChanged();
    }

    /** The command was a repeat: it reported {@link Event.AlreadyApplied} for {@code id} and changed nothing. */
    public Outcome thenAlreadyApplied(long id) {
        then(new Event.AlreadyApplied(id));
        return thenNothingChanged();
    }

    /** The state's digest is what it was before the command. */
    public Outcome thenNothingChanged() {
        assertEquals(StateDigest.format(digestBefore), StateDigest.format(digestAfter),
                () -> command + " changed the state: " + events);
        return this;
    }

    /** The state's digest differs from what it was before the command. */
    public Outcome thenStateChanged() {
        assertTrue(digestBefore != digestAfter, () -> command + " left the state as it was: " + events);
        return this;
    }

    /** {@code units} are available of {@code sku} at {@code warehouse}. */
    public Outcome thenAvailable(long sku, int warehouse, long units) {
        assertEquals(units, store.available(sku, warehouse), () -> "available of sku " + sku + " at " + warehouse);
        return this;
    }

    /** {@code customer} holds {@code units} of {@code sku}. */
    public Outcome thenCustomerHolds(long customer, long sku, long units) {
        assertEquals(units, store.customerUnits(customer, sku),
                () -> "units of sku " + sku + " held by customer " + customer);
        return this;
    }

    /** The order {@code orderId} is in {@code status}. */
    public Outcome thenOrderIs(long orderId, OrderStatus status) {
        Order order = store.order(orderId);
        assertNotNull(order, () -> "order " + orderId + " is unknown");
        assertEquals(status, order.status(), () -> "status of order " + orderId);
        return this;
    }

    /** No order has the id {@code orderId}: it was never accepted, or it was forgotten. */
    public Outcome thenNoOrder(long orderId) {
        assertNull(store.order(orderId), () -> "order " + orderId + " is still known");
        return this;
    }

    /** Goes on from here: decides {@code next} at the same time. */
    public Outcome when(Command next) {
        return Outcome.of(store, now, next);
    }

    /** Goes on from here at {@code time}. */
    public Scenario at(long time) {
        return Scenario.continuing(store, time);
    }

    /** The events the command produced. */
    public List<Event> events() {
        return events;
    }

    /** The store after the command. */
    public InventoryStore store() {
        return store;
    }
}
