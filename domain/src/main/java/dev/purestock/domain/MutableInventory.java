package dev.purestock.domain;

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

    /** Records that a stock movement was applied, with its fingerprint. */
    void putMovement(long movementId, long fingerprint);

    /** Makes a reservation due at {@code expiresAt}. */
    void scheduleExpiry(long orderId, long expiresAt);

    /** Removes a reservation from the due index. */
    void unscheduleExpiry(long orderId, long expiresAt);
}
