package dev.purestock.engine;

import dev.purestock.domain.HeldCommand;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderLines;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Product;

import java.util.function.Consumer;

/** A store that forwards to a {@link PrimitiveInventoryStore}; tests override one method to inject a fault. */
class DelegatingStore implements InventoryStore {
    private final PrimitiveInventoryStore target = new PrimitiveInventoryStore();

    @Override
    public Product product(long sku) {
        return target.product(sku);
    }

    @Override
    public long available(long sku, int warehouse) {
        return target.available(sku, warehouse);
    }

    @Override
    public long customerUnits(long customer, long sku) {
        return target.customerUnits(customer, sku);
    }

    @Override
    public Order order(long orderId) {
        return target.order(orderId);
    }

    @Override
    public long movement(long movementId) {
        return target.movement(movementId);
    }

    @Override
    public void forEachDue(long now, DueVisitor visitor) {
        target.forEachDue(now, visitor);
    }

    @Override
    public void putProduct(Product product) {
        target.putProduct(product);
    }

    @Override
    public void putAvailable(long sku, int warehouse, long available) {
        target.putAvailable(sku, warehouse, available);
    }

    @Override
    public void putCustomerUnits(long customer, long sku, long units) {
        target.putCustomerUnits(customer, sku, units);
    }

    @Override
    public void putOrder(Order order) {
        target.putOrder(order);
    }

    @Override
    public void putOrder(long orderId, long customer, OrderStatus status, OrderLines lines, long expiresAt,
                         long fingerprint) {
        target.putOrder(orderId, customer, status, lines, expiresAt, fingerprint);
    }

    @Override
    public void putOrderStatus(long orderId, OrderStatus status) {
        target.putOrderStatus(orderId, status);
    }

    @Override
    public void putMovement(long movementId, long fingerprint) {
        target.putMovement(movementId, fingerprint);
    }

    @Override
    public void scheduleExpiry(long orderId, long expiresAt) {
        target.scheduleExpiry(orderId, expiresAt);
    }

    @Override
    public void unscheduleExpiry(long orderId, long expiresAt) {
        target.unscheduleExpiry(orderId, expiresAt);
    }

    @Override
    public void forEachByLastChange(LastChangeVisitor visitor) {
        target.forEachByLastChange(visitor);
    }

    @Override
    public void putLastChange(long orderId, long changedAt) {
        target.putLastChange(orderId, changedAt);
    }

    @Override
    public void forgetOrder(long orderId) {
        target.forgetOrder(orderId);
    }

    @Override
    public void forEachProduct(Consumer<Product> visitor) {
        target.forEachProduct(visitor);
    }

    @Override
    public void forEachPosition(PositionVisitor visitor) {
        target.forEachPosition(visitor);
    }

    @Override
    public void forEachCustomerUnits(CustomerUnitsVisitor visitor) {
        target.forEachCustomerUnits(visitor);
    }

    @Override
    public void forEachOrder(Consumer<Order> visitor) {
        target.forEachOrder(visitor);
    }

    @Override
    public void forEachMovement(MovementVisitor visitor) {
        target.forEachMovement(visitor);
    }

    @Override
    public HeldCommand held(long holdId) {
        return target.held(holdId);
    }

    @Override
    public void forEachHeldDue(long now, HeldVisitor visitor) {
        target.forEachHeldDue(now, visitor);
    }

    @Override
    public void putHeld(HeldCommand held) {
        target.putHeld(held);
    }

    @Override
    public void removeHeld(long holdId) {
        target.removeHeld(holdId);
    }

    @Override
    public void forEachHeld(Consumer<HeldCommand> visitor) {
        target.forEachHeld(visitor);
    }
}
