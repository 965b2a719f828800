package dev.purestock.domain;

/**
 * The lines of an order as primitive fields, read by index without building {@link Line} records: what
 * {@link MutableInventory#putOrder(long, long, OrderStatus, OrderLines, long, long)} stores. A view is valid
 * only during the call it is passed to.
 */
public interface OrderLines {

    /** How many lines. */
    int count();

    /** The sku of line {@code i}. */
    long sku(int i);

    /** The warehouse of line {@code i}. */
    int warehouse(int i);

    /** The units of line {@code i}. */
    long quantity(int i);
}
