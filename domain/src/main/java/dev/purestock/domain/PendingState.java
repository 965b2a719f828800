package dev.purestock.domain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A scratch layer over a state that {@link Inventory#decide} evolves while it decides a batch or an
 * expiry, so that each member sees what the earlier ones did; the state beneath is never written. It serves one
 * decision at a time ({@link #over}) and is emptied after it ({@link #clear}), keeping its room: a
 * {@link DecisionScratch} keeps one per depth of nesting. Positions, customer counts, movements and orders are
 * kept without a boxed key, map node or record per entry ({@link LongTable}, {@link PendingOrders}), so a batch of
 * purchases allocates nothing once the room has grown; products, reservations due and held commands, which few
 * batches change, are kept in JDK collections.
 */
final class PendingState implements MutableInventory {
    /** What {@link #storedRow} answers for an order the state beneath answers for. */
    private static final int BENEATH = -1;
    private InventoryState base;
    private final Map<Long, Product> products = new HashMap<>();
    /** Units available, by {@link #position}. */
    private final LongTable positions = new LongTable();
    /** Customers' counts, by {@link #customerSku}. */
    private final LongTable customerUnits = new LongTable();
    private final PendingOrders orders = new PendingOrders();
    private final LongTable movements = new LongTable();
    private final TreeSet<StateKeys.Due> scheduled = new TreeSet<>();
    /** Commands held here; a {@code null} value is a hold of the base removed here. */
    private final Map<Long, HeldCommand> held = new HashMap<>();

    /** An empty layer over nothing yet: {@link #over} gives it its state. */
    PendingState() {
    }

    /** This layer, empty, over {@code state}. */
    PendingState over(InventoryState state) {
        base = state;
        return this;
    }

    /** Empties this layer, keeping its room, and lets go of the state beneath. */
    void clear() {
        base = null;
        products.clear();
        positions.clear();
        customerUnits.clear();
        orders.clear();
        movements.clear();
        scheduled.clear();
        held.clear();
    }

    /** A position as one key: a sku takes 32 bits and a warehouse 16 ({@link Limits}). */
    private static long position(long sku, int warehouse) {
        Limits.checkPosition(sku, warehouse);
        return sku << 16 | warehouse;
    }

    /** A customer's count of a sku as one key: each takes 32 bits ({@link Limits}). */
    private static long customerSku(long customer, long sku) {
        return Limits.customer(customer) << 32 | Limits.sku(sku);
    }

    @Override
    public Product product(long sku) {
        Product product = products.isEmpty() ? null : products.get(sku);
        return product != null ? product : base.product(sku);
    }

    @Override
    public long perCustomerLimit(long sku) {
        Product product = products.isEmpty() ? null : products.get(sku);
        return product != null ? product.limitOrNotCounted() : base.perCustomerLimit(sku);
    }

    @Override
    public long available(long sku, int warehouse) {
        int slot = positions.find(position(sku, warehouse));
        return slot >= 0 ? positions.valueAt(slot) : base.available(sku, warehouse);
    }

    @Override
    public long customerUnits(long customer, long sku) {
        int slot = customerUnits.find(customerSku(customer, sku));
        return slot >= 0 ? customerUnits.valueAt(slot) : base.customerUnits(customer, sku);
    }

    @Override
    public Order order(long orderId) {
        int row = orders.find(orderId);
        if (row < 0) {
            return base.order(orderId);
        }
        return orders.isStored(row) ? orders.order(row) : orders.isForgotten(row) ? null : base.order(orderId);
    }

    @Override
    public OrderStatus orderStatus(long orderId) {
        int row = orders.find(orderId);
        if (row < 0) {
            return base.orderStatus(orderId);
        }
        return orders.isStored(row) ? orders.status(row) : orders.isForgotten(row) ? null : base.orderStatus(orderId);
    }

    @Override
    public long orderCustomer(long orderId) {
        int row = storedRow(orderId);
        return row == BENEATH ? base.orderCustomer(orderId) : orders.customer(row);
    }

    @Override
    public long orderExpiresAt(long orderId) {
        int row = storedRow(orderId);
        return row == BENEATH ? base.orderExpiresAt(orderId) : orders.expiresAt(row);
    }

    @Override
    public long orderFingerprint(long orderId) {
        int row = storedRow(orderId);
        return row == BENEATH ? base.orderFingerprint(orderId) : orders.fingerprint(row);
    }

    @Override
    public OrderLines orderLines(long orderId) {
        int row = storedRow(orderId);
        return row == BENEATH ? base.orderLines(orderId) : orders.lines(row);
    }

    /**
     * The row of {@code orderId} when it is stored here, or {@link #BENEATH} when the state beneath answers for it.
     *
     * @throws IllegalStateException when it was forgotten here
     */
    private int storedRow(long orderId) {
        int row = orders.find(orderId);
        if (row >= 0 && orders.isStored(row)) {
            return row;
        }
        if (row >= 0 && orders.isForgotten(row)) {
            throw new IllegalStateException("order " + orderId + " is not stored");
        }
        return BENEATH;
    }

    @Override
    public long movement(long movementId) {
        int slot = movements.find(movementId);
        return slot >= 0 ? movements.valueAt(slot) : base.movement(movementId);
    }

    @Override
    public void forEachDue(long now, DueVisitor visitor) {
        TreeSet<StateKeys.Due> due = new TreeSet<>();
        List<StateKeys.Due> fromBase = new ArrayList<>();
        base.forEachDue(now, (orderId, expiresAt) -> {
            fromBase.add(new StateKeys.Due(expiresAt, orderId));
            return fromBase.size() <= Limits.MAX_EXPIRIES_PER_COMMAND + orders.storedCount();
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
        return orderStatus(orderId) == OrderStatus.RESERVED;
    }

    @Override
    public void forEachByLastChange(LastChangeVisitor visitor) {
        boolean[] goOn = {true};
        base.forEachByLastChange((orderId, changedAt) -> {
            if (orders.leftBaseOrder(orderId)) {
                return true;
            }
            goOn[0] = visitor.onOrder(orderId, changedAt);
            return goOn[0];
        });
        if (goOn[0]) {
            orders.forEachLastChange(visitor);
        }
    }

    @Override
    public HeldCommand held(long holdId) {
        if (!held.isEmpty() && held.containsKey(holdId)) {
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
        positions.put(position(sku, warehouse), available);
    }

    @Override
    public void putCustomerUnits(long customer, long sku, long units) {
        customerUnits.put(customerSku(customer, sku), units);
    }

    @Override
    public void putOrder(Order order) {
        orders.put(order);
    }

    @Override
    public void putOrder(long orderId, long customer, OrderStatus status, OrderLines lines, long expiresAt,
                         long fingerprint) {
        orders.put(orderId, customer, status, lines, expiresAt, fingerprint);
    }

    @Override
    public void putOrderStatus(long orderId, OrderStatus status) {
        if (orders.putStatus(orderId, status)) {
            return;
        }
        if (orderStatus(orderId) == null) {
            throw new IllegalStateException("order " + orderId + " is not stored; its status cannot become " + status);
        }
        // stored beneath: copied here with its new status, its lines read in place
        orders.put(orderId, base.orderCustomer(orderId), status, base.orderLines(orderId),
                base.orderExpiresAt(orderId), base.orderFingerprint(orderId));
    }

    @Override
    public void putLastChange(long orderId, long changedAt) {
        requireOrder(orderId);
        orders.putLastChange(orderId, changedAt);
    }

    @Override
    public void forgetOrder(long orderId) {
        requireOrder(orderId);
        orders.forget(orderId);
    }

    private void requireOrder(long orderId) {
        if (orderStatus(orderId) == null) {
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
        if (!scheduled.isEmpty()) {
            scheduled.remove(new StateKeys.Due(expiresAt, orderId));
        }
    }
}
