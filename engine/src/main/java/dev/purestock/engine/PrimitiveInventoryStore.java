package dev.purestock.engine;

import dev.purestock.domain.HeldCommand;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderLines;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Product;

import java.util.function.Consumer;

/**
 * The engine's {@link InventoryStore}: primitive maps, so reads and writes on the decision thread neither box
 * nor allocate map entries. The catalog and the stock positions, customer counts and stock movements are each
 * a {@link SegmentedLongMap}, which grows a segment at a time: a map that outgrows its capacity hint never
 * rehashes all its entries on the decision thread. Not thread-safe: one thread owns it (the shard's decision
 * thread, or whoever recovers a journal into it before the engine starts).
 *
 * <p>Composite keys are packed into one {@code long}, which is lossless because
 * {@link dev.purestock.domain.Limits} bounds skus and customers to 32 bits and warehouses to 16 bits. A
 * customer's count is {@code customer << 32 | sku}. A product and its stock positions share one map: the product
 * (its per-customer limit, or {@link #NOT_COUNTED}) is {@code sku << 17} and its position at a warehouse
 * {@code sku << 17 | warehouse + 1}.
 * The map gives consecutive keys neighbouring slots ({@link SegmentedLongMap}), so a purchase's product and
 * position (at one of its first seven warehouses) sit in the same 128-byte run of slots, and deciding it misses
 * the cache there for one block rather than for two places apart.
 * Orders live in primitive columns grown in chunks ({@link OrderColumns}), so a stored order is no object
 * the garbage collector has to trace, and the book grows without copying what it holds. A forgotten order's
 * row, lines and index slot are reused by the next orders, so a book whose orders are created and forgotten
 * at the same rate allocates nothing. The order of last changes, which says what is forgotten next, is a
 * list threaded through the order rows. A {@link StoreCapacity} sizes every map for the expected state, so a
 * sale within those figures never even splits a segment on the decision thread. The live reservations' expiries
 * are a {@link DueQueue} of order ids and times: a heap in primitive columns, ordered by expiry and then order id,
 * found by order id through a {@link SegmentedLongMap}, so reserving and ending a reservation allocate nothing
 * there. Commands held for later are a {@link HeldCommandQueue}: the same kind of heap with their records as
 * values, so holding one costs its record alone.
 */
public final class PrimitiveInventoryStore implements InventoryStore {
    /** A product's key is its sku shifted past the warehouse bits; its positions fill those bits. */
    private static final int SKU_SHIFT = 17;
    private static final long WAREHOUSE_BITS = (1L << SKU_SHIFT) - 1;

    /** Products and stock positions, by {@link #productKey} and {@link #positionKey}. */
    private final SegmentedLongMap productsAndPositions;
    private final SegmentedLongMap customerUnits;
    private final OrderColumns orders;
    private final SegmentedLongMap movements;
    /** The live reservations' order ids by expiry, then order id: no boxed id and no node per reservation. */
    private final DueQueue<Void> due = new DueQueue<>();
    /** Commands held for later, by id and in the order they fall due: no boxed id and no node per hold. */
    private final HeldCommandQueue held = new HeldCommandQueue();

    /** An empty store with a small initial capacity ({@link StoreCapacity#DEFAULT}). */
    public PrimitiveInventoryStore() {
        this(StoreCapacity.DEFAULT);
    }

    /**
     * An empty store sized for about {@code expectedEntries} entries per map (the maps grow beyond it).
     *
     * @throws IllegalArgumentException when {@code expectedEntries} is not positive
     */
    public PrimitiveInventoryStore(int expectedEntries) {
        this(expectedEntries, expectedEntries, expectedEntries);
    }

    /** An empty store sized for {@code capacity} (see {@link StoreCapacity}); it grows beyond. */
    public PrimitiveInventoryStore(StoreCapacity capacity) {
        this(capacity.positions(), capacity.orders(), capacity.customerCounts(), capacity.orderLines());
    }

    /**
     * An empty store sized so that the expected state fits without any table resizing or any order-book
     * growth while it fills: {@code expectedPositions} stock positions (sku and warehouse pairs; as many
     * products and stock movements fit too), {@code expectedOrders} orders and reservations
     * remembered at once (within the retention window), of one line each, and {@code expectedCustomerCounts}
     * non-zero counts of a customer's units of a sku ({@link StoreCapacity} also sizes the lines of orders
     * with several). Beyond these figures everything still grows: the order book by chunks, the positions,
     * customer counts, movements and order index by splitting one segment at a time.
     *
     * @throws IllegalArgumentException when an expected figure is not positive
     */
    public PrimitiveInventoryStore(int expectedPositions, int expectedOrders, int expectedCustomerCounts) {
        this(expectedPositions, expectedOrders, expectedCustomerCounts, expectedOrders);
    }

