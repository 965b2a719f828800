package dev.purestock.domain;

/** A listed sku and the most units one customer may hold of it ({@code 0}: no limit). */
public record Product(long sku, long perCustomerLimit) {
    /** Whether a per-customer limit applies. */
    public boolean limited() {
        return perCustomerLimit > 0;
    }
}
