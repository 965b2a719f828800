package dev.purestock.domain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A scratch layer over a state that {@link Inventory#decide} evolves while it decides a batch or an
 * expiry, so that each member sees what the earlier ones did. It lives for one decision and is thrown
 * away; the state beneath is never written.
 */
final class PendingState implements MutableInventory {
    private final InventoryState base;
    private final Map<Long, Product> products = new HashMap<>();
    private final Map<StateKeys.Position, Long> positions = new HashMap<>();
    private final Map<StateKeys.CustomerSku, Long> customerUnits = new HashMap<>();
    private final Map<Long, Order> orders = new HashMap<>();
    /** Orders of the base forgotten here; {@link #orders} holds any stored again since. */
    private final Set<Long> forgotten = new HashSet<>();
    /** Last changes recorded here, in their order; they come after every last change of the base. */
    private final LinkedHashMap<Long, Long> lastChanges = new LinkedHashMap<>();
    /** Orders whose place in the base's order of last changes no longer holds: changed or forgotten here. */
    private final Set<Long> leftBaseOrder = new HashSet<>();
    private final Map<Long, Long> movements = new HashMap<>();
    private final TreeSet<StateKeys.Due> scheduled = new TreeSet<>();
    /** Commands held here; a {@code null} value is a hold of the base removed here. */
    private final Map<Long, HeldCommand> held = new HashMap<>();

    PendingState(InventoryState base) {
        this.base = base;
    }

    @Override
    public Product product(long sku) {
        Product product = products.get(sku);
        return product != null ? product : base.product(sku);
    }

    @Override
    public long perCustomerLimit(long sku) {
        Product product = products.get(sku);
        return product != null ? product.limitOrNotCounted() : base.perCustomerLimit(sku);
    }

    @Override
    public long available(long sku, int warehouse) {
        Long available = positions.get(new StateKeys.Position(sku, warehouse));
        return available != null ? available : base.available(sku, warehouse);
    }

    @Override
    public long customerUnits(long customer, long sku) {
        Long units = customerUnits.get(new StateKeys.CustomerSku(customer, sku));
        return units != null ? units : base.customerUnits(customer, sku);
    }

    @Override
    public Order order(long orderId) {
        Order order = orders.get(orderId);
        if (order != null || forgotten.contains(orderId)) {
            return order;
        }
        return base.order(orderId);
    }

    @Override
    public long movement(long movementId) {
        Long fingerprint = movements.get(movementId);
        return fingerprint != null ? fingerprint : base.movement(movementId);
    }

    @Override
    public void forEachDue(long now, DueVisitor visitor) {
        TreeSet<StateKeys.Due> due = new TreeSet<>();
        List<StateKeys.Due> fromBase = new ArrayList<>();
        base.forEachDue(now, (orderId, expiresAt) -> {
            fromBase.add(new StateKeys.Due(expiresAt, orderId));
            return fromBase.size() <= Limits.MAX_EXPIRIES_PER_COMMAND + orders.size();
        });
        for (StateKeys.Due d : fromBase) {
            if (live(d.orderId())) {
                due.add(d);
            }
        }
        for (StateKeys.Due d : scheduled) {
            if (d.expiresAt() <= now && live(d.orderId())) {
                due.add(d);
            }
        }
        for (StateKeys.Due d : due) {
            if (!visitor.onDue(d.orderId(), d.expiresAt())) {
                return;
            }
        }
    }

    private boolean live(long orderId) {
        Order order = order(orderId);
        return order != null && order.status() == OrderStatus.RESERVED;
    }

    @Override
    public void forEachByLastChange(LastChangeVisitor visitor) {
        boolean[] goOn = {true};
        base.forEachByLastChange((orderId, changedAt) -> {
            if (leftBaseOrder.contains(orderId)) {
                return true;
            }
            goOn[0] = visitor.onOrder(orderId, changedAt);
            return goOn[0];
        });
        if (!goOn[0]) {
            return;
        }
        for (Map.Entry<Long, Long> entry : lastChanges.entrySet()) {
            if (!visitor.onOrder(entry.getKey(), entry.getValue())) {
                return;
            }
        }
    }

    @Override
    public HeldCommand held(long holdId) {
        if (held.containsKey(holdId)) {
            return held.get(holdId);
        }
        return base.held(holdId);
    }

    @Override
    public void forEachHeldDue(long now, HeldVisitor visitor) {
        TreeMap<StateKeys.Due, HeldCommand> due = new TreeMap<>();
        int[] seen = {0};
        base.forEachHeldDue(now, command -> {
            if (!held.containsKey(command.holdId())) {
                due.put(new StateKeys.Due(command.at(), command.holdId()), command);
            }
            return ++seen[0] <= Limits.MAX_RELEASED_PER_COMMAND + held.size();
        });
        for (HeldCommand command : held.values()) {
            if (command != null && command.at() <= now) {
                due.put(new StateKeys.Due(command.at(), command.holdId()), command);
            }
        }
        for (HeldCommand command : due.values()) {
            if (!visitor.onHeld(command)) {
                return;
            }
        }
    }

    @Override
    public void putHeld(HeldCommand command) {
        held.put(command.holdId(), command);
    }

    @Override
    public void removeHeld(long holdId) {
        if (held(holdId) == null) {
            throw new IllegalStateException("no command is held under hold id " + holdId);
        }
        held.put(holdId, null);
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
        customerUnits.put(new StateKeys.CustomerSku(customer, sku), units);
    }

    @Override
    public void putOrder(Order order) {
        orders.put(order.orderId(), order);
    }

    @Override
    public void putLastChange(long orderId, long changedAt) {
        requireOrder(orderId);
        lastChanges.remove(orderId);
        lastChanges.put(orderId, changedAt);
        leftBaseOrder.add(orderId);
    }

    @Override
    public void forgetOrder(long orderId) {
        requireOrder(orderId);
        orders.remove(orderId);
        forgotten.add(orderId);
        lastChanges.remove(orderId);
        leftBaseOrder.add(orderId);
    }

    private void requireOrder(long orderId) {
        if (order(orderId) == null) {
            throw new IllegalStateException("order " + orderId + " is not stored");
        }
    }

    @Override
    public void putMovement(long movementId, long fingerprint) {
        movements.put(movementId, fingerprint);
    }

    @Override
    public void scheduleExpiry(long orderId, long expiresAt) {
        scheduled.add(new StateKeys.Due(expiresAt, orderId));
    }

    @Override
    public void unscheduleExpiry(long orderId, long expiresAt) {
        scheduled.remove(new StateKeys.Due(expiresAt, orderId));
    }
}
