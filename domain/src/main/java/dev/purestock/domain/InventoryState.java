package dev.purestock.domain;

/**
 * The port through which {@link Inventory#decide} reads state. It answers point questions only, so an
 * implementation can hold millions of skus and orders in whatever maps suit it.
 */
public interface InventoryState {
    /** What {@link #available} answers for a sku that never received stock at a warehouse. */
    long NO_POSITION = -1;
    /** What {@link #movement} answers for an id never applied. Fingerprints are never this value. */
    long NO_MOVEMENT = 0;
    /** What {@link #perCustomerLimit} answers for a sku that is not listed. */
    long NOT_LISTED = -1;
    /** What {@link #perCustomerLimit} answers for a product that counts no customers (and so has no limit). */
    long NOT_COUNTED = -2;

    /** The listed product, or {@code null} when {@code sku} is not listed. */
    Product product(long sku);

    /**
     * The listed product's per-customer limit ({@code 0}: no limit), {@link #NOT_COUNTED} when it counts no
     * customers, or {@link #NOT_LISTED}: what {@link #product} says, read without a record. {@link Inventory#decide}
     * asks this on every purchase, so a store that keeps its catalog in primitive form answers it without building
     * a {@link Product}.
     */
    default long perCustomerLimit(long sku) {
        Product product = product(sku);
        return product == null ? NOT_LISTED : product.limitOrNotCounted();
    }

    /** Units of {@code sku} available at {@code warehouse}, or {@link #NO_POSITION}. */
    long available(long sku, int warehouse);

    /** Units of {@code sku} that {@code customer} holds through live purchases and reservations. */
    long customerUnits(long customer, long sku);

    /** The order or reservation with that id, or {@code null}. */
    Order order(long orderId);

    /**
     * The status of the order or reservation with that id, or {@code null} when none is stored: what {@link #order}
     * says, read without a record. {@link Inventory#decide} reads an order through this and the reads below, which
     * answer for a stored order only, so a store that keeps its orders in primitive form answers a confirm, release,
     * cancel or expiry without building an {@link Order}. The defaults read {@link #order}.
     */
    default OrderStatus orderStatus(long orderId) {
        Order order = order(orderId);
        return order == null ? null : order.status();
    }

    /**
     * The customer of the stored order {@code orderId}.
     *
     * @throws IllegalStateException when no order has that id
     */
    default long orderCustomer(long orderId) {
        return storedOrder(orderId).customer();
    }

    /**
     * When the stored reservation {@code orderId} expires (meaningful for reservations only).
     *
     * @throws IllegalStateException when no order has that id
     */
    default long orderExpiresAt(long orderId) {
        return storedOrder(orderId).expiresAt();
    }

    /**
     * The fingerprint of the command that created the stored order {@code orderId}.
     *
     * @throws IllegalStateException when no order has that id
     */
    default long orderFingerprint(long orderId) {
        return storedOrder(orderId).fingerprint();
    }

    /**
     * The lines of the stored order {@code orderId}, as fields: a view that the state may reuse, valid until the next
     * call of this method on it.
     *
     * @throws IllegalStateException when no order has that id
     */
    default OrderLines orderLines(long orderId) {
        return new ListedLines().of(storedOrder(orderId).lines());
    }

    private Order storedOrder(long orderId) {
        Order order = order(orderId);
        if (order == null) {
            throw new IllegalStateException("order " + orderId + " is not stored");
        }
        return order;
    }

    /** The fingerprint of the stock movement with that id, or {@link #NO_MOVEMENT}. */
    long movement(long movementId);

    /**
     * Visits live reservations whose expiry is at or before {@code now}, ordered by expiry and then by
     * order id, until the visitor returns {@code false}.
     */
    void forEachDue(long now, DueVisitor visitor);

    /**
     * Visits the orders that forgetting may take, in the order of their last changes (oldest first), each with
     * the time of its last change, until the visitor returns {@code false}: every stored order except live
     * reservations (reserved, not yet confirmed, released or expired), which are never forgotten. An order's
     * last change is the latest event that created or changed it ({@link Event.PurchaseAccepted},
     * {@link Event.ReservationConfirmed}, {@link Event.ReservationReleased}, {@link Event.ReservationExpired},
     * {@link Event.PurchaseCancelled}); a change moves it to the end.
     */
    void forEachByLastChange(LastChangeVisitor visitor);

    /** The command held under {@code holdId} ({@link Command.Hold}), or {@code null} when none is. */
    HeldCommand held(long holdId);

    /**
     * Visits the held commands due at or before {@code now}, ordered by their time and then by hold id, until the
     * visitor returns {@code false}.
     */
    void forEachHeldDue(long now, HeldVisitor visitor);

    /** Receives held commands from {@link #forEachHeldDue}. */
    @FunctionalInterface
    interface HeldVisitor {
        /**
         * Called for each due held command.
         *
         * @return {@code true} to go on, {@code false} to stop
         */
        boolean onHeld(HeldCommand held);
    }

    /** Receives orders from {@link #forEachByLastChange}. */
    @FunctionalInterface
    interface LastChangeVisitor {
        /**
         * Called for each order, in the order of last changes.
         *
         * @return {@code true} to go on, {@code false} to stop
         */
        boolean onOrder(long orderId, long changedAt);
    }

    /** Receives due reservations from {@link #forEachDue}. */
    @FunctionalInterface
    interface DueVisitor {
        /**
         * Called for each due reservation.
         *
         * @return {@code true} to go on, {@code false} to stop
         */
        boolean onDue(long orderId, long expiresAt);
    }
}
