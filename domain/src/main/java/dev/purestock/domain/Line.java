package dev.purestock.domain;

/**
 * One line of an order or reservation: {@code quantity} units of {@code sku} from {@code warehouse}.
 * The quantity is checked by {@link Inventory#decide}, so any value can be asked for.
 */
public record Line(long sku, int warehouse, long quantity) {
    public Line {
        Limits.sku(sku);
        Limits.warehouse(warehouse);
    }
}