    private PrimitiveInventoryStore(int expectedPositions, int expectedOrders, int expectedCustomerCounts,
                                    int expectedOrderLines) {
        requirePositive(expectedPositions, "expected positions");
        requirePositive(expectedOrders, "expected orders");
        requirePositive(expectedCustomerCounts, "expected customer counts");
        requirePositive(expectedOrderLines, "expected order lines");
        productsAndPositions = new SegmentedLongMap(NO_POSITION,
                (int) Math.min(Integer.MAX_VALUE, 2L * expectedPositions));
        customerUnits = new SegmentedLongMap(0, expectedCustomerCounts);
        orders = new OrderColumns(expectedOrders, expectedOrderLines);
        movements = new SegmentedLongMap(NO_MOVEMENT, expectedPositions);
    }

    private static void requirePositive(int expected, String what) {
        if (expected <= 0) {
            throw new IllegalArgumentException(what + " must be positive, was " + expected);
        }
    }

    private static long productKey(long sku) {
        return sku << SKU_SHIFT;
    }

    static long positionKey(long sku, int warehouse) {
        return sku << SKU_SHIFT | warehouse + 1;
    }

    static long positionSku(long key) {
        return key >>> SKU_SHIFT;
    }

    static int positionWarehouse(long key) {
        return (int) (key & WAREHOUSE_BITS) - 1;
    }

    private static boolean isProductKey(long key) {
        return (key & WAREHOUSE_BITS) == 0;
    }

    private static long customerKey(long customer, long sku) {
        return customer << 32 | sku;
    }

    /** Builds the record from the primitive entry; the decision path reads {@link #perCustomerLimit} instead. */
    @Override
    public Product product(long sku) {
        return product(sku, perCustomerLimit(sku));
    }

    /** The product whose entry holds {@code limit}, {@link #NOT_COUNTED} included, or null for {@link #NOT_LISTED}. */
    private static Product product(long sku, long limit) {
        if (limit == NOT_LISTED) {
            return null;
        }
        return limit == NOT_COUNTED ? new Product(sku, 0, false) : new Product(sku, limit);
    }

    @Override
    public long perCustomerLimit(long sku) {
        long limit = productsAndPositions.get(productKey(sku));
        return limit == NO_POSITION ? NOT_LISTED : limit;
    }

    @Override
    public long available(long sku, int warehouse) {
        return productsAndPositions.get(positionKey(sku, warehouse));
    }

    @Override
    public long customerUnits(long customer, long sku) {
        return customerUnits.get(customerKey(customer, sku));
    }

    /** Builds the record from the order's row; the decision path reads {@link #orderStatus} and the rest instead. */
    @Override
    public Order order(long orderId) {
        return orders.get(orderId);
    }

    /** Read in place: no record. */
    @Override
    public OrderStatus orderStatus(long orderId) {
        return orders.statusOf(orderId);
    }

    /** Read in place: no record. */
    @Override
    public long orderCustomer(long orderId) {
        return orders.customerOf(orderId);
    }

    /** Read in place: no record. */
    @Override
    public long orderExpiresAt(long orderId) {
        return orders.expiresAtOf(orderId);
    }

    /** Read in place: no record. */
    @Override
    public long orderFingerprint(long orderId) {
        return orders.fingerprintOf(orderId);
    }

    /** Read in place through one reused view, valid until the next call: no record. */
    @Override
    public OrderLines orderLines(long orderId) {
        return orders.linesOf(orderId);
    }

    @Override
    public long movement(long movementId) {
        return movements.get(movementId);
    }

    @Override
    public void forEachDue(long now, DueVisitor visitor) {
        for (int place = due.firstDue(now); place != DueQueue.NONE; place = due.nextDue()) {
            if (!visitor.onDue(due.id(place), due.time(place))) {
                return;
            }
        }
    }

    @Override
    public void forEachByLastChange(LastChangeVisitor visitor) {
        orders.forEachByLastChange(visitor);
    }

    @Override
    public void putProduct(Product product) {
        productsAndPositions.put(productKey(product.sku()), product.limitOrNotCounted());
    }

    @Override
    public void putAvailable(long sku, int warehouse, long available) {
        if (available == NO_POSITION) {
            throw new IllegalArgumentException("available units of sku " + sku + " at warehouse " + warehouse
                    + " cannot be " + NO_POSITION + ", the marker for no position");
        }
        productsAndPositions.put(positionKey(sku, warehouse), available);
    }

