package dev.purestock.domain;

/**
 * A listed sku, the most units one customer may hold of it ({@code 0}: no limit), and whether each customer's
 * units of it are counted ({@link Command.ListProduct}; a product that counts none has no limit).
 */
public record Product(long sku, long perCustomerLimit, boolean countsCustomers) {
    /**
     * A product as listed.
     *
     * @throws IllegalArgumentException when a product that counts no customers has a limit: no listing makes one
     */
    public Product {
        requireNoLimitUncounted(sku, perCustomerLimit, countsCustomers);
    }

    /** Refuses a limit for a sku that counts no customers: no listing is accepted with one. */
    static void requireNoLimitUncounted(long sku, long perCustomerLimit, boolean countsCustomers) {
        if (!countsCustomers && perCustomerLimit != 0) {
            throw new IllegalArgumentException("sku " + sku + " counts no customers and so can have no per-customer "
                    + "limit, was given " + perCustomerLimit);
        }
    }

    /** A product that counts customers, as every product did before the choice. */
    public Product(long sku, long perCustomerLimit) {
        this(sku, perCustomerLimit, true);
    }

    /** The per-customer limit, or {@link InventoryState#NOT_COUNTED} when customers are not counted. */
    public long limitOrNotCounted() {
        return countsCustomers ? perCustomerLimit : InventoryState.NOT_COUNTED;
    }

    /** Whether a per-customer limit applies. */
    public boolean limited() {
        return perCustomerLimit > 0;
    }
}
