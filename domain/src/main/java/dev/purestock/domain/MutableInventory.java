package dev.purestock.domain;

import java.util.List;

/**
 * The mutable side of the state port: what {@link Inventory#evolve} writes through. Implementations hold
 * no rules; they store what they are told.
 */
public interface MutableInventory extends InventoryState {

    /** Lists or relists a product. */
    void putProduct(Product product);

    /** Sets the units available at a position, creating the position if new. */
    void putAvailable(long sku, int warehouse, long available);

    /** Sets a customer's units of a sku; {@code 0} forgets the entry. */
    void putCustomerUnits(long customer, long sku, long units);

    /** Stores an order or reservation, replacing any with the same id. */
    void putOrder(Order order);

    /**
     * Stores an order or reservation from its fields, replacing any with the same id: the row-level form of
     * {@link #putOrder(Order)}, which builds no record where the store keeps orders in columns. {@code lines} is
     * valid only during the call. The default builds the record.
     */
    default void putOrder(long orderId, long customer, OrderStatus status, OrderLines lines, long expiresAt,
                          long fingerprint) {
        Line[] copied = new Line[lines.count()];
        for (int i = 0; i < copied.length; i++) {
            copied[i] = new Line(lines.sku(i), lines.warehouse(i), lines.quantity(i));
        }
        putOrder(new Order(orderId, customer, status, List.of(copied), expiresAt, fingerprint));
    }

    /**
     * Changes the status of a stored order, leaving the rest of it as it is. The default reads the order and
     * stores it again.
     *
     * @throws IllegalStateException when no order has that id
     */
    default void putOrderStatus(long orderId, OrderStatus status) {
        Order order = order(orderId);
        if (order == null) {
            throw new IllegalStateException("order " + orderId + " is not stored; its status cannot become " + status);
        }
        putOrder(order.withStatus(status));
    }

    /**
     * Records that the stored order {@code orderId} changed at {@code changedAt}: it moves to the end of the
     * order of last changes that {@link #forEachByLastChange} visits, with that time. Only orders that are not
     * live reservations are recorded; a reservation is recorded when it ends.
     *
     * @throws IllegalStateException when no order has that id
     */
    void putLastChange(long orderId, long changedAt);

    /**
     * Forgets the stored order {@code orderId}: its id, its lines and its place in the order of last changes.
     * Afterwards {@link #order} answers {@code null} for the id, as for one never stored.
     *
     * @throws IllegalStateException when no order has that id
     */
    void forgetOrder(long orderId);

    /** Records that a stock movement was applied, with its fingerprint. */
    void putMovement(long movementId, long fingerprint);

    /** Makes a reservation due at {@code expiresAt}. */
    void scheduleExpiry(long orderId, long expiresAt);

    /** Removes a reservation from the due index. */
    void unscheduleExpiry(long orderId, long expiresAt);

    /** Holds a command for later, replacing any held under the same id. */
    void putHeld(HeldCommand held);

    /**
     * Stops holding the command held under {@code holdId}: it was decided, or cancelled.
     *
     * @throws IllegalStateException when none is held under that id
     */
    void removeHeld(long holdId);
}
