package dev.purestock.domain;

/**
 * What one line did to the state: {@code quantity} units of {@code sku} at {@code warehouse} moved, leaving
 * {@code available} units there and {@code customerUnits} units of the sku held by the order's customer, or
 * {@link #NOT_COUNTED} for a product that counts no customers ({@link Command.ListProduct#uncounted}).
 * Events carry the resulting values so that {@link Inventory#evolve} only sets them.
 */
public record LineChange(long sku, int warehouse, long quantity, long available, long customerUnits) {
    /** The {@link #customerUnits} of a line of a product that counts no customers: there is no count to set. */
    public static final long NOT_COUNTED = -1;

    /** The line this change applied. */
    public Line line() {
        return new Line(sku, warehouse, quantity);
    }
}
