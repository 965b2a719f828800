package dev.purestock.domain;

import java.util.function.Consumer;

/**
 * A whole inventory state that can also be walked: what the engine keeps, what {@link StateDigest}
 * hashes and what a snapshot writes. Visiting order is unspecified, except for the order of last changes
 * ({@link #forEachByLastChange}), which is state in itself: a copy replays it in its order, after the orders,
 * through {@link #putLastChange}.
 */
public interface InventoryStore extends MutableInventory {

    /** Visits every listed product, in no particular order. */
    void forEachProduct(Consumer<Product> visitor);

    /** Visits every stock position, in no particular order. */
    void forEachPosition(PositionVisitor visitor);

    /**
     * Visits every listed product and every stock position, as {@link #forEachProduct} and {@link #forEachPosition}
     * do one after the other (the default), or interleaved in no particular order: a store that keeps a sku's
     * product beside its positions walks them once instead of twice, which is most of a snapshot's write.
     */
    default void forEachProductAndPosition(Consumer<Product> products, PositionVisitor positions) {
        forEachProduct(products);
        forEachPosition(positions);
    }

    /** Visits every non-zero customer count, in no particular order. */
    void forEachCustomerUnits(CustomerUnitsVisitor visitor);

    /** Visits every order, in no particular order. */
    void forEachOrder(Consumer<Order> visitor);

    /** Visits every applied stock movement, in no particular order. */
    void forEachMovement(MovementVisitor visitor);

    /** Visits every command held for later, by its time and then its hold id. */
    void forEachHeld(Consumer<HeldCommand> visitor);

    /**
     * Visits every order as its fields, in no particular order: what a snapshot writes, without an {@link Order}
     * record per order where the store keeps orders as fields. The default builds the records and reads them.
     */
    default void forEachOrderFields(OrderVisitor visitor) {
        ListedLines lines = new ListedLines();
        forEachOrder(order -> visitor.onOrder(order.orderId(), order.customer(), order.status(),
                lines.of(order.lines()), order.expiresAt(), order.fingerprint()));
    }

    /**
     * Copies this whole state into {@code target} (an empty store) through the store port only, the way a
     * snapshot is loaded: every entry (held commands included), the due index rebuilt from the live
     * reservations, and the order of last changes in its order, so the copy forgets and expires exactly as this
     * store would.
     *
     * @return {@code target}
     */
    default <S extends MutableInventory> S copyInto(S target) {
        forEachProductAndPosition(target::putProduct, target::putAvailable);
        forEachCustomerUnits(target::putCustomerUnits);
        forEachOrderFields((orderId, customer, status, lines, expiresAt, fingerprint) -> {
            target.putOrder(orderId, customer, status, lines, expiresAt, fingerprint);
            if (status == OrderStatus.RESERVED) {
                target.scheduleExpiry(orderId, expiresAt);
            }
        });
        forEachMovement(target::putMovement);
        forEachHeld(target::putHeld);
        forEachByLastChange((orderId, changedAt) -> {
            target.putLastChange(orderId, changedAt);
            return true;
        });
        return target;
    }

    /** Receives stock positions. */
    @FunctionalInterface
    interface PositionVisitor {
        /** One position. */
        void onPosition(long sku, int warehouse, long available);
    }

    /** Receives customer counts. */
    @FunctionalInterface
    interface CustomerUnitsVisitor {
        /** One count. */
        void onCustomerUnits(long customer, long sku, long units);
    }

    /** Receives orders as fields, in the argument order of {@link MutableInventory#putOrder(long, long,
     * OrderStatus, OrderLines, long, long)}. */
    @FunctionalInterface
    interface OrderVisitor {
        /** One order; {@code lines} is valid only during the call. */
        void onOrder(long orderId, long customer, OrderStatus status, OrderLines lines, long expiresAt,
                     long fingerprint);
    }

    /** Receives stock movements. */
    @FunctionalInterface
    interface MovementVisitor {
        /** One movement. */
        void onMovement(long movementId, long fingerprint);
    }
}
