package dev.purestock.domain;

/**
 * What one line did to the state: {@code quantity} units of {@code sku} at {@code warehouse} moved, leaving
 * {@code available} units there and {@code customerUnits} units of the sku held by the order's customer.
 * Events carry the resulting values so that {@link Inventory#evolve} only sets them.
 */
public record LineChange(long sku, int warehouse, long quantity, long available, long customerUnits) {
    /** The line this change applied. */
    public Line line() {
        return new Line(sku, warehouse, quantity);
    }
}
