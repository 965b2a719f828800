package dev.purestock.domain;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The reference {@link InventoryStore}: plain JDK maps, written for clarity rather than speed. Tests
 * use it as the model that faster stores are compared against (by {@link StateDigest}). Not thread-safe.
 */
public final class MapInventoryStore implements InventoryStore {
    private final Map<Long, Product> products = new HashMap<>();
    private final Map<StateKeys.Position, Long> positions = new HashMap<>();
    private final Map<StateKeys.CustomerSku, Long> customerUnits = new HashMap<>();
    private final Map<Long, Order> orders = new HashMap<>();
    /** Order id to the time of its last change, in the order of last changes (insertion order). */
    private final LinkedHashMap<Long, Long> lastChanges = new LinkedHashMap<>();
    private final Map<Long, Long> movements = new HashMap<>();
    private final TreeSet<StateKeys.Due> due = new TreeSet<>();
    private final HeldCommands held = new HeldCommands();

    @Override
    public Product product(long sku) {
        return products.get(sku);
    }

    @Override
    public long available(long sku, int warehouse) {
        return positions.getOrDefault(new StateKeys.Position(sku, warehouse), NO_POSITION);
    }

    @Override
    public long customerUnits(long customer, long sku) {
        return customerUnits.getOrDefault(new StateKeys.CustomerSku(customer, sku), 0L);
    }

    @Override
    public Order order(long orderId) {
        return orders.get(orderId);
    }

    @Override
    public long movement(long movementId) {
        return movements.getOrDefault(movementId, NO_MOVEMENT);
    }

    @Override
    public void forEachDue(long now, DueVisitor visitor) {
        for (StateKeys.Due d : due) {
            if (d.expiresAt() > now || !visitor.onDue(d.orderId(), d.expiresAt())) {
                return;
            }
        }
    }

    @Override
    public void forEachByLastChange(LastChangeVisitor visitor) {
        for (Map.Entry<Long, Long> entry : lastChanges.entrySet()) {
            if (!visitor.onOrder(entry.getKey(), entry.getValue())) {
                return;
            }
        }
    }

    @Override
    public void putProduct(Product product) {
        products.put(product.sku(), product);
    }

    @Override
    public void putAvailable(long sku, int warehouse, long available) {
        positions.put(new StateKeys.Position(sku, warehouse), available);
    }

    @Override
    public void putCustomerUnits(long customer, long sku, long units) {
        StateKeys.CustomerSku key = new StateKeys.CustomerSku(customer, sku);
        if (units == 0) {
            customerUnits.remove(key);
        } else {
            customerUnits.put(key, units);
        }
    }

    @Override
    public void putOrder(Order order) {
        orders.put(order.orderId(), order);
    }

    @Override
    public void putLastChange(long orderId, long changedAt) {
        requireOrder(orderId, "its last change cannot be recorded");
        lastChanges.remove(orderId);
        lastChanges.put(orderId, changedAt);
    }

    @Override
    public void forgetOrder(long orderId) {
        requireOrder(orderId, "it cannot be forgotten");
        orders.remove(orderId);
        lastChanges.remove(orderId);
    }

    private void requireOrder(long orderId, String consequence) {
        if (!orders.containsKey(orderId)) {
            throw new IllegalStateException("order " + orderId + " is not stored; " + consequence);
        }
    }

    @Override
    public void putMovement(long movementId, long fingerprint) {
        movements.put(movementId, fingerprint);
    }

    @Override
    public void scheduleExpiry(long orderId, long expiresAt) {
        due.add(new StateKeys.Due(expiresAt, orderId));
    }

    @Override
    public void unscheduleExpiry(long orderId, long expiresAt) {
        due.remove(new StateKeys.Due(expiresAt, orderId));
    }

    @Override
    public HeldCommand held(long holdId) {
        return held.get(holdId);
    }

    @Override
    public void forEachHeldDue(long now, HeldVisitor visitor) {
        held.forEachDue(now, visitor);
    }

    @Override
    public void putHeld(HeldCommand command) {
        held.put(command);
    }

    @Override
    public void removeHeld(long holdId) {
        held.remove(holdId);
    }

    @Override
    public void forEachHeld(Consumer<HeldCommand> visitor) {
        held.forEach(visitor);
    }

    @Override
    public void forEachProduct(Consumer<Product> visitor) {
        products.values().forEach(visitor);
    }

    @Override
    public void forEachPosition(PositionVisitor visitor) {
        positions.forEach((key, available) -> visitor.onPosition(key.sku(), key.warehouse(), available));
    }

    @Override
    public void forEachCustomerUnits(CustomerUnitsVisitor visitor) {
        customerUnits.forEach((key, units) -> visitor.onCustomerUnits(key.customer(), key.sku(), units));
    }

    @Override
    public void forEachOrder(Consumer<Order> visitor) {
        orders.values().forEach(visitor);
    }

    @Override
    public void forEachMovement(MovementVisitor visitor) {
        movements.forEach(visitor::onMovement);
    }
}