    @Override
    public void putCustomerUnits(long customer, long sku, long units) {
        long key = customerKey(customer, sku);
        if (units == 0) {
            customerUnits.remove(key);
        } else {
            customerUnits.put(key, units);
        }
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
        if (!orders.putStatus(orderId, status)) {
            throw new IllegalStateException("order " + orderId + " is not stored; its status cannot become " + status);
        }
    }

    @Override
    public void putLastChange(long orderId, long changedAt) {
        if (!orders.touch(orderId, changedAt)) {
            throw new IllegalStateException("order " + orderId + " is not stored; its last change cannot be recorded");
        }
    }

    @Override
    public void forgetOrder(long orderId) {
        if (!orders.remove(orderId)) {
            throw new IllegalStateException("order " + orderId + " is not stored; it cannot be forgotten");
        }
    }

    /**
     * Reads every place a purchase of these fields reads or writes (its order id in the order book, its product and
     * stock position, and the customer's count of the sku), so that they are in the cache when it is decided
     * ({@link WarmAhead}). Changes nothing; returns a sum of what it read, for the caller to keep so that the reads
     * are made.
     */
    long warmPurchase(long orderId, long customer, long sku, int warehouse) {
        return orders.warm(orderId) + warmLine(customer, sku, warehouse);
    }

    /**
     * {@link #warmPurchase} for one line of an order: its product and position, and the customer's count. A position
     * at warehouse 0 .. {@code RUN_KEYS - 2} shares its product's run of the table, so reading it brings the product
     * too; at any other warehouse the product lies elsewhere and is read on its own.
     */
    long warmLine(long customer, long sku, int warehouse) {
        long read = productsAndPositions.getAhead(positionKey(sku, warehouse))
                + customerUnits.getAhead(customerKey(customer, sku));
        return warehouse + 1 < SegmentedLongMap.RUN_KEYS ? read : read + productsAndPositions.getAhead(productKey(sku));
    }

    /** {@link #warmPurchase} for a command that names only an order: its place in the order book. */
    long warmOrder(long orderId) {
        return orders.warm(orderId);
    }

    /** The order book, for tests of its growth. */
    OrderColumns orderBook() {
        return orders;
    }

    @Override
    public void putMovement(long movementId, long fingerprint) {
        if (fingerprint == NO_MOVEMENT) {
            throw new IllegalArgumentException("movement " + movementId + " cannot have fingerprint "
                    + NO_MOVEMENT + ", the marker for no movement");
        }
        movements.put(movementId, fingerprint);
    }

    /** A reservation has one expiry: scheduling its order id again moves it to {@code expiresAt}. */
    @Override
    public void scheduleExpiry(long orderId, long expiresAt) {
        due.put(orderId, expiresAt, null);
    }

    /** Unschedules the reservation where it is due at {@code expiresAt}; one due at another time stays. */
    @Override
    public void unscheduleExpiry(long orderId, long expiresAt) {
        int place = due.place(orderId);
        if (place != DueQueue.NONE && due.time(place) == expiresAt) {
            due.removeAt(place);
        }
    }

    @Override
    public void forEachProduct(Consumer<Product> visitor) {
        productsAndPositions.forEach((key, limit) -> {
            if (isProductKey(key)) {
                visitor.accept(product(positionSku(key), limit));
            }
        });
    }

    @Override
    public void forEachPosition(PositionVisitor visitor) {
        productsAndPositions.forEach((key, available) -> {
            if (!isProductKey(key)) {
                visitor.onPosition(positionSku(key), positionWarehouse(key), available);
            }
        });
    }

    /** One pass over the map that keeps each sku's product beside its positions. */
    @Override
    public void forEachProductAndPosition(Consumer<Product> products, PositionVisitor positions) {
        productsAndPositions.forEach((key, value) -> {
            if (isProductKey(key)) {
                products.accept(product(positionSku(key), value));
            } else {
                positions.onPosition(positionSku(key), positionWarehouse(key), value);
            }
        });
    }

    @Override
    public void forEachCustomerUnits(CustomerUnitsVisitor visitor) {
        customerUnits.forEach((key, units) -> visitor.onCustomerUnits(key >>> 32, key & 0xFFFF_FFFFL, units));
    }

    @Override
    public void forEachOrder(Consumer<Order> visitor) {
        orders.forEach(visitor);
    }

    /** Reads the order columns in place: no record per order. */
    @Override
    public void forEachOrderFields(OrderVisitor visitor) {
        orders.forEachFields(visitor);
    }

    @Override
    public void forEachMovement(MovementVisitor visitor) {
        movements.forEach(visitor::onMovement);
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
}
