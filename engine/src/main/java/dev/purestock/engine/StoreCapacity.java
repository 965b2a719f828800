package dev.purestock.engine;

/**
 * How much state a {@link PrimitiveInventoryStore} is sized for up front, so that a sale within these figures
 * never resizes a table or splits an index segment on the decision thread. Every figure is a hint: the store
 * grows beyond it, at the price of a chunk (the order book) or a segment split (every map).
 *
 * <p>Orders count the orders and reservations remembered at once: with order retention (see
 * {@code PurestockEngine.Builder#retainOrdersFor}) that is about the order rate times the window, plus the
 * live reservations, not every order ever taken. A forgotten order's room is reused, so a book sized for its
 * window stops growing once it has been full.
 *
 * <p>Order lines count the lines of those orders, summed: as many as {@code orders} when each order has one
 * line (a {@code Purchase}, and what the three-figure constructor assumes), more for orders of several lines
 * ({@code PlaceOrder}, {@code Reserve}), whose lines would otherwise grow the order book's line pool.
 *
 * @param positions      stock positions (sku and warehouse pairs); products and stock movements are sized to
 *                       the same number (products share the positions' map, which is sized for both: twice
 *                       the positions)
 * @param orders         orders and reservations remembered at once
 * @param customerCounts non-zero counts of one customer's units of one sku (skus listed counting no customers
 *                       keep none)
 * @param orderLines     lines of the orders remembered at once, summed over them
 */
public record StoreCapacity(int positions, int orders, int customerCounts, int orderLines) {
    /** What {@code new PrimitiveInventoryStore()} is sized for: 1,024 of each. */
    public static final StoreCapacity DEFAULT = new StoreCapacity(1024, 1024, 1024);

    public StoreCapacity {
        requirePositive(positions, "positions");
        requirePositive(orders, "orders");
        requirePositive(customerCounts, "customer counts");
        requirePositive(orderLines, "order lines");
    }

    /** A capacity for orders of one line each: {@code orderLines} is {@code orders}. */
    public StoreCapacity(int positions, int orders, int customerCounts) {
        this(positions, orders, customerCounts, orders);
    }

    private static void requirePositive(int expected, String what) {
        if (expected <= 0) {
            throw new IllegalArgumentException("expected " + what + " must be positive, was " + expected);
        }
    }
}
